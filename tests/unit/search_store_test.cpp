// The search index in the store: kept in step with posts, edits, hides and deletes by commit(),
// ranked with highlighted snippets, filtered by session, its watermarks (how far it has read each
// log), and rebuilt for a store that had none.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "archive/search_query.hpp"
#include "store/index_ops.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"
#include "store_fixture.hpp"
#include "test_support.hpp"

using namespace hashchat;
using test::store_fixture;

namespace {

using op = store::post_index_op;

op add(const std::string& session, core::seq_t seq, const std::string& author,
       const std::string& text) {
    op o;
    o.session_id = session;
    o.seq = seq;
    o.at_ms = static_cast<std::int64_t>(seq) * 1000;
    o.author = author;
    o.name = "Name " + author;
    o.round = 1;
    o.text = text;
    o.scope =
        store::post_scope(session == "s1" ? "#One" : "#two",
                          session == "s1" ? std::optional<std::string>("series-1") : std::nullopt);
    return o;
}

op change(op::kind what, const std::string& session, core::seq_t seq, std::string text = {}) {
    op o;
    o.what = what;
    o.session_id = session;
    o.seq = seq;
    o.text = std::move(text);
    return o;
}

void commit(store::store& db, std::vector<op> ops) {
    store::write_batch b;
    b.index = std::move(ops);
    db.commit(b);
}

std::vector<core::seq_t> found(store::store& db, const std::string& query,
                               std::optional<std::string> hashtag = {},
                               std::optional<std::string> series = {}) {
    auto q = archive::parse_query(query);
    REQUIRE(q.ok());
    store::search_request r;
    r.terms = *q;
    r.hashtag = std::move(hashtag);
    r.series = std::move(series);
    std::vector<core::seq_t> out;
    for (const auto& h : db.search(r).hits) out.push_back(h.seq);
    return out;
}

}  // namespace

TEST_CASE("search follows posts, edits, hides, unhides and deletes", "[store][search]") {
    store_fixture fx(GENERATE(from_range(test::store_kinds())));
    auto db_ptr = fx.open();
    auto& db = *db_ptr;
    REQUIRE(db.create_session("s1", "{}", "k", 0));
    REQUIRE(db.create_session("s2", "{}", "k", 0));
    commit(db, {add("s1", 1, "Ann", "Exit tickets at the end of every lesson"),
                add("s1", 2, "ben", "I use exit tickets too, and mini whiteboards"),
                add("s2", 1, "cat", "Whiteboards everywhere")});
    using v = std::vector<core::seq_t>;
    CHECK(found(db, "tickets").size() == 2);
    CHECK(found(db, "whiteboards") == v{1, 2});  // the shorter post ranks first (bm25)
    CHECK(found(db, "whiteboards", "one") == v{2});
    CHECK(found(db, "whiteboards", "TWO") == v{1});
    CHECK(found(db, "whiteboards", std::nullopt, "series-1") == v{2});
    CHECK(found(db, "whiteboards", "one", "series-2").empty());
    // The scope words are not text: searching for one finds nothing.
    CHECK(found(db, store::hashtag_scope("one")).empty());
    CHECK(found(db, "\"every lesson\"") == v{1});
    CHECK(found(db, "white*") == v{1, 2});

    commit(db, {change(op::kind::edit, "s1", 1, "Plenaries instead")});
    CHECK(found(db, "tickets") == v{2});
    CHECK(found(db, "plenaries") == v{1});
    commit(db, {change(op::kind::hide, "s1", 2)});
    CHECK(found(db, "tickets").empty());
    commit(db, {change(op::kind::edit, "s1", 2, "hidden then edited")});
    CHECK(found(db, "edited").empty());
    commit(db, {change(op::kind::unhide, "s1", 2)});
    CHECK(found(db, "edited") == v{2});
    commit(db, {change(op::kind::remove, "s1", 2), change(op::kind::unhide, "s1", 2)});
    CHECK(found(db, "edited").empty());  // a deleted post stays out

    store::search_request r;
    r.terms = *archive::parse_query("plenaries");
    const auto result = db.search(r);
    REQUIRE(result.hits.size() == 1);
    CHECK(result.hits[0].snippet == "\x02Plenaries\x03 instead");
    CHECK(result.hits[0].author == "Ann");
    CHECK(result.matched == 1);
    CHECK_FALSE(result.more);

    const auto counts = db.counts({"s1", "s2", "nope"});
    CHECK(counts.at("s1").posts == 1);
    CHECK(counts.at("s2").authors == 1);
    CHECK(counts.count("nope") == 0);
    CHECK(db.authors({"s1", "s2"}) == std::set<std::string>{"ann", "cat"});
}

