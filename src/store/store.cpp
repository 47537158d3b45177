#include "store/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/text.hpp"
#include "store/index_ops.hpp"

namespace hashchat::store {

namespace {

// A prepared statement that finalizes itself.
class statement {
  public:
    statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
            throw store_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
        }
    }
    // Borrows a statement the store keeps prepared; it is reset, not finalized, at the end.
    statement(sqlite3* db, sqlite3_stmt* kept) : db_(db), stmt_(kept), owned_(false) {}
    ~statement() {
        if (owned_) {
            sqlite3_finalize(stmt_);
        } else {
            reset();
        }
    }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    statement& bind(int i, const std::string& s) {
        check(sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC));
        return *this;
    }
    statement& bind_null(int i) {
        check(sqlite3_bind_null(stmt_, i));
        return *this;
    }
    statement& bind(int i, std::int64_t v) {
        check(sqlite3_bind_int64(stmt_, i, v));
        return *this;
    }
    // True while there is a row.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw store_error(std::string("sqlite step: ") + sqlite3_errmsg(db_));
    }
    int step_raw() { return sqlite3_step(stmt_); }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::string text(int col) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                 : std::string();
    }

  private:
    void check(int rc) const {
        if (rc != SQLITE_OK) throw store_error(std::string("sqlite bind: ") + sqlite3_errmsg(db_));
    }

    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    bool owned_ = true;
};

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS sessions(
    id TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS moderator_keys(
    session_id TEXT NOT NULL REFERENCES sessions(id),
    key_hash TEXT NOT NULL,
    key_id TEXT NOT NULL DEFAULT 'k1',
    label TEXT NOT NULL DEFAULT 'owner',
    owner INTEGER NOT NULL DEFAULT 1,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(session_id, key_hash)
);
CREATE TABLE IF NOT EXISTS members(
    session_id TEXT NOT NULL REFERENCES sessions(id),
    handle_key TEXT NOT NULL,
    handle TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    PRIMARY KEY(session_id, handle_key)
);
CREATE TABLE IF NOT EXISTS events(
    session_id TEXT NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    cid TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    PRIMARY KEY(session_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mod_events(
    session_id TEXT NOT NULL REFERENCES sessions(id),
    n INTEGER NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY(session_id, n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS series(
    id TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
-- The search index: one row per post of the public log, kept in step by store::commit, and its
-- FTS5 index over the text (and the scope words: hashtag, series) of the posts that are neither
-- hidden nor deleted (external content, kept in step by store::write_index).
CREATE TABLE IF NOT EXISTS posts(
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    author TEXT NOT NULL,
    author_key TEXT NOT NULL,
    name TEXT NOT NULL,
    round INTEGER,
    reply_to INTEGER,
    text TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    hidden INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE(session_id, seq)
);
CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(
    text, scope, content='posts', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3 4 5 6'
);
-- The index was kept by triggers up to version 5. A trigger makes every insert a statement with
-- its own savepoint, and FTS5 writes its pending terms to disk at each savepoint: one index
-- segment per post, then merges. store::write_index now writes the index rows itself.
DROP TRIGGER IF EXISTS posts_indexed;
DROP TRIGGER IF EXISTS posts_reindexed;
-- How far the search index has read each session's log. The server indexes after the log's
-- own commit, in larger transactions; on start it indexes what lies after this.
CREATE TABLE IF NOT EXISTS indexed(
    session_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
) WITHOUT ROWID;
PRAGMA user_version = 6;
)sql";

// Version 4 indexed each post in the transaction that logged it: its index is complete.
constexpr const char* migrate_4_to_5 = R"sql(
INSERT OR REPLACE INTO indexed(session_id, seq)
    SELECT session_id, max(seq) FROM events GROUP BY session_id;
)sql";

// A JSON array of strings, for `IN (SELECT value FROM json_each(?))`.
std::string json_array(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const auto& s : items) {
        if (out.size() > 1) out += ',';
        out += '"';
        for (const char c : s) {
            if (c == '"' || c == '\\') {
                out += '\\';
                out += c;
            } else if (static_cast<unsigned char>(c) < 0x20) {
                out += ' ';
            } else {
                out += c;
            }
        }
        out += '"';
    }
    return out + "]";
}

// Version 3's search index had no scope column and fewer prefix indexes: it is made again.
constexpr const char* drop_index_3 = R"sql(
DROP TRIGGER IF EXISTS posts_indexed;
DROP TRIGGER IF EXISTS posts_reindexed;
DROP TABLE IF EXISTS posts_fts;
DROP TABLE IF EXISTS posts;
)sql";

// The term statistics of one matching row, for ranking: "length tf1 tf2 ..." (the row's
// length in tokens, then how often each phrase of the query occurs in it).
void term_stats(const Fts5ExtensionApi* api, Fts5Context* ctx, sqlite3_context* out, int,
                sqlite3_value**) {
    int length = 0;
    if (api->xColumnSize(ctx, 0, &length) != SQLITE_OK) length = 0;
    std::string s = std::to_string(length);
    const int phrases = api->xPhraseCount(ctx);
    for (int i = 0; i < phrases; ++i) {
        Fts5PhraseIter it;
        int column = 0;
        int offset = 0;
        int tf = 0;
        if (api->xPhraseFirst(ctx, i, &it, &column, &offset) == SQLITE_OK) {
            for (; column >= 0; api->xPhraseNext(ctx, &it, &column, &offset)) {
                if (column == 0) ++tf;
            }
        }
        s += ' ';
        s += std::to_string(tf);
    }
    sqlite3_result_text(out, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

void register_term_stats(sqlite3* db) {
    fts5_api* api = nullptr;
    sqlite3_stmt* q = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &q, nullptr) == SQLITE_OK) {
        sqlite3_bind_pointer(q, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
        sqlite3_step(q);
    }
    sqlite3_finalize(q);
    if (api == nullptr || api->iVersion < 2 ||
        api->xCreateFunction(api, "term_stats", nullptr, &term_stats, nullptr) != SQLITE_OK) {
        throw store_error("sqlite: FTS5 is not available");
    }
}

// Version 1 kept only the hash of each session's one key.
constexpr const char* migrate_1_to_2 = R"sql(
ALTER TABLE moderator_keys ADD COLUMN key_id TEXT NOT NULL DEFAULT 'k1';
ALTER TABLE moderator_keys ADD COLUMN label TEXT NOT NULL DEFAULT 'owner';
ALTER TABLE moderator_keys ADD COLUMN owner INTEGER NOT NULL DEFAULT 1;
ALTER TABLE moderator_keys ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE moderator_keys ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
)sql";

}  // namespace

store::store(const std::filesystem::path& file, durability d, int cache_mb) {
    if (sqlite3_open_v2(file.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw store_error("cannot open " + file.string() + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec(d == durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=ON");
    // 64 MiB of page cache by default (`cache_mb`, --sqlite-cache-mb) instead of SQLite's 2 MB:
    // the commits of many sessions touch the last pages of each session's log, its posts and
    // the search index; with the small cache they were read back from the file (5% of the
    // server's CPU in pread under 250 sessions). It fills as the store grows.
    exec(("PRAGMA cache_size=-" + std::to_string(std::int64_t{cache_mb} * 1024)).c_str());
    // A checkpoint every 10,000 WAL pages (40 MiB) instead of 1,000: under load the same pages
    // (each session's last page of log, the index's) are written to the WAL again and again,
    // and a checkpoint copies each once, so fewer checkpoints copy fewer pages in all (the
    // committer's time fell by about 4% at 13,000 posts/s; the WAL file stays at most ~40 MiB).
    exec("PRAGMA wal_autocheckpoint=10000");
    int version = 0;
    {
        statement q(db_, "PRAGMA user_version");
        if (q.step()) version = std::stoi(q.text(0));
    }
    if (version == 1) exec(migrate_1_to_2);
    if (version == 3) exec(drop_index_3);
    // Before version 4 there was no index (or a dropped one): no session is indexed, so the
    // server indexes every stored post when it starts.
    exec(schema);
    if (version == 4) exec(migrate_4_to_5);
    if (sqlite3_open_v2(file.c_str(), &reader_, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string msg = reader_ ? sqlite3_errmsg(reader_) : "out of memory";
        sqlite3_close(reader_);
        sqlite3_close(db_);
        throw store_error("cannot open " + file.string() + " for reading: " + msg);
    }
    sqlite3_busy_timeout(reader_, 5000);
    register_term_stats(reader_);
}

store::~store() {
    for (auto& [sql, stmt] : prepared_) sqlite3_finalize(stmt);
    sqlite3_close(reader_);
    sqlite3_close(db_);
}

sqlite3_stmt* store::prepared(const char* sql) {
    auto& stmt = prepared_[sql];
    if (stmt == nullptr &&
        sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
        prepared_.erase(sql);
        throw store_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
    }
    return stmt;
}

void store::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw store_error(std::string("sqlite: ") + msg);
    }
}

bool store::create_session(const std::string& id, const std::string& config_json,
                           const std::string& key_hash, std::int64_t created_ms) {
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
        statement ins(db_, "INSERT OR IGNORE INTO sessions(id, config, created_at) VALUES(?,?,?)");
        ins.bind(1, id).bind(2, config_json).bind(3, created_ms).step();
        if (sqlite3_changes(db_) == 0) {
            exec("ROLLBACK");
            return false;
        }
        statement key(db_,
                      "INSERT INTO moderator_keys(session_id, key_hash, key_id, label, owner, "
                      "created_at) VALUES(?,?,'k1','owner',1,?)");
        key.bind(1, id).bind(2, key_hash).bind(3, created_ms).step();
        exec("COMMIT");
        return true;
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::vector<stored_session> store::sessions() {
    std::lock_guard lock(mutex_);
    std::vector<stored_session> out;
    statement q(db_, "SELECT id, config FROM sessions ORDER BY created_at, id");
    while (q.step()) out.push_back({q.text(0), q.text(1), {}, {}});
    statement keys(db_,
                   "SELECT key_hash, key_id, label, owner, revoked, created_at FROM moderator_keys "
                   "WHERE session_id = ? ORDER BY owner DESC, created_at, rowid");
    for (auto& s : out) {
        keys.reset();
        keys.bind(1, s.id);
        while (keys.step()) {
            core::moderator_key k;
            k.hash = keys.text(0);
            k.id = keys.text(1);
            k.label = keys.text(2);
            k.owner = keys.text(3) == "1";
            k.revoked = keys.text(4) == "1";
            k.created_at = core::instant{core::duration{std::stoll(keys.text(5))}};
            if (!k.revoked) s.key_hashes.push_back(k.hash);
            s.keys.push_back(std::move(k));
        }
    }
    return out;
}

std::vector<core::member> store::members(const std::string& session_id) {
    std::lock_guard lock(mutex_);
    std::vector<core::member> out;
    statement q(db_, "SELECT handle, name, token_hash FROM members WHERE session_id = ?");
    q.bind(1, session_id);
    while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2)});
    return out;
}

std::map<std::string, core::seq_t> store::index_watermarks() {
    std::lock_guard lock(mutex_);
    std::map<std::string, core::seq_t> out;
    statement q(db_, "SELECT session_id, seq FROM indexed");
    while (q.step()) out[q.text(0)] = static_cast<core::seq_t>(q.integer(1));
    return out;
}

std::vector<stored_event> store::events(const std::string& session_id) {
    std::lock_guard lock(mutex_);
    std::vector<stored_event> out;
    statement q(db_, "SELECT body, cid FROM events WHERE session_id = ? ORDER BY seq");
    q.bind(1, session_id);
    while (q.step()) out.push_back({q.text(0), q.text(1)});
    return out;
}

std::vector<std::string> store::mod_entries(const std::string& session_id) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    statement q(db_, "SELECT body FROM mod_events WHERE session_id = ? ORDER BY n");
    q.bind(1, session_id);
    while (q.step()) out.push_back(q.text(0));
    return out;
}

bool store::create_series(const std::string& id, const std::string& config_json,
                          const std::string& key_hash, std::int64_t created_ms) {
    std::lock_guard lock(mutex_);
    statement q(db_,
                "INSERT OR IGNORE INTO series(id, config, key_hash, created_at) VALUES(?,?,?,?)");
    q.bind(1, id).bind(2, config_json).bind(3, key_hash).bind(4, created_ms).step();
    return sqlite3_changes(db_) > 0;
}

std::vector<store::stored_series> store::series() {
    std::lock_guard lock(mutex_);
    std::vector<stored_series> out;
    statement q(db_, "SELECT id, config, key_hash FROM series ORDER BY created_at, id");
    while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2)});
    return out;
}

