// Archives: the transcript built from a log (grouping by question, threads, edits, hides,
// deletes, likes, statistics), every export's escaping, and the search box's query language.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "archive/escape.hpp"
#include "archive/exports.hpp"
#include "archive/feed.hpp"
#include "archive/local_clock.hpp"
#include "archive/search_query.hpp"
#include "archive/transcript.hpp"
#include "test_support.hpp"

using namespace hashchat;
using test::at_min;

namespace {

// Writes a public log event by event, as the core would have.
struct log_builder {
    std::vector<core::event> events;

    core::seq_t add(long long minute, core::event_body body) {
        const core::seq_t seq = events.size() + 1;
        events.emplace_back(seq, at_min(minute), std::move(body));
        return seq;
    }
    core::seq_t post(long long minute, const std::string& author, const std::string& text,
                     std::optional<int> round, std::optional<core::seq_t> reply_to = {}) {
        return add(minute, core::post_event{author,
                                            "Name " + author,
                                            core::role::participant,
                                            text,
                                            round,
                                            reply_to,
                                            {},
                                            "cid"});
    }
    void phase(long long minute, core::phase_kind kind, std::optional<int> round = {},
               std::optional<std::string> question = {}) {
        core::phase_state s;
        s.phase = kind;
        s.started_at = at_min(minute);
        add(minute, core::phase_event{s, round, question});
    }
    void ask(long long minute, int n) {
        phase(minute, core::phase_kind::round, n, "Question " + std::to_string(n));
    }
    void moderate(long long minute, core::mod_action a, core::seq_t target) {
        add(minute, core::moderation_event{a, target, std::nullopt});
    }
};

std::vector<core::seq_t> seqs(const archive::transcript& t, const std::vector<std::size_t>& idx) {
    std::vector<core::seq_t> out;
    for (const auto i : idx) out.push_back(t.posts[i].seq);
    return out;
}

const archive::export_context ctx{"https://chat.example.org", at_min(100)};

}  // namespace