TEST_CASE("what looks like HTML in a post is text to search and to show", "[store][search]") {
    store_fixture fx(GENERATE(from_range(test::store_kinds())));
    auto db_ptr = fx.open();
    auto& db = *db_ptr;
    REQUIRE(db.create_session("s1", "{}", "k", 0));
    commit(db, {add("s1", 1, "ann", "retrieval every lesson <b>really</b> & x<y?!"),
                add("s1", 2, "ben", "<a href=x onclick=alert(1)>inside a tag</a>")});
    using v = std::vector<core::seq_t>;
    CHECK(found(db, "really") == v{1});
    CHECK(found(db, "onclick") == v{2});  // a tag's words are words
    CHECK(found(db, "<b>") == v{1});
    store::search_request r;
    r.terms = *archive::parse_query("retrieval");
    const auto hits = db.search(r).hits;
    REQUIRE(hits.size() == 1);
    std::string shown;
    for (const char c : hits[0].snippet) {
        if (c != '\x02' && c != '\x03' && c != '\x04') shown += c;
    }
    CHECK(shown == "retrieval every lesson <b>really</b> & x<y?!");
}

TEST_CASE("a search with nothing to match is a search_error, not a crash", "[store][search]") {
    store_fixture fx(GENERATE(from_range(test::store_kinds())));
    auto db_ptr = fx.open();
    auto& db = *db_ptr;
    store::search_request r;
    CHECK_THROWS_AS(db.search(r), store::search_error);
    r.terms.push_back({"homework", false, false, true, false});  // only what to leave out
    CHECK_THROWS_AS(db.search(r), store::search_error);
}

namespace {

// A store with session s1 and `n` logged events (without their index operations).
void log_events(store::store& db, core::seq_t n) {
    REQUIRE(db.create_session("s1", "{}", "k", 0));
    store::write_batch b;
    for (core::seq_t seq = 1; seq <= n; ++seq) {
        store::event_row e;
        e.session_id = "s1";
        e.seq = seq;
        e.kind = "post";
        e.body = std::make_shared<const std::string>("{}");
        b.events.push_back(e);
    }
    db.commit(b);
}

void raw_exec(const std::filesystem::path& file, const char* sql) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(file.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
}

}  // namespace

TEST_CASE("the store records how far the search index has read each log", "[store][search]") {
    store_fixture fx(GENERATE(from_range(test::store_kinds())));
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        log_events(db, 3);
        // The log is written first, the index later: nothing is indexed yet.
        CHECK(db.index_watermarks().empty());
        store::write_batch b;
        b.index = {add("s1", 1, "ann", "first words")};
        b.indexed = {{"s1", 2}};
        db.commit(b);
        CHECK(db.index_watermarks() == std::map<std::string, core::seq_t>{{"s1", 2}});
        // A watermark only moves forward.
        store::write_batch older;
        older.indexed = {{"s1", 1}};
        db.commit(older);
        CHECK(db.index_watermarks() == std::map<std::string, core::seq_t>{{"s1", 2}});
    }
    auto db_ptr = fx.open();  // kept across a restart
    auto& db = *db_ptr;
    CHECK(db.index_watermarks() == std::map<std::string, core::seq_t>{{"s1", 2}});
    CHECK(found(db, "first") == std::vector<core::seq_t>{1});
}

TEST_CASE("a store from before the search index has nothing indexed", "[store][search]") {
    store_fixture fx("sqlite");  // SQLite's own upgrades
    const std::filesystem::path file = fx.where();
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        log_events(db, 1);
    }
    // Make it look like version 2: no index tables (version 3's are dropped and made again).
    raw_exec(file,
             "DROP TABLE posts_fts; DROP TABLE posts; "
             " DROP TABLE indexed; PRAGMA user_version = 2;");
    auto db_ptr = fx.open();
    auto& db = *db_ptr;
    CHECK(db.index_watermarks().empty());  // the server indexes every session from seq 1
    commit(db, {add("s1", 1, "ann", "rebuilt")});
    CHECK(found(db, "rebuilt") == std::vector<core::seq_t>{1});
}

TEST_CASE("a version 4 store, indexed with its log, counts as indexed to its end",
          "[store][search]") {
    store_fixture fx("sqlite");  // SQLite's own upgrades
    const std::filesystem::path file = fx.where();
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        log_events(db, 4);
    }
    raw_exec(file, "DROP TABLE indexed; PRAGMA user_version = 4;");
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        CHECK(db.index_watermarks() == std::map<std::string, core::seq_t>{{"s1", 4}});
    }
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(file.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &q, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    CHECK(sqlite3_column_int(q, 0) == 7);
    sqlite3_finalize(q);
    sqlite3_close(raw);
}

