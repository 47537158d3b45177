// Sessions as JSON: the create request, the id, the stored configuration and the public view.
#include "protocol/session_json.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/session.hpp"
#include "core/session_rules.hpp"
#include "test_support.hpp"

using namespace hashchat;
using core::error_code;
using nlohmann::json;
using test::instant_of;

namespace {

const char* full_request = R"({"hashtag":"#PubPD","title":"PubPD Toronto",
    "description":"Teachers in a pub","mode":"live","timezone":"America/Toronto",
    "start":"2026-11-26T19:00:00",
    "questions":["How do you start a lesson?",
                 {"text":"Homework: yes or no?","talk_minutes":10,"round_minutes":5}],
    "intro_minutes":5,"round_minutes":8,"talk_minutes":0,"wrapup_minutes":5,
    "options":{"premoderation":false,"slowdown_seconds":0}})";

// A minimal valid request with `field` set to the JSON `value`.
std::string request_with(const std::string& field, const std::string& value) {
    auto j = json::parse(R"({"hashtag":"PubPD","title":"T","questions":["Q1?"]})");
    j[field] = json::parse(value);
    return j.dump();
}

}  // namespace

TEST_CASE("parse_create_request reads a new session", "[protocol]") {
    const auto now = instant_of("2026-11-22T12:00:00Z");

    SECTION("defaults") {
        const auto r = protocol::parse_create_request(
            R"({"hashtag":"PubPD","title":"T","questions":["Q1?"]})", now);
        REQUIRE_OK(r);
        CHECK(r->id.empty());
        CHECK(r->hashtag == "#PubPD");
        CHECK(r->title == "T");
        CHECK(r->description.empty());
        CHECK(r->mode == "live");
        CHECK(r->timezone == "UTC");
        CHECK(r->created_at == now);
        CHECK_FALSE(r->timetable.start.has_value());
        CHECK(r->timetable.intro_minutes == 5);
        CHECK(r->timetable.round_minutes == 8);
        CHECK(r->timetable.talk_minutes == 0);
        CHECK(r->timetable.wrapup_minutes == 5);
        REQUIRE(r->timetable.questions.size() == 1);
        CHECK(r->timetable.questions[0].text == "Q1?");
        CHECK_FALSE(r->timetable.questions[0].talk_minutes.has_value());
        CHECK_FALSE(r->timetable.questions[0].round_minutes.has_value());
        CHECK_FALSE(r->options.premoderation);
        CHECK(r->options.slowdown_seconds == 0);
    }
    SECTION("every field, question objects and a local start") {
        const auto r = protocol::parse_create_request(full_request, now);
        REQUIRE_OK(r);
        CHECK(r->hashtag == "#PubPD");
        CHECK(r->description == "Teachers in a pub");
        CHECK(r->timezone == "America/Toronto");
        CHECK(r->timetable.start == instant_of("2026-11-27T00:00:00Z"));
        REQUIRE(r->timetable.questions.size() == 2);
        CHECK(r->timetable.questions[0].text == "How do you start a lesson?");
        CHECK(r->timetable.questions[1].text == "Homework: yes or no?");
        CHECK(r->timetable.questions[1].talk_minutes == 10);
        CHECK(r->timetable.questions[1].round_minutes == 5);
        CHECK(protocol::id_base(*r) == "pubpd-2026-11-26");
    }
    SECTION("boundaries of the minutes are accepted") {
        for (const auto& [field, value] :
             std::vector<std::pair<std::string, std::string>>{{"intro_minutes", "0"},
                                                              {"intro_minutes", "60"},
                                                              {"round_minutes", "1"},
                                                              {"round_minutes", "240"},
                                                              {"talk_minutes", "240"},
                                                              {"wrapup_minutes", "0"},
                                                              {"wrapup_minutes", "120"},
                                                              {"start", "null"},
                                                              {"options", "{}"}}) {
            INFO(field << " = " << value);
            CHECK_OK(protocol::parse_create_request(request_with(field, value), now));
        }
        CHECK_OK(protocol::parse_create_request(
            request_with("questions", R"([{"text":"Q","talk_minutes":0,"round_minutes":240}])"),
            now));
        std::vector<std::string> hundred(100, "Q?");
        CHECK_OK(
            protocol::parse_create_request(request_with("questions", json(hundred).dump()), now));
    }
}