TEST_CASE("a transcript groups answers by question and threads replies", "[archive]") {
    log_builder log;
    log.phase(0, core::phase_kind::intro, 0);
    const auto intro = log.post(1, "ann", "A0 hi", 0);
    const auto early = log.post(2, "ben", "before any question", std::nullopt);
    log.ask(5, 1);
    const auto a1 = log.post(6, "ann", "A1 first", 1);
    const auto r1 = log.post(7, "ben", "reply", 1, a1);
    const auto r2 = log.post(7, "cat", "reply to reply", 1, r1);
    const auto hidden = log.post(8, "spam", "A1 spam", 1);
    const auto orphan = log.post(8, "ben", "reply to spam", 1, hidden);
    const auto gone = log.post(9, "cat", "A1 oops", 1);
    const auto edited = log.post(9, "dan", "A1 teh", 1);
    log.add(10, core::edit_event{edited, "dan", "A1 the", {}});
    log.add(10, core::delete_event{gone, "cat"});
    log.moderate(10, core::mod_action::hide, hidden);
    log.add(10, core::like_event{a1, "ben", 1, true});
    log.add(10, core::like_event{a1, "cat", 2, true});
    log.add(11, core::like_event{a1, "cat", 1, false});
    log.add(11, core::announce_event{"host", "Host", "Q2 soon"});
    log.ask(13, 2);
    const auto late = log.post(14, "ann", "A1 late", 1);
    const auto a2 = log.post(14, "ben", "A2 two https://x.example/a.", 2);
    log.phase(21, core::phase_kind::wrapup);
    log.phase(26, core::phase_kind::closed);

    const auto t = archive::build(test::sample_config(3), log.events);
    CHECK(t.state == archive::chat_state::ended);
    CHECK(t.started_at == at_min(0));
    CHECK(t.ended_at == at_min(26));
    REQUIRE(t.questions.size() == 2);  // Q3 was never asked: it is not shown
    CHECK(t.questions[0].text == "Question 1");
    CHECK(t.questions[0].asked_at == at_min(5));
    CHECK(seqs(t, t.roll_call) == std::vector<core::seq_t>{intro});
    CHECK(seqs(t, t.other) == std::vector<core::seq_t>{early});
    CHECK(seqs(t, t.questions[0].answers) == std::vector<core::seq_t>{a1, orphan, edited, late});
    CHECK(seqs(t, t.questions[1].answers) == std::vector<core::seq_t>{a2});
    const auto* first = t.find(a1);
    REQUIRE(first != nullptr);
    CHECK(first->likes == 1);
    CHECK(seqs(t, first->replies) == std::vector<core::seq_t>{r1});
    CHECK(seqs(t, t.find(r1)->replies) == std::vector<core::seq_t>{r2});
    CHECK(t.find(orphan)->reply_to_removed);
    CHECK(t.find(edited)->text == "A1 the");
    CHECK(t.find(edited)->edited);
    CHECK(t.find(hidden) == nullptr);
    CHECK(t.find(gone) == nullptr);
    CHECK(t.announcements.size() == 1);

    const auto& st = t.stats;
    CHECK(st.posts == 9);
    CHECK(st.participants == 4);  // ann, ben, cat, dan
    CHECK(st.replies == 2);
    CHECK(st.answers == 5);
    CHECK(st.introductions == 1);
    CHECK(st.likes == 1);
    CHECK(t.questions[0].answer_count == 4);
    CHECK(t.questions[0].reply_count == 2);
    REQUIRE(t.questions[1].links.size() == 1);
    CHECK(t.questions[1].links[0].url == "https://x.example/a");
    CHECK(st.top_contributors.front().handle == "ben");
    CHECK(st.most_liked == std::vector<core::seq_t>{a1});
    CHECK_FALSE(st.first_timers.has_value());
    REQUIRE(st.over_time.has_value());
    CHECK(st.over_time->bucket_seconds == 60);
    CHECK(st.over_time->start == at_min(0));
    CHECK(st.over_time->posts.size() == 27);
    std::size_t total = 0;
    for (const auto n : st.over_time->posts) total += n;
    CHECK(total == st.posts);

    SECTION("unhiding brings a post back, with its reply under it") {
        log.moderate(30, core::mod_action::unhide, hidden);
        const auto again = archive::build(test::sample_config(3), log.events);
        REQUIRE(again.find(hidden) != nullptr);
        CHECK(seqs(again, again.find(hidden)->replies) == std::vector<core::seq_t>{orphan});
        CHECK_FALSE(again.find(orphan)->reply_to_removed);
    }
    SECTION("first-timers are counted against earlier sessions, ignoring case") {
        auto config = test::sample_config(3);
        config.series = "pubpd";
        const auto s = archive::build(config, log.events, std::set<std::string>{"ann", "ben"});
        CHECK(s.stats.first_timers == std::vector<std::string>{"cat", "dan"});
    }
}

TEST_CASE("a chat that has not begun has no activity and shows no questions", "[archive]") {
    log_builder log;
    log.phase(-10, core::phase_kind::scheduled);
    const auto t = archive::build(test::sample_config(3), log.events);
    CHECK(t.state == archive::chat_state::scheduled);
    CHECK(t.questions.empty());
    CHECK_FALSE(t.stats.over_time.has_value());
    CHECK(archive::activity_svg(t).empty());
}

TEST_CASE("a long slow chat gets coarser chart buckets", "[archive]") {
    log_builder log;
    log.phase(0, core::phase_kind::round, 1, "Q");
    log.post(60 * 24 * 3, "ann", "A1 three days later", 1);
    const auto t = archive::build(test::sample_config(1), log.events);
    REQUIRE(t.stats.over_time.has_value());
    CHECK(t.stats.over_time->bucket_seconds == 7200);
    CHECK(t.stats.over_time->posts.size() <= 48);
    CHECK(t.stats.over_time->posts.back() == 1);
}

TEST_CASE("links are found without the punctuation around them", "[archive]") {
    using v = std::vector<std::string>;
    CHECK(archive::links_in("see https://a.example/x.") == v{"https://a.example/x"});
    CHECK(archive::links_in("(https://en.wikipedia.org/wiki/Foo_(bar))") ==
          v{"https://en.wikipedia.org/wiki/Foo_(bar)"});
    CHECK(archive::links_in("HTTP://A.example, http://b.example/?q=1&r=2!") ==
          v{"HTTP://A.example", "http://b.example/?q=1&r=2"});
    CHECK(archive::links_in("xhttps://no.example https:// ftp://no.example").empty());
    CHECK(archive::links_in("<https://a.example/\"onmouseover=x>") == v{"https://a.example/"});
}