namespace {

// Every (term, row, column, offset) of an FTS5 index, in order.
std::vector<std::string> index_entries(sqlite3* raw, const std::string& schema,
                                       const std::string& table) {
    const std::string vocab = "CREATE VIRTUAL TABLE temp.v_" + table + " USING fts5vocab(" +
                              schema + ", " + table + ", instance)";
    REQUIRE(sqlite3_exec(raw, vocab.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    const std::string sql =
        "SELECT term, doc, col, offset FROM temp.v_" + table + " ORDER BY term, doc, col, offset";
    sqlite3_stmt* q = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, sql.c_str(), -1, &q, nullptr) == SQLITE_OK);
    std::vector<std::string> out;
    while (sqlite3_step(q) == SQLITE_ROW) {
        std::string row;
        for (int c = 0; c < 4; ++c) {
            const auto* t = sqlite3_column_text(q, c);
            row += t ? reinterpret_cast<const char*>(t) : "";
            row += '|';
        }
        out.push_back(row);
    }
    sqlite3_finalize(q);
    return out;
}

// True when the search index holds exactly the posts that are neither hidden nor deleted, as
// they read now: compared, entry by entry, with an index built afresh from table posts.
bool index_matches_posts(const std::filesystem::path& file) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(file.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "CREATE VIRTUAL TABLE temp.fresh USING fts5(text, scope, "
                         "tokenize='unicode61 remove_diacritics 2');"
                         "INSERT INTO temp.fresh(rowid, text, scope) SELECT id, text, scope FROM "
                         "posts WHERE hidden = 0 AND deleted = 0",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    const auto kept = index_entries(raw, "main", "posts_fts");
    const auto fresh = index_entries(raw, "temp", "fresh");
    sqlite3_close(raw);
    CHECK(kept.size() == fresh.size());
    return !kept.empty() && kept == fresh;
}

}  // namespace

TEST_CASE("the index holds exactly the visible posts, as they read now", "[store][search]") {
    store_fixture fx(GENERATE(from_range(test::store_kinds())));
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        REQUIRE(db.create_session("s1", "{}", "k", 0));
        std::vector<op> ops;
        for (core::seq_t seq = 1; seq <= 300; ++seq) {
            ops.push_back(add("s1", seq, "ann",
                              "post number " + std::to_string(seq) + (seq % 2 ? " odd" : " even")));
        }
        ops.push_back(add("s1", 7, "ann", "a second add of seq 7 changes nothing"));
        ops.push_back(change(op::kind::edit, "s1", 3, "edited in the same batch"));
        commit(db, std::move(ops));
        commit(db, {change(op::kind::hide, "s1", 4), change(op::kind::hide, "s1", 4),
                    change(op::kind::remove, "s1", 5), change(op::kind::edit, "s1", 4, "hid"),
                    change(op::kind::edit, "s1", 9, "nine again"),
                    change(op::kind::unhide, "s1", 10), change(op::kind::edit, "s1", 999, "x")});
        commit(db, {change(op::kind::hide, "s1", 6), change(op::kind::unhide, "s1", 6),
                    change(op::kind::unhide, "s1", 5)});
        using v = std::vector<core::seq_t>;
        CHECK(found(db, "edited") == v{3});
        CHECK(found(db, "hid").empty());
        CHECK(found(db, "nine") == v{9});
        CHECK(found(db, "second").empty());
        CHECK(found(db, "odd").size() == 20);  // a page
    }
    // PostgreSQL keeps its index itself (a generated column); FTS5's is kept by the store.
    if (!fx.postgresql()) CHECK(index_matches_posts(fx.where()));
}

TEST_CASE("a version 5 store, indexed by triggers, keeps its index in step without them",
          "[store][search]") {
    store_fixture fx("sqlite");  // SQLite's own upgrades
    const std::filesystem::path file = fx.where();
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        REQUIRE(db.create_session("s1", "{}", "k", 0));
        commit(db, {add("s1", 1, "ann", "kept by a trigger"), add("s1", 2, "ben", "and me")});
    }
    // Version 5 kept the index with these triggers.
    raw_exec(file,
             "CREATE TRIGGER posts_indexed AFTER INSERT ON posts "
             "WHEN new.hidden = 0 AND new.deleted = 0 BEGIN "
             "INSERT INTO posts_fts(rowid, text, scope) VALUES(new.id, new.text, new.scope); END;"
             "CREATE TRIGGER posts_reindexed AFTER UPDATE ON posts BEGIN "
             "INSERT INTO posts_fts(posts_fts, rowid, text, scope) SELECT 'delete', old.id, "
             "old.text, old.scope WHERE old.hidden = 0 AND old.deleted = 0; "
             "INSERT INTO posts_fts(rowid, text, scope) SELECT new.id, new.text, new.scope "
             "WHERE new.hidden = 0 AND new.deleted = 0; END; PRAGMA user_version = 5;");
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        // Were a trigger left, these would be indexed twice and the comparison below would fail.
        commit(db, {add("s1", 3, "cat", "after the upgrade"),
                    change(op::kind::edit, "s1", 1, "kept by the store"),
                    change(op::kind::hide, "s1", 2)});
        using v = std::vector<core::seq_t>;
        CHECK(found(db, "kept") == v{1});
        CHECK(found(db, "trigger").empty());
        CHECK(found(db, "upgrade") == v{3});
    }
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(file.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'", -1,
                               &q, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    CHECK(sqlite3_column_int(q, 0) == 0);
    sqlite3_finalize(q);
    sqlite3_close(raw);
    CHECK(index_matches_posts(file));
}
