#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/text.hpp"
#include "store/index_ops.hpp"
#include "store/store.hpp"
#include "store/store_internal.hpp"

namespace hashchat::store {

namespace {

using detail::statement;

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

}  // namespace

void detail::register_term_stats(sqlite3* db) {
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

std::map<std::string, core::seq_t> sqlite_store::index_watermarks() {
    std::lock_guard lock(mutex_);
    std::map<std::string, core::seq_t> out;
    statement q(db_, "SELECT session_id, seq FROM indexed");
    while (q.step()) out[q.text(0)] = static_cast<core::seq_t>(q.integer(1));
    return out;
}

void sqlite_store::write_index(const std::vector<post_index_op>& ops) {
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

search_result sqlite_store::search(const search_request& req) {
    // The user's query applies to the text; the filters are scope words in the same index, so
    // FTS5 intersects them instead of the rows being checked one by one.
    std::string match;
    if (req.hashtag) match += "scope : \"" + hashtag_scope(*req.hashtag) + "\" AND ";
    if (req.series) match += "scope : \"" + series_scope(*req.series) + "\" AND ";
    match += "text : (" + core::fts5_match(req.terms) + ")";

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

std::map<std::string, post_counts> sqlite_store::counts(
    const std::vector<std::string>& session_ids) {
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

std::set<std::string> sqlite_store::authors(const std::vector<std::string>& session_ids) {
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