TEST_CASE("each format escapes what users wrote", "[archive]") {
    std::string out;
    archive::html_escape(out, "<a href=\"x\" onclick='y'>&</a>");
    CHECK(out == "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
    out.clear();
    archive::xml_escape(out, "ok\x01\xEF\xBF\xBE<");
    CHECK(out == "ok&lt;");
    out.clear();
    archive::markdown_escape(out, "*a* _b_ [c](d) # e | `f` \\ <g> 1. ü");
    CHECK(out == "\\*a\\* \\_b\\_ \\[c\\](d) # e | \\`f\\` \\ \\<g> 1. ü");
    for (const auto& [in, want] :
         std::vector<std::pair<std::string, std::string>>{{"=1+1", "\"'=1+1\""},
                                                          {"+1", "\"'+1\""},
                                                          {"-1", "\"'-1\""},
                                                          {"@SUM(A1)", "\"'@SUM(A1)\""},
                                                          {"\tx", "\"'\tx\""},
                                                          {"\xEF\xBC\x9D"
                                                           "1",
                                                           "\"'\xEF\xBC\x9D"
                                                           "1\""},
                                                          {"say \"hi\"", "\"say \"\"hi\"\"\""},
                                                          {"a=b", "\"a=b\""},
                                                          {"line\r\nbreak", "\"line\r\nbreak\""}}) {
        out.clear();
        archive::csv_cell(out, in);
        CHECK(out == want);
    }
}

TEST_CASE("exports carry every visible post once, escaped", "[archive]") {
    log_builder log;
    log.ask(5, 1);
    const auto a = log.post(6, "ann", "A1 <script>alert(1)</script> =cmd *x*", 1);
    const auto r = log.post(7, "ben", "=HYPERLINK(\"http://e.example\")", 1, a);
    auto config = test::sample_config(1);
    config.title = "T <b>";
    const auto t = archive::build(config, log.events);

    const auto html = archive::to_html(t, ctx);
    CHECK(html.find("<script>") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(html.find("<li class=\"post\" id=\"p" + std::to_string(a) + "\">") != std::string::npos);
    CHECK(html.find("<ol class=\"replies\">\n<li class=\"post\" id=\"p" + std::to_string(r) +
                    "\">") != std::string::npos);
    CHECK(html.find("<title>#PubPD: T &lt;b&gt; \u2014 transcript</title>") != std::string::npos);

    const auto md = archive::to_markdown(t, ctx);
    CHECK(md.find("A1 \\<script>alert(1)\\</script> =cmd \\*x\\*") != std::string::npos);
    CHECK(md.find("  - **Name ben** @ben") != std::string::npos);

    const auto csv = archive::to_csv(t, ctx);
    CHECK(csv.rfind("\xEF\xBB\xBF"
                    "session,seq,",
                    0) == 0);
    CHECK(csv.find("\"'=HYPERLINK(\"\"http://e.example\"\")\"") != std::string::npos);

    const auto j = nlohmann::json::parse(archive::to_json(t, ctx));
    CHECK(j["version"] == archive::json_schema_version);
    CHECK(j["questions"][0]["answers"][0]["text"] == "A1 <script>alert(1)</script> =cmd *x*");
    CHECK(j["questions"][0]["answers"][0]["replies"][0]["seq"] == r);
    CHECK(j["questions"][0]["answers"][0]["permalink"] ==
          "https://chat.example.org/archive/pubpd-2026-11-26#p" + std::to_string(a));
}

TEST_CASE("a very long reply chain is exported without deep recursion", "[archive]") {
    log_builder log;
    log.ask(0, 1);
    auto parent = log.post(1, "ann", "A1 start", 1);
    for (int i = 0; i < 20000; ++i) parent = log.post(1, "ben", "again", 1, parent);
    const auto t = archive::build(test::sample_config(1), log.events);
    CHECK(t.stats.posts == 20001);
    const auto j = nlohmann::json::parse(archive::to_json(t, ctx));
    // Nested six deep, then the rest listed in order under the deepest shown reply.
    auto node = j["questions"][0]["answers"][0];
    int depth = 0;
    while (node["replies"].size() == 1) {
        node = node["replies"][0];
        ++depth;
    }
    CHECK(depth == 5);
    CHECK(node["replies"].size() == 20001 - 6);
    const auto html = archive::to_html(t, ctx);
    CHECK(html.find("id=\"p" + std::to_string(parent) + "\"") != std::string::npos);
    CHECK_FALSE(archive::to_markdown(t, ctx).empty());
}

TEST_CASE("local times follow the zone across a daylight-saving change", "[archive]") {
    archive::local_clock london("Europe/London");
    CHECK(london.date_time(test::instant_of("2026-03-29T00:59:00Z")) == "2026-03-29 00:59");
    CHECK(london.date_time(test::instant_of("2026-03-29T01:00:00Z")) == "2026-03-29 02:00");
    CHECK(london.long_date(test::instant_of("2026-11-26T19:00:00Z")) ==
          "Thursday 26 November 2026");
    archive::local_clock kolkata("Asia/Kolkata");
    CHECK(kolkata.time_of_day(test::instant_of("2026-11-26T19:00:00Z")) == "00:30");
    archive::local_clock unknown("Mars/Olympus");
    CHECK(unknown.zone() == "UTC");
    CHECK(unknown.time_of_day(test::instant_of("2026-11-26T19:00:00Z")) == "19:00");
}

TEST_CASE("the search box's words become an FTS5 query that quotes every term", "[archive]") {
    for (const auto& [in, want] : std::vector<std::pair<std::string, std::string>>{
             {"homework", "\"homework\""},
             {"exit tickets", "\"exit\" AND \"tickets\""},
             {"\"exit tickets\" maths", "\"exit tickets\" AND \"maths\""},
             {"stud*", "\"stud\"*"},
             {"hook OR question", "\"hook\" OR \"question\""},
             {"maths -algebra", "(\"maths\") NOT \"algebra\""},
             {"\"unbalanced phrase", "\"unbalanced phrase\""},
             {"NEAR(a b) col:x", "\"NEAR(a\" AND \"b)\" AND \"col:x\""},
             {"say \"he said \"\"hi\"\"\"", "\"say\" AND \"he said \" AND \"hi\""},
             {"AND NOT", "\"AND\" AND \"NOT\""},
             {"!!! hook ???", "\"hook\""},
             {"émigré 🙂", "\"émigré\" AND \"🙂\""}}) {
        const auto q = archive::fts_query(in);
        INFO(in);
        REQUIRE(q.ok());
        CHECK(*q == want);
    }
    for (const auto& bad : {std::string(), std::string("   "), std::string("!!!"),
                            std::string("-hook"), std::string("OR"), std::string(301, 'a'),
                            std::string("a\x01"), std::string("\xC3\x28")}) {
        INFO(bad);
        const auto q = archive::fts_query(bad);
        REQUIRE_FALSE(q.ok());
        CHECK(q.err().code == core::error_code::bad_request);
    }
    std::string many;
    for (int i = 0; i < 17; ++i) {
        many += 'w';  // not `"w" + ...`: a false -Wrestrict of gcc 12 at -O3
        many += std::to_string(i);
        many += ' ';
    }
    CHECK_FALSE(archive::fts_query(many).ok());
}

TEST_CASE("the Atom feed escapes titles and has the required elements", "[archive]") {
    archive::feed_info info{"urn:uuid:1", "hashchat archives", "http://h/feed.atom", "http://h",
                            at_min(60)};
    archive::feed_entry e;
    e.id = "urn:uuid:2";
    e.session_id = "s1";
    e.hashtag = "#t";
    e.title = "<b>&";
    e.published = at_min(0);
    e.updated = at_min(30);
    const auto xml = archive::atom_feed(info, {e});
    CHECK(xml.find("<title>#t: &lt;b&gt;&amp;</title>") != std::string::npos);
    CHECK(xml.find("<updated>2026-11-26T19:30:00Z</updated>") != std::string::npos);
    CHECK(xml.find(
              "<link rel=\"self\" type=\"application/atom+xml\" href=\"http://h/feed.atom\"/>") !=
          std::string::npos);
    CHECK(xml.find("href=\"http://h/archive/s1\"") != std::string::npos);
}
