// The archive listing's rules: order, filters, paging, hashtag counts, and the feed's sessions.
#include "archive/listing.hpp"

#include "test_support.hpp"

namespace hashchat::test {
namespace {

archive::session_summary summary(const std::string& id, const std::string& hashtag,
                                 core::chat_state state, long long started_min,
                                 std::optional<long long> ended_min = std::nullopt) {
    archive::session_summary s;
    s.config = sample_config();
    s.config.id = id;
    s.config.hashtag = hashtag;
    s.state = state;
    if (state != core::chat_state::scheduled) s.started_at = at_min(started_min);
    if (ended_min) s.ended_at = at_min(*ended_min);
    s.config.timetable.start = at_min(started_min);
    return s;
}

std::vector<std::string> ids(const archive::listing& l) {
    std::vector<std::string> out;
    for (const auto* s : l.page) out.push_back(s->config.id);
    return out;
}

std::vector<archive::session_summary> sample() {
    using core::chat_state;
    return {summary("a", "#PubPD", chat_state::ended, -3000, -2970),
            summary("b", "#pubpd", chat_state::ended, -1500, -1460),
            summary("c", "#UKEdChat", chat_state::live, 0),
            summary("d", "#PubPD", chat_state::scheduled, 2000)};
}

}  // namespace

TEST_CASE("the archive lists newest first, filtered, a page at a time") {
    auto all = sample();
    auto l = archive::list_sessions(all, {}, 50, 0);
    CHECK(ids(l) == std::vector<std::string>{"d", "c", "b", "a"});
    CHECK(l.total == 4);
    CHECK(l.hashtags == std::map<std::string, std::size_t>{{"#pubpd", 3}, {"#ukedchat", 1}});

    archive::listing_filter f;
    f.hashtag = "PUBPD";  // any case, with or without '#'
    l = archive::list_sessions(all, f, 50, 0);
    CHECK(ids(l) == std::vector<std::string>{"d", "b", "a"});
    CHECK(l.hashtags.at("#ukedchat") == 1);  // counts are of every session

    f.state = core::chat_state::ended;
    l = archive::list_sessions(all, f, 1, 1);
    CHECK(ids(l) == std::vector<std::string>{"a"});
    CHECK(l.total == 2);

    archive::listing_filter days;
    days.from = at_min(-1500);
    days.to = at_min(-1500);  // the day of b, whole
    l = archive::list_sessions(all, days, 50, 0);
    CHECK(ids(l) == std::vector<std::string>{"b"});
}

TEST_CASE("a feed shows ended sessions, the latest ended first") {
    const auto all = sample();
    auto ended = archive::feed_sessions(all, std::nullopt);
    REQUIRE(ended.size() == 2);
    CHECK(ended[0].config.id == "b");
    CHECK(ended[1].config.id == "a");
    CHECK(archive::feed_sessions(all, "#ukedchat").empty());
    CHECK(archive::feed_sessions(all, std::nullopt, 1).size() == 1);
}

}  // namespace hashchat::test
