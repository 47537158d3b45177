#include <sqlite3.h>

#include <string>

#include "store/store.hpp"
#include "store/store_internal.hpp"

namespace hashchat::store {

namespace {

using detail::register_term_stats;
using detail::statement;

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
-- Version 7: each session's phase events, so that the server learns where a session stands
-- (started, ended, its phase and what is due next) without reading its log.
CREATE INDEX IF NOT EXISTS events_phases ON events(session_id, seq) WHERE kind = 'phase';
PRAGMA user_version = 7;
)sql";

// Version 4 indexed each post in the transaction that logged it: its index is complete.
constexpr const char* migrate_4_to_5 = R"sql(
INSERT OR REPLACE INTO indexed(session_id, seq)
    SELECT session_id, max(seq) FROM events GROUP BY session_id;
)sql";

// Version 3's search index had no scope column and fewer prefix indexes: it is made again.
constexpr const char* drop_index_3 = R"sql(
DROP TRIGGER IF EXISTS posts_indexed;
DROP TRIGGER IF EXISTS posts_reindexed;
DROP TABLE IF EXISTS posts_fts;
DROP TABLE IF EXISTS posts;
)sql";

// Version 1 kept only the hash of each session's one key.
constexpr const char* migrate_1_to_2 = R"sql(
ALTER TABLE moderator_keys ADD COLUMN key_id TEXT NOT NULL DEFAULT 'k1';
ALTER TABLE moderator_keys ADD COLUMN label TEXT NOT NULL DEFAULT 'owner';
ALTER TABLE moderator_keys ADD COLUMN owner INTEGER NOT NULL DEFAULT 1;
ALTER TABLE moderator_keys ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE moderator_keys ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
)sql";

}  // namespace

sqlite_store::sqlite_store(const std::filesystem::path& file, durability d, int cache_mb) {
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

sqlite_store::~sqlite_store() {
    for (auto& [sql, stmt] : prepared_) sqlite3_finalize(stmt);
    sqlite3_close(reader_);
    sqlite3_close(db_);
}

sqlite3_stmt* sqlite_store::prepared(const char* sql) {
    auto& stmt = prepared_[sql];
    if (stmt == nullptr &&
        sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
        prepared_.erase(sql);
        throw store_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
    }
    return stmt;
}

void sqlite_store::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw store_error(std::string("sqlite: ") + msg);
    }
}

}  // namespace hashchat::store
