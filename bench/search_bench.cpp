#include "search_bench.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "archive/search_query.hpp"
#include "export_bench.hpp"
#include "measure.hpp"
#include "protocol/session_json.hpp"
#include "store/index_ops.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"

namespace hashchat::bench {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A quarter of the sessions are #UKEdChat, a tenth #PubPD, the rest spread over 13 others.
std::string hashtag_of(std::size_t session) {
    static constexpr std::string_view others[] = {
        "#EdChat",   "#PrimaryRocks", "#SciChat",  "#MathsChat", "#EngChatUK",
        "#HistChat", "#MFLChat",      "#SENDChat", "#EYChat",    "#LeadChat",
        "#GeogChat", "#ArtsEdChat",   "#NQTChat"};
    const std::size_t k = session % 20;
    if (k < 5) return "#UKEdChat";
    if (k < 7) return "#PubPD";
    return std::string(others[k - 7]);
}

std::string session_id(std::size_t session) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "bench-%04zu", session);
    return buf;
}

std::string parameters(const search_options& o) {
    // Bump the version when the generator changes, so an old store is not reused.
    return "generator=2 posts=" + std::to_string(o.posts) +
           " sessions=" + std::to_string(o.sessions) + " seed=" + std::to_string(o.seed) + "\n";
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

json load(const search_options& o) {
    const auto db_file = o.data_dir / "hashchat.sqlite3";
    const auto marker = o.data_dir / "bench-parameters.txt";
    if (fs::exists(db_file) && fs::exists(marker) && read_text(marker) == parameters(o)) {
        std::printf("search: reusing the store in %s\n", o.data_dir.c_str());
        return {{"reused", true}};
    }
    fs::create_directories(o.data_dir);
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_file.string() + suffix);
    fs::remove(marker);
    std::printf("search: loading %zu posts over %zu sessions into %s\n", o.posts, o.sessions,
                o.data_dir.c_str());
    stopwatch sw;
    const chat_text text;
    std::size_t loaded = 0;
    {
        store::sqlite_store db(db_file, store::durability::normal);
        store::write_batch batch;
        std::size_t in_batch = 0;
        const core::instant first{std::chrono::seconds(1'672'945'200)};  // 2023-01-05T19:00Z
        for (std::size_t s = 0; s < o.sessions; ++s) {
            chat_params p;
            p.id = session_id(s);
            p.hashtag = hashtag_of(s);
            p.start = first + std::chrono::hours(24 * 3) * static_cast<int>(s);
            // Spread the remainder so the total is exact.
            p.posts = o.posts / o.sessions + (s < o.posts % o.sessions ? 1 : 0);
            p.participants = 100;
            p.seed = o.seed * 100'003 + s;
            const auto chat = make_live_chat(p, text);
            db.create_session(p.id, protocol::config_to_json(chat.config), "bench-key-hash",
                              chat.config.created_at.time_since_epoch().count());
            const auto scope = store::post_scope(chat.config.hashtag, chat.config.series);
            for (const auto& e : chat.events) add_event(batch, p.id, scope, e);
            in_batch += chat.posts;
            loaded += chat.posts;
            if (in_batch >= 10'000 || s + 1 == o.sessions) {
                db.commit(batch);
                batch = {};
                in_batch = 0;
            }
            if ((s + 1) % 40 == 0) {
                std::printf("  %zu posts, %.0f s\n", loaded, sw.ms() / 1000);
                std::fflush(stdout);
            }
        }
    }
    std::ofstream(marker) << parameters(o);
    const double seconds = sw.ms() / 1000;
    std::printf("search: loaded in %.0f s\n", seconds);
    return {{"reused", false}, {"seconds", std::round(seconds)}};
}

struct query {
    std::string category;
    std::string text;
    std::string match;
};

std::vector<query> read_queries(const fs::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::vector<query> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto tab = line.find('\t');
        if (tab == std::string::npos) throw std::runtime_error("no tab in: " + line);
        query q{line.substr(0, tab), line.substr(tab + 1), ""};
        auto match = archive::fts_query(q.text);
        if (!match) throw std::runtime_error("refused query: " + q.text);
        q.match = *match;
        out.push_back(std::move(q));
    }
    return out;
}

// Every match, counted to the end (not timed; the store stops counting at 1,000).
std::size_t total_matches(const fs::path& db_file, const std::string& match) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    std::size_t n = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?", -1, &st,
                           nullptr) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, match.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = static_cast<std::size_t>(sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

std::string shown_count(const store::search_result& r) {
    return std::to_string(r.matched) + (r.more ? "+" : "");
}

}  // namespace