TEST_CASE("parse_create_request refuses what is not a valid session", "[protocol]") {
    const auto now = instant_of("2026-11-22T12:00:00Z");
    const std::vector<std::pair<std::string, std::string>> bad_fields = {
        {"colour", "\"red\""},
        {"intro_minutes", "61"},
        {"intro_minutes", "-1"},
        {"intro_minutes", "2.5"},
        {"intro_minutes", "\"5\""},
        {"round_minutes", "0"},
        {"round_minutes", "241"},
        {"talk_minutes", "241"},
        {"wrapup_minutes", "121"},
        {"wrapup_minutes", "18446744073709551615"},
        {"timezone", "\"Mars/Olympus_Mons\""},
        {"timezone", "5"},
        {"start", "\"tomorrow\""},
        {"start", "1800000000"},
        {"questions", "[]"},
        {"questions", "\"Q1?\""},
        {"questions", "[5]"},
        {"questions", "[\"\"]"},
        {"questions", "[\"   \"]"},
        {"questions", R"([{"talk_minutes":3}])"},
        {"questions", R"([{"text":"Q","colour":"red"}])"},
        {"questions", R"([{"text":"Q","round_minutes":0}])"},
        {"questions", R"([{"text":"Q","round_minutes":241}])"},
        {"questions", R"([{"text":"Q","talk_minutes":-1}])"},
        {"questions", R"([{"text":5}])"},
        {"hashtag", "\"#Pub PD\""},
        {"hashtag", "\"#\""},
        {"hashtag", "\"#" + std::string(41, 'a') + "\""},
        {"title", "\"\""},
        {"title", "\"   \""},
        {"mode", "\"slow\""},
        {"options", "[]"},

        {"options", R"({"premoderation":"no"})"},
        {"options", R"({"slowdown_seconds":3601})"},
        {"options", R"({"slowdown_seconds":-1})"},
        {"options", R"({"colour":"red"})"},
    };
    for (const auto& [field, value] : bad_fields) {
        INFO(field << " = " << value);
        CHECK_ERR(protocol::parse_create_request(request_with(field, value), now),
                  error_code::bad_request);
    }
    std::vector<std::string> too_many(101, "Q?");
    CHECK_ERR(protocol::parse_create_request(request_with("questions", json(too_many).dump()), now),
              error_code::bad_request);
    CHECK_ERR(protocol::parse_create_request(R"({"hashtag":"PubPD","title":"T"})", now),
              error_code::bad_request);
    CHECK_ERR(protocol::parse_create_request(R"({"title":"T","questions":["Q"]})", now),
              error_code::bad_request);
    CHECK_ERR(protocol::parse_create_request(R"({"hashtag":"PubPD","questions":["Q"]})", now),
              error_code::bad_request);
    CHECK_ERR(protocol::parse_create_request("not json", now), error_code::bad_request);
    CHECK_ERR(protocol::parse_create_request("[]", now), error_code::bad_request);
    CHECK_ERR(
        protocol::parse_create_request(R"({"hashtag":"PubPD","title":"T","questions":["Q"],)"
                                       R"("timezone":"Europe/London","start":"2026-03-29T01:30"})",
                                       now),
        error_code::bad_request);
    CHECK_ERR(protocol::parse_create_request(std::string(300 * 1024, ' '), now),
              error_code::bad_request);
}