void store::add_key(const std::string& session_id, const core::moderator_key& key) {
    std::lock_guard lock(mutex_);
    statement q(db_,
                "INSERT INTO moderator_keys(session_id, key_hash, key_id, label, owner, revoked, "
                "created_at) VALUES(?,?,?,?,?,0,?)");
    q.bind(1, session_id)
        .bind(2, key.hash)
        .bind(3, key.id)
        .bind(4, key.label)
        .bind(5, std::int64_t{key.owner ? 1 : 0})
        .bind(6, static_cast<std::int64_t>(key.created_at.time_since_epoch().count()))
        .step();
}

void store::revoke_key(const std::string& session_id, const std::string& key_id) {
    std::lock_guard lock(mutex_);
    statement q(db_, "UPDATE moderator_keys SET revoked = 1 WHERE session_id = ? AND key_id = ?");
    q.bind(1, session_id).bind(2, key_id).step();
}

void store::commit(const write_batch& batch) {
    if (batch.empty()) return;
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
        statement ev(db_, prepared("INSERT INTO events(session_id, seq, at, kind, cid, body) "
                                   "VALUES(?,?,?,?,?,?)"));
        for (const auto& e : batch.events) {
            ev.reset();
            ev.bind(1, e.session_id)
                .bind(2, static_cast<std::int64_t>(e.seq))
                .bind(3, e.at_ms)
                .bind(4, e.kind)
                .bind(5, e.cid)
                .bind(6, *e.body)
                .step();
        }
        statement mem(
            db_, prepared("INSERT INTO members(session_id, handle_key, handle, name, token_hash) "
                          "VALUES(?,?,?,?,?) ON CONFLICT(session_id, handle_key) DO UPDATE SET "
                          "name = excluded.name"));
        for (const auto& m : batch.members) {
            const std::string key = core::handle_key(m.m.handle);
            mem.reset();
            mem.bind(1, m.session_id)
                .bind(2, key)
                .bind(3, m.m.handle)
                .bind(4, m.m.name)
                .bind(5, m.m.token_hash)
                .step();
        }
        statement cfg(db_, prepared("UPDATE sessions SET config = ? WHERE id = ?"));
        for (const auto& [id, config] : batch.configs) {
            cfg.reset();
            cfg.bind(1, config).bind(2, id).step();
        }
        write_index(batch.index);
        statement mark(db_, prepared("INSERT INTO indexed(session_id, seq) VALUES(?,?) "
                                     "ON CONFLICT(session_id) DO UPDATE SET "
                                     "seq = max(seq, excluded.seq)"));
        for (const auto& [id, seq] : batch.indexed) {
            mark.reset();
            mark.bind(1, id).bind(2, static_cast<std::int64_t>(seq)).step();
        }
        statement mod(
            db_,
            prepared("INSERT INTO mod_events(session_id, n, at, kind, body) VALUES(?,?,?,?,?)"));
        for (const auto& m : batch.mods) {
            mod.reset();
            mod.bind(1, m.session_id)
                .bind(2, static_cast<std::int64_t>(m.n))
                .bind(3, m.at_ms)
                .bind(4, m.kind)
                .bind(5, m.body)
                .step();
        }
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

void store::write_index(const std::vector<post_index_op>& ops) {
    if (ops.empty()) return;
    statement add(
        db_, prepared("INSERT OR IGNORE INTO posts(session_id, seq, at, author, author_key, name, "
                      "round, reply_to, text, scope) VALUES(?,?,?,?,?,?,?,?,?,?)"));
    statement find(db_, prepared("SELECT id, text, scope, hidden, deleted FROM posts WHERE "
                                 "session_id = ? AND seq = ?"));
    statement change(db_,
                     prepared("UPDATE posts SET text = ?, hidden = ?, deleted = ? WHERE id = ?"));
    // Single-row statements on the FTS5 table: no savepoint, so FTS5 keeps the terms in memory
    // and writes them as one segment when the transaction commits.
    statement index(db_, prepared("INSERT INTO posts_fts(rowid, text, scope) VALUES(?,?,?)"));
    statement unindex(db_, prepared("INSERT INTO posts_fts(posts_fts, rowid, text, scope) "
                                    "VALUES('delete',?,?,?)"));
    for (const auto& op : ops) {
        const auto seq = static_cast<std::int64_t>(op.seq);
        if (op.what == post_index_op::kind::add) {
            const std::string author_key = core::handle_key(op.author);  // bound, not copied
            add.reset();
            add.bind(1, op.session_id)
                .bind(2, seq)
                .bind(3, op.at_ms)
                .bind(4, op.author)
                .bind(5, author_key)
                .bind(6, op.name);
            if (op.round) {
                add.bind(7, std::int64_t{*op.round});
            } else {
                add.bind_null(7);
            }
            if (op.reply_to) {
                add.bind(8, static_cast<std::int64_t>(*op.reply_to));
            } else {
                add.bind_null(8);
            }
            add.bind(9, op.text).bind(10, op.scope).step();
            if (sqlite3_changes(db_) == 0) continue;  // indexed already
            index.reset();
            index.bind(1, sqlite3_last_insert_rowid(db_)).bind(2, op.text).bind(3, op.scope).step();
            continue;
        }
        find.reset();
        find.bind(1, op.session_id).bind(2, seq);
        if (!find.step()) continue;
        const std::int64_t id = find.integer(0);
        const std::string text = find.text(1);
        const std::string scope = find.text(2);
        const bool hidden = find.integer(3) != 0;
        const bool deleted = find.integer(4) != 0;
        find.reset();
        std::string new_text = text;
        bool new_hidden = hidden;
        bool new_deleted = deleted;
        switch (op.what) {
            case post_index_op::kind::edit:
                new_text = op.text;
                break;
            case post_index_op::kind::hide:
                new_hidden = true;
                break;
            case post_index_op::kind::unhide:
                new_hidden = false;
                break;
            case post_index_op::kind::remove:
                new_deleted = true;
                break;
            case post_index_op::kind::add:
                break;
        }
        if (!hidden && !deleted) {
            unindex.reset();
            unindex.bind(1, id).bind(2, text).bind(3, scope).step();
        }
        change.reset();
        change.bind(1, new_text)
            .bind(2, std::int64_t{new_hidden ? 1 : 0})
            .bind(3, std::int64_t{new_deleted ? 1 : 0})
            .bind(4, id)
            .step();
        if (!new_hidden && !new_deleted) {
            index.reset();
            index.bind(1, id).bind(2, new_text).bind(3, scope).step();
        }
    }
}

search_result store::search(const search_request& req) {
    // The user's query applies to the text; the filters are scope words in the same index, so
    // FTS5 intersects them instead of the rows being checked one by one.
    std::string match;
    if (req.hashtag) match += "scope : \"" + hashtag_scope(*req.hashtag) + "\" AND ";
    if (req.series) match += "scope : \"" + series_scope(*req.series) + "\" AND ";
    match += "text : (" + req.match + ")";

    std::lock_guard lock(read_mutex_);
    search_result out;
    auto refused = [&] { throw search_error(sqlite3_errmsg(reader_)); };
    try {
        // The newest matches: the FTS5 index walks its rowids backwards and stops.
        struct row {
            std::int64_t id = 0;
            double length = 0;
            std::vector<double> tf;
            double score = 0;
        };
        std::vector<row> rows;
        statement window(reader_,
                         "SELECT rowid, term_stats(posts_fts) FROM posts_fts WHERE posts_fts "
                         "MATCH ?1 ORDER BY rowid DESC LIMIT ?2");
        window.bind(1, match).bind(2, static_cast<std::int64_t>(ranked_window));
        for (int rc = window.step_raw(); rc != SQLITE_DONE; rc = window.step_raw()) {
            if (rc != SQLITE_ROW) refused();
            row r;
            r.id = window.integer(0);
            const std::string stats = window.text(1);
            std::size_t at = 0;
            bool first = true;
            while (at < stats.size()) {
                const auto end = std::min(stats.find(' ', at), stats.size());
                const double v = std::strtod(stats.c_str() + at, nullptr);
                if (first) {
                    r.length = v;
                } else {
                    r.tf.push_back(v);
                }
                first = false;
                at = end + 1;
            }
            rows.push_back(std::move(r));
        }
        out.matched = rows.size();
        out.more = rows.size() == ranked_window;

        // BM25 (k1 = 1.2, b = 0.75) with the document frequencies and average length of the
        // window: a word in half a million posts costs no more than a rare one.
        if (!rows.empty()) {
            const std::size_t phrases = rows.front().tf.size();
            double total_length = 0;
            std::vector<double> df(phrases, 0);
            for (const auto& r : rows) {
                total_length += r.length;
                for (std::size_t i = 0; i < phrases && i < r.tf.size(); ++i) {
                    if (r.tf[i] > 0) ++df[i];
                }
            }
            const double n = static_cast<double>(rows.size());
            const double average = std::max(1.0, total_length / n);
            std::vector<double> idf(phrases);
            for (std::size_t i = 0; i < phrases; ++i) {
                idf[i] = std::log(1.0 + (n - df[i] + 0.5) / (df[i] + 0.5));
            }
            for (auto& r : rows) {
                for (std::size_t i = 0; i < phrases && i < r.tf.size(); ++i) {
                    const double tf = r.tf[i];
                    r.score += idf[i] * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * r.length / average));
                }
            }
            std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) {
                return a.score != b.score ? a.score > b.score : a.id > b.id;
            });
        }

        // The page shown: its posts and their snippets.
        statement hit(reader_,
                      "SELECT p.session_id, p.seq, p.at, p.author, p.name, p.round, "
                      "snippet(posts_fts, 0, char(2), char(3), char(4), 24) FROM posts_fts JOIN "
                      "posts p ON p.id = posts_fts.rowid WHERE posts_fts MATCH ?1 AND "
                      "posts_fts.rowid = ?2");
        for (std::size_t i = req.offset; i < rows.size() && out.hits.size() < req.limit; ++i) {
            hit.reset();
            hit.bind(1, match).bind(2, rows[i].id);
            const int rc = hit.step_raw();
            if (rc == SQLITE_DONE) continue;
            if (rc != SQLITE_ROW) refused();
            search_hit h;
            h.session_id = hit.text(0);
            h.seq = static_cast<core::seq_t>(hit.integer(1));
            h.at_ms = hit.integer(2);
            h.author = hit.text(3);
            h.name = hit.text(4);
            if (!hit.is_null(5)) h.round = static_cast<int>(hit.integer(5));
            h.snippet = hit.text(6);
            out.hits.push_back(std::move(h));
        }
    } catch (const store_error& e) {
        throw search_error(e.what());
    }
    return out;
}

std::map<std::string, post_counts> store::counts(const std::vector<std::string>& session_ids) {
    std::lock_guard lock(read_mutex_);
    std::map<std::string, post_counts> out;
    statement q(reader_,
                "SELECT session_id, count(*), count(DISTINCT author_key) FROM posts WHERE "
                "hidden = 0 AND deleted = 0 AND session_id IN (SELECT value FROM json_each(?)) "
                "GROUP BY session_id");
    const std::string ids = json_array(session_ids);  // bound without a copy
    q.bind(1, ids);
    while (q.step()) {
        out[q.text(0)] = {static_cast<std::size_t>(q.integer(1)),
                          static_cast<std::size_t>(q.integer(2))};
    }
    return out;
}

std::set<std::string> store::authors(const std::vector<std::string>& session_ids) {
    std::lock_guard lock(read_mutex_);
    std::set<std::string> out;
    statement q(reader_,
                "SELECT DISTINCT author_key FROM posts WHERE hidden = 0 AND deleted = 0 AND "
                "session_id IN (SELECT value FROM json_each(?))");
    const std::string ids = json_array(session_ids);  // bound without a copy
    q.bind(1, ids);
    while (q.step()) out.insert(q.text(0));
    return out;
}

}  // namespace hashchat::store