json run_search(const search_options& o) {
    auto load_info = load(o);
    const auto db_file = o.data_dir / "hashchat.sqlite3";
    const auto queries = read_queries(o.queries);
    std::unique_ptr<store::store> searched;
    if (o.database.empty()) {
        searched = std::make_unique<store::sqlite_store>(db_file, store::durability::normal);
    } else {
        searched = std::make_unique<store::pg_store>(o.database);
    }
    auto& db = *searched;

    std::vector<std::string> filtered_ids;
    for (std::size_t s = 0; s < o.sessions; ++s) {
        if (hashtag_of(s) == o.filter_tag) filtered_ids.push_back(session_id(s));
    }
    auto timed = [&](const query& q, bool filtered, store::search_result* out) {
        stopwatch sw;
        store::search_request req;
        req.terms = *archive::parse_query(q.text);  // as the server does, per request
        if (filtered) req.hashtag = o.filter_tag;
        req.limit = 20;
        auto r = db.search(req);
        const double ms = sw.ms();
        if (out) *out = std::move(r);
        return ms;
    };

    // Warm-up: every query once each way (the page cache and SQLite's cache as in a server
    // that has been running).
    std::vector<store::search_result> all_result(queries.size()), tag_result(queries.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
        timed(queries[i], false, &all_result[i]);
        timed(queries[i], true, &tag_result[i]);
    }
    std::vector<std::vector<double>> all_ms(queries.size()), tag_ms(queries.size());
    for (int rep = 0; rep < o.repetitions; ++rep) {
        for (std::size_t i = 0; i < queries.size(); ++i) {
            all_ms[i].push_back(timed(queries[i], false, nullptr));
            tag_ms[i].push_back(timed(queries[i], true, nullptr));
        }
    }

    std::map<std::string, std::vector<double>> by_category;
    std::vector<double> overall, overall_all, overall_tag;
    json per_query = json::array();
    std::printf("\n%-8s %-34s %9s %7s %7s %8s %7s %7s\n", "category", "query", "hits", "p50", "max",
                "tag hits", "p50", "max");
    for (std::size_t i = 0; i < queries.size(); ++i) {
        const auto& q = queries[i];
        const auto hits = total_matches(db_file, q.match);
        const auto a = summary::of(all_ms[i]);
        const auto t = summary::of(tag_ms[i]);
        std::printf("%-8s %-34s %9zu %7.2f %7.2f %8s %7.2f %7.2f\n", q.category.c_str(),
                    q.text.c_str(), hits, a.p50, a.max, shown_count(tag_result[i]).c_str(), t.p50,
                    t.max);
        auto& cat = by_category[q.category];
        for (const auto* v : {&all_ms[i], &tag_ms[i]}) {
            cat.insert(cat.end(), v->begin(), v->end());
            overall.insert(overall.end(), v->begin(), v->end());
        }
        overall_all.insert(overall_all.end(), all_ms[i].begin(), all_ms[i].end());
        overall_tag.insert(overall_tag.end(), tag_ms[i].begin(), tag_ms[i].end());
        per_query.push_back({{"category", q.category},
                             {"query", q.text},
                             {"fts", q.match},
                             {"total_matches", hits},
                             {"matched", all_result[i].matched},
                             {"more", all_result[i].more},
                             {"hits_returned", all_result[i].hits.size()},
                             {"tag_matched", tag_result[i].matched},
                             {"tag_more", tag_result[i].more},
                             {"all_sessions", a.json()},
                             {"tag_filter", t.json()}});
    }

    constexpr double target_p95_ms = 50;
    const auto total = summary::of(overall);
    json categories = json::object();
    std::printf("\n%-10s %6s %8s %8s %8s %8s\n", "category", "n", "p50", "p95", "p99", "max");
    for (const auto& [name, v] : by_category) {
        const auto s = summary::of(v);
        categories[name] = s.json();
        std::printf("%-10s %6zu %8.2f %8.2f %8.2f %8.2f\n", name.c_str(), s.n, s.p50, s.p95, s.p99,
                    s.max);
    }
    const auto sa = summary::of(overall_all);
    const auto st = summary::of(overall_tag);
    std::printf("%-10s %6zu %8.2f %8.2f %8.2f %8.2f\n", "no filter", sa.n, sa.p50, sa.p95, sa.p99,
                sa.max);
    std::printf("%-10s %6zu %8.2f %8.2f %8.2f %8.2f\n", "hashtag", st.n, st.p50, st.p95, st.p99,
                st.max);
    std::printf("%-10s %6zu %8.2f %8.2f %8.2f %8.2f\n", "overall", total.n, total.p50, total.p95,
                total.p99, total.max);
    const bool met = total.p95 < target_p95_ms;
    std::printf("target: p95 under %.0f ms: %s\n", target_p95_ms, met ? "met" : "MISSED");

    load_info["db_bytes"] = fs::file_size(db_file);
    return {{"posts", o.posts},
            {"sessions", o.sessions},
            {"seed", o.seed},
            {"sqlite", sqlite3_libversion()},
            {"store", std::move(load_info)},
            {"filter", {{"hashtag", o.filter_tag}, {"sessions", filtered_ids.size()}}},
            {"queries", queries.size()},
            {"repetitions", o.repetitions},
            {"limit", 20},
            {"overall", total.json()},
            {"no_filter", sa.json()},
            {"hashtag_filter", st.json()},
            {"by_category", std::move(categories)},
            {"per_query", std::move(per_query)},
            {"target_p95_ms", target_p95_ms},
            {"met", met}};
}

}  // namespace hashchat::bench