TEST_CASE("id_base is the hashtag's slug and the local start date", "[protocol]") {
    auto c = test::sample_config();
    c.hashtag = "#PubPD";
    c.timezone = "America/Toronto";
    c.timetable.start = instant_of("2026-11-27T00:00:00Z");  // 19:00 on the 26th in Toronto
    CHECK(protocol::id_base(c) == "pubpd-2026-11-26");
    c.timezone = "Asia/Kolkata";
    CHECK(protocol::id_base(c) == "pubpd-2026-11-27");

    SECTION("unscheduled: the creation date in the zone") {
        c.timetable.start.reset();
        c.timezone = "America/Toronto";
        c.created_at = instant_of("2026-11-22T03:00:00Z");
        CHECK(protocol::id_base(c) == "pubpd-2026-11-21");
    }
    SECTION("slugs") {
        CHECK(core::slug_of("#PubPD") == "pubpd");
        CHECK(core::slug_of("#Ed_Chat") == "ed-chat");
        CHECK(core::slug_of("#") == "chat");
        c.hashtag = "#Ed_Chat42";
        CHECK(protocol::id_base(c) == "ed-chat42-2026-11-27");
    }
}

TEST_CASE("config_to_json and config_from_json round-trip a session", "[protocol]") {
    auto parsed = protocol::parse_create_request(full_request, instant_of("2026-11-22T12:00:00Z"));
    REQUIRE_OK(parsed);
    auto c = *parsed;
    c.id = protocol::id_base(c);

    const auto text = protocol::config_to_json(c);
    INFO(text);
    const auto back = protocol::config_from_json(text);
    REQUIRE(back.has_value());
    CHECK(back->id == "pubpd-2026-11-26");
    CHECK(back->hashtag == c.hashtag);
    CHECK(back->title == c.title);
    CHECK(back->description == c.description);
    CHECK(back->mode == c.mode);
    CHECK(back->timezone == c.timezone);
    CHECK(back->timetable.start == c.timetable.start);
    CHECK(back->timetable.intro_minutes == c.timetable.intro_minutes);
    CHECK(back->timetable.round_minutes == c.timetable.round_minutes);
    CHECK(back->timetable.talk_minutes == c.timetable.talk_minutes);
    CHECK(back->timetable.wrapup_minutes == c.timetable.wrapup_minutes);
    REQUIRE(back->timetable.questions.size() == c.timetable.questions.size());
    for (std::size_t i = 0; i < c.timetable.questions.size(); ++i) {
        CAPTURE(i);
        CHECK(back->timetable.questions[i].text == c.timetable.questions[i].text);
        CHECK(back->timetable.questions[i].talk_minutes == c.timetable.questions[i].talk_minutes);
        CHECK(back->timetable.questions[i].round_minutes == c.timetable.questions[i].round_minutes);
    }
    CHECK(back->options.premoderation == c.options.premoderation);
    CHECK(back->options.slowdown_seconds == c.options.slowdown_seconds);
    CHECK(back->created_at == c.created_at);
    CHECK(protocol::config_to_json(*back) == text);

    SECTION("unscheduled") {
        c.timetable.start.reset();
        const auto u = protocol::config_from_json(protocol::config_to_json(c));
        REQUIRE(u.has_value());
        CHECK_FALSE(u->timetable.start.has_value());
    }
    SECTION("garbage") {
        CHECK_FALSE(protocol::config_from_json("").has_value());
        CHECK_FALSE(protocol::config_from_json("{}").has_value());
        CHECK_FALSE(protocol::config_from_json(R"({"id":"x"})").has_value());
    }
}

TEST_CASE("the session view has the documented shape and no secrets", "[protocol]") {
    core::session s(test::sample_config(), {"secret-key-hash"});
    const auto v = protocol::session_view(s, 3);
    CHECK(v.at("id") == "pubpd-2026-11-26");
    CHECK(v.at("start") == "2026-11-26T19:00:00.000Z");
    CHECK(v.at("head") == 0);
    CHECK(v.at("online") == 3);
    CHECK(v.at("questions").at(0) ==
          json::parse(R"({"round":1,"text":"Question 1","talk_minutes":0,"round_minutes":8})"));
    CHECK(v.at("phase") ==
          json::parse(R"({"phase":"scheduled","round":null,"question":null,"started_at":null,
              "ends_at":"2026-11-26T19:00:00.000Z","segment":-1})"));
    CHECK(v.dump().find("secret") == std::string::npos);
}
