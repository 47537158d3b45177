// Events as JSON: serialize_event and parse_event are inverses for every kind of event.
#include "protocol/event_json.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/events.hpp"
#include "core/timetable.hpp"
#include "test_support.hpp"

using namespace hashchat;
using core::error_code;
using nlohmann::json;
using test::at_min;
using test::instant_of;

namespace {

core::event round_trip(const core::event& e, const std::string& cid = "") {
    const auto text = protocol::serialize_event(e);
    INFO("serialized: " << text);
    auto back = protocol::parse_event(text, cid);
    REQUIRE(back.has_value());
    CHECK(back->seq == e.seq);
    CHECK(back->at == e.at);
    CHECK(back->body.index() == e.body.index());
    CHECK(protocol::serialize_event(*back) == text);
    return *back;
}

}  // namespace

TEST_CASE("every event kind survives serialize_event and parse_event", "[protocol]") {
    const auto at = instant_of("2026-11-26T19:02:11.120Z");

    SECTION("post") {
        core::post_event p{"ms_lee",
                           "Ms Lee",
                           core::role::moderator,
                           "A1: We start with a question @mr_k \xF0\x9F\x98\x80",
                           1,
                           core::seq_t{17},
                           {"mr_k"},
                           "c-1"};
        const core::event e{43, at, p};
        const auto j = json::parse(protocol::serialize_event(e));
        CHECK(j == json::parse(R"({"type":"event","seq":43,"at":"2026-11-26T19:02:11.120Z",
            "kind":"post","author":"ms_lee","name":"Ms Lee","role":"moderator",
            "text":"A1: We start with a question @mr_k \ud83d\ude00","round":1,"reply_to":17,
            "mentions":["mr_k"]})"));
        CHECK_FALSE(j.contains("cid"));  // the cid is not shown to others

        const auto back = std::get<core::post_event>(round_trip(e, "c-1").body);
        CHECK(back.author == p.author);
        CHECK(back.name == p.name);
        CHECK(back.author_role == core::role::moderator);
        CHECK(back.text == p.text);
        CHECK(back.round == 1);
        CHECK(back.reply_to == core::seq_t{17});
        CHECK(back.mentions == p.mentions);
        CHECK(back.cid == "c-1");
    }
    SECTION("post without round or reply") {
        core::post_event p{"ms_lee", "Ms Lee", core::role::participant, "Bye", {}, {}, {}, "c"};
        const core::event e{50, at, p};
        const auto j = json::parse(protocol::serialize_event(e));
        CHECK(j.at("round").is_null());
        CHECK(j.at("reply_to").is_null());
        CHECK(j.at("mentions") == json::array());
        const auto back = std::get<core::post_event>(round_trip(e, "c").body);
        CHECK_FALSE(back.round.has_value());
        CHECK_FALSE(back.reply_to.has_value());
        CHECK(back.author_role == core::role::participant);
    }
    SECTION("edit") {
        const core::event e{44, at, core::edit_event{17, "ms_lee", "A1: puzzle @a", {"a"}}};
        const auto j = json::parse(protocol::serialize_event(e));
        CHECK(j.at("kind") == "edit");
        CHECK(j.at("target") == 17);
        const auto back = std::get<core::edit_event>(round_trip(e).body);
        CHECK(back.target == 17u);
        CHECK(back.author == "ms_lee");
        CHECK(back.text == "A1: puzzle @a");
        CHECK(back.mentions == std::vector<std::string>{"a"});
    }
    SECTION("delete") {
        const core::event e{45, at, core::delete_event{17, "host"}};
        CHECK(json::parse(protocol::serialize_event(e)) ==
              json::parse(R"({"type":"event","seq":45,"at":"2026-11-26T19:02:11.120Z",
                  "kind":"delete","target":17,"author":"host"})"));
        const auto back = std::get<core::delete_event>(round_trip(e).body);
        CHECK(back.target == 17u);
        CHECK(back.author == "host");
    }
    SECTION("like and unlike") {
        for (bool on : {true, false}) {
            CAPTURE(on);
            const core::event e{46, at, core::like_event{17, "mr_k", on ? 3 : 2, on}};
            const auto j = json::parse(protocol::serialize_event(e));
            CHECK(j.at("kind") == (on ? "like" : "unlike"));
            CHECK(j.at("count") == (on ? 3 : 2));
            const auto back = std::get<core::like_event>(round_trip(e).body);
            CHECK(back.target == 17u);
            CHECK(back.author == "mr_k");
            CHECK(back.count == (on ? 3 : 2));
            CHECK(back.like == on);
        }
    }
    SECTION("announce") {
        const core::event e{47, at, core::announce_event{"host", "Host", "Welcome!"}};
        const auto back = std::get<core::announce_event>(round_trip(e).body);
        CHECK(back.author == "host");
        CHECK(back.name == "Host");
        CHECK(back.text == "Welcome!");
    }
}

TEST_CASE("phase events in every phase survive the round trip", "[protocol]") {
    const core::live_schedule sch(test::sample_config().timetable);
    std::vector<core::phase_state> states = {sch.initial()};
    for (const auto& c : sch.advance(sch.initial(), at_min(100))) states.push_back(c.state);
    auto paused = sch.control(states[2], core::control_action::pause, 0, at_min(7, 250));
    REQUIRE_OK(paused);
    states.push_back(*paused);
    auto tt = test::sample_config().timetable;
    tt.talk_minutes = 3;
    const core::live_schedule talk_sch(tt);
    states.push_back(talk_sch.advance(talk_sch.initial(), at_min(6)).back().state);
    REQUIRE(states.back().phase == core::phase_kind::talk);

    core::seq_t seq = 0;
    for (const auto& s : states) {
        INFO("state " << s);
        const core::event e{++seq, at_min(1),
                            core::phase_event{s, sch.round_of(s), sch.question_of(s)}};
        const auto back = std::get<core::phase_event>(round_trip(e).body);
        CHECK(back.state == s);
        CHECK(back.round == sch.round_of(s));
        CHECK(back.question == sch.question_of(s));
    }

    SECTION("the paused phase carries remaining_ms and resume_phase") {
        const core::event e{
            30, at_min(7, 250),
            core::phase_event{*paused, sch.round_of(*paused), sch.question_of(*paused)}};
        const auto j = json::parse(protocol::serialize_event(e));
        CHECK(j == json::parse(R"({"type":"event","seq":30,"at":"2026-11-26T19:07:00.250Z",
            "kind":"phase","phase":"paused","round":1,"question":"Question 1",
            "started_at":null,"ends_at":null,"segment":1,"remaining_ms":359750,
            "resume_phase":"round"})"));
    }
    SECTION("the examples of docs/protocol.md") {
        const core::event intro{1, at_min(0), core::phase_event{states[1], 0, std::nullopt}};
        CHECK(json::parse(protocol::serialize_event(intro)) ==
              json::parse(R"({"type":"event","seq":1,"at":"2026-11-26T19:00:00.000Z",
                  "kind":"phase","phase":"intro","round":0,"question":null,
                  "started_at":"2026-11-26T19:00:00.000Z","ends_at":"2026-11-26T19:05:00.000Z",
                  "segment":0})"));
        const auto& closed = states[states.size() - 3];
        REQUIRE(closed.phase == core::phase_kind::closed);
        const core::event end{80, at_min(34), core::phase_event{closed, {}, {}}};
        CHECK(json::parse(protocol::serialize_event(end)) ==
              json::parse(R"({"type":"event","seq":80,"at":"2026-11-26T19:34:00.000Z",
                  "kind":"phase","phase":"closed","round":null,"question":null,
                  "started_at":null,"ends_at":null,"segment":5})"));
    }
}

TEST_CASE("moderation events survive serialize_event and parse_event", "[protocol]") {
    const auto at = instant_of("2026-11-26T19:07:00.000Z");
    using core::mod_action;
    for (auto action : {mod_action::hide, mod_action::unhide, mod_action::pin, mod_action::unpin}) {
        const std::string kind(core::to_string(action));
        CAPTURE(kind);
        const core::event e{42, at, core::moderation_event{action, core::seq_t{17}, std::nullopt}};
        CHECK(json::parse(protocol::serialize_event(e)) == json{{"type", "event"},
                                                                {"seq", 42},
                                                                {"at", "2026-11-26T19:07:00.000Z"},
                                                                {"kind", kind},
                                                                {"target", 17}});
        const auto back = std::get<core::moderation_event>(round_trip(e).body);
        CHECK(back.action == action);
        CHECK(back.target == core::seq_t{17});
        CHECK_FALSE(back.handle.has_value());
    }
    for (auto action : {mod_action::mute, mod_action::unmute, mod_action::ban, mod_action::unban}) {
        const std::string kind(core::to_string(action));
        CAPTURE(kind);
        const core::event e{43, at, core::moderation_event{action, std::nullopt, "troll_42"}};
        CHECK(json::parse(protocol::serialize_event(e)) == json{{"type", "event"},
                                                                {"seq", 43},
                                                                {"at", "2026-11-26T19:07:00.000Z"},
                                                                {"kind", kind},
                                                                {"handle", "troll_42"}});
        const auto back = std::get<core::moderation_event>(round_trip(e).body);
        CHECK(back.action == action);
        CHECK(back.handle == std::optional<std::string>("troll_42"));
        CHECK_FALSE(back.target.has_value());
    }
}

namespace {

core::post_event waiting_post() {
    return core::post_event{"alice",       "Alice", core::role::participant,
                            "A1: hi @bob", 1,       core::seq_t{7},
                            {"bob"},       "c-4"};
}

core::mod_entry round_trip_mod(const core::mod_entry& m) {
    const auto stored = protocol::store_mod(m);
    INFO("stored: " << stored);
    auto back = protocol::parse_mod(stored);
    REQUIRE(back.has_value());
    CHECK(back->n == m.n);
    CHECK(back->at == m.at);
    CHECK(back->kind == m.kind);
    CHECK(back->by == m.by);
    CHECK(back->target == m.target);
    CHECK(back->handle == m.handle);
    CHECK(back->pending == m.pending);
    CHECK(back->seq == m.seq);
    CHECK(back->detail == m.detail);
    CHECK(back->ban_address == m.ban_address);
    CHECK(back->address_hashes == m.address_hashes);
    CHECK(back->post.has_value() == m.post.has_value());
    if (back->post && m.post) {
        CHECK(back->post->author == m.post->author);
        CHECK(back->post->name == m.post->name);
        CHECK(back->post->author_role == m.post->author_role);
        CHECK(back->post->text == m.post->text);
        CHECK(back->post->round == m.post->round);
        CHECK(back->post->reply_to == m.post->reply_to);
        CHECK(back->post->mentions == m.post->mentions);
        CHECK(back->post->cid == m.post->cid);
    }
    CHECK(protocol::store_mod(*back) == stored);
    CHECK(protocol::serialize_mod(*back) == protocol::serialize_mod(m));
    return *back;
}

}  // namespace

TEST_CASE("moderators' log entries: serialize_mod for the wire, store_mod and parse_mod",
          "[protocol]") {
    SECTION("pending: the wire has the post without its cid, the store keeps the cid") {
        core::mod_entry m;
        m.n = 1;
        m.at = instant_of("2026-11-26T19:06:00.000Z");
        m.kind = "pending";
        m.by = "alice";
        m.pending = 1;
        m.post = waiting_post();
        const auto wire = json::parse(protocol::serialize_mod(m));
        CHECK(wire == json::parse(R"({"type":"mod","n":1,"at":"2026-11-26T19:06:00.000Z",
            "kind":"pending","by":"alice","pending":1,"post":{"author":"alice","name":"Alice",
            "role":"participant","text":"A1: hi @bob","round":1,"reply_to":7,
            "mentions":["bob"]}})"));
        const auto stored = json::parse(protocol::store_mod(m));
        CHECK(stored.at("post").at("cid") == "c-4");
        round_trip_mod(m);
    }
    SECTION("approve and reject") {
        core::mod_entry m;
        m.n = 2;
        m.at = instant_of("2026-11-26T19:06:30.000Z");
        m.kind = "approve";
        m.by = "host";
        m.pending = 1;
        m.seq = 41;
        m.post = waiting_post();
        const auto wire = json::parse(protocol::serialize_mod(m));
        CHECK(wire.at("kind") == "approve");
        CHECK(wire.at("seq") == 41);
        CHECK(wire.at("pending") == 1);
        CHECK_FALSE(wire.at("post").contains("cid"));
        round_trip_mod(m);
        m.kind = "reject";
        m.seq.reset();
        CHECK_FALSE(json::parse(protocol::serialize_mod(m)).contains("seq"));
        round_trip_mod(m);
    }
    SECTION("hide: the documented example") {
        core::mod_entry m;
        m.n = 3;
        m.at = instant_of("2026-11-26T19:07:00.000Z");
        m.kind = "hide";
        m.by = "cohost";
        m.target = 17;
        m.seq = 42;
        CHECK(json::parse(protocol::serialize_mod(m)) ==
              json::parse(R"({"type":"mod","n":3,"at":"2026-11-26T19:07:00.000Z","kind":"hide",
                  "by":"cohost","target":17,"seq":42})"));
        CHECK(json::parse(protocol::store_mod(m)) == json::parse(protocol::serialize_mod(m)));
        round_trip_mod(m);
    }
    SECTION("ban with the address: the hashes are kept but never sent") {
        core::mod_entry m;
        m.n = 4;
        m.at = instant_of("2026-11-26T19:08:00.000Z");
        m.kind = "ban";
        m.by = "host";
        m.handle = "troll_42";
        m.seq = 43;
        m.ban_address = true;
        m.detail = "1 network addresses";
        m.address_hashes = {"9f86d081884c7d65"};
        const auto wire = json::parse(protocol::serialize_mod(m));
        CHECK(wire == json::parse(R"({"type":"mod","n":4,"at":"2026-11-26T19:08:00.000Z",
            "kind":"ban","by":"host","handle":"troll_42","seq":43,"ban_address":true,
            "detail":"1 network addresses"})"));
        CHECK_FALSE(wire.contains("address_hashes"));
        CHECK(protocol::serialize_mod(m).find("9f86d081884c7d65") == std::string::npos);
        const auto stored = json::parse(protocol::store_mod(m));
        CHECK(stored.at("address_hashes") == json::array({"9f86d081884c7d65"}));
        const auto back = round_trip_mod(m);
        CHECK(back.address_hashes == std::vector<std::string>{"9f86d081884c7d65"});
    }
    SECTION("control, delete, mute") {
        core::mod_entry m;
        m.n = 5;
        m.at = instant_of("2026-11-26T19:09:00.000Z");
        m.kind = "control";
        m.by = "host";
        m.detail = "next";
        m.seq = 44;
        CHECK(json::parse(protocol::serialize_mod(m)) ==
              json::parse(R"({"type":"mod","n":5,"at":"2026-11-26T19:09:00.000Z",
                  "kind":"control","by":"host","detail":"next","seq":44})"));
        round_trip_mod(m);
        core::mod_entry d;
        d.n = 6;
        d.at = instant_of("2026-11-26T19:10:00.000Z");
        d.kind = "delete";
        d.by = "host";
        d.target = 17;
        d.seq = 45;
        round_trip_mod(d);
        core::mod_entry mute;
        mute.n = 7;
        mute.at = d.at;
        mute.kind = "mute";
        mute.by = "host";
        mute.handle = "troll_42";
        mute.seq = 46;
        const auto wire = json::parse(protocol::serialize_mod(mute));
        CHECK_FALSE(wire.contains("ban_address"));
        CHECK_FALSE(wire.contains("target"));
        round_trip_mod(mute);
    }
    SECTION("parse_mod refuses what is not an entry") {
        for (const char* bad :
             {"", "{", "[]", R"({"n":1})",
              R"({"type":"mod","n":1,"at":"yesterday","kind":"hide","by":"host"})",
              R"({"type":"mod","at":"2026-11-26T19:00:00.000Z","kind":"hide","by":"host"})",
              R"({"type":"mod","n":1,"at":"2026-11-26T19:00:00.000Z","kind":"hide"})",
              R"({"type":"mod","n":1,"at":"2026-11-26T19:00:00.000Z","kind":"pending",)"
              R"("by":"a","pending":1,"post":{"author":"a"}})"}) {
            CAPTURE(bad);
            CHECK_FALSE(protocol::parse_mod(bad).has_value());
        }
    }
}

TEST_CASE("parse_event refuses what is not an event", "[protocol]") {
    for (const char* bad : {"", "{", "[]", R"({"seq":1})",
                            R"({"type":"event","seq":1,"at":"yesterday","kind":"delete",)"
                            R"("target":1,"author":"a"})",
                            R"({"type":"event","seq":1,"at":"2026-11-26T19:00:00.000Z",)"
                            R"("kind":"dance"})",
                            R"({"type":"event","seq":1,"at":"2026-11-26T19:00:00.000Z",)"
                            R"("kind":"delete","author":"a"})"}) {
        CAPTURE(bad);
        CHECK_FALSE(protocol::parse_event(bad, "").has_value());
    }
}

TEST_CASE("posts and likes are written byte for byte as the library writes them", "[protocol]") {
    // Strings with every kind of character JSON escapes, multi-byte UTF-8 and invalid UTF-8
    // (which the library replaces; the direct writer hands such a string to it).
    const std::vector<std::string> strings = {
        "",
        "plain",
        "quote \" and backslash \\ and slash /",
        "controls \b\f\n\r\t \x01\x1f\x7f end",
        "caf\xC3\xA9 \xF0\x9F\x93\x9A \xE2\x80\xA8 \xEF\xBB\xBF",
        "broken \xC3 UTF-8 \xFF\xFE",
        "<script>alert(1)</script> & ' =cmd|",
        std::string("nul \0 inside", 12),
    };
    const std::vector<core::instant> instants = {instant_of("2026-11-26T19:02:11.120Z"),
                                                 instant_of("1999-01-01T00:00:00Z"),
                                                 instant_of("2026-11-26T19:02:11.001Z")};
    std::size_t compared = 0;
    for (std::size_t i = 0; i < strings.size(); ++i) {
        for (std::size_t j = 0; j < strings.size(); ++j) {
            core::post_event p;
            p.author = strings[i];
            p.name = strings[j];
            p.text = strings[(i + j) % strings.size()];
            p.author_role = (i + j) % 2 ? core::role::moderator : core::role::participant;
            if (i % 2) p.round = static_cast<int>(j) - 3;
            if (j % 2) p.reply_to = 1000000000000ULL + i;
            for (std::size_t k = 0; k < j % 3; ++k) p.mentions.push_back(strings[(i + k) % 8]);
            p.cid = "not shown";
            const core::event post{static_cast<core::seq_t>(i * 97 + j), instants[(i + j) % 3], p};
            CHECK(protocol::serialize_event(post) == protocol::serialize_event_with_library(post));
            const core::event like{
                static_cast<core::seq_t>(j + 1), instants[i % 3],
                core::like_event{i * 7, strings[j], static_cast<int>(i), j % 2 == 0}};
            CHECK(protocol::serialize_event(like) == protocol::serialize_event_with_library(like));
            compared += 2;
        }
    }
    CHECK(compared == 128);
    // And they parse back.
    core::post_event p;
    p.author = "ann";
    p.name = "Ann \"A\" Lee";
    p.text = "A1: line\none";
    p.mentions = {"ben"};
    const auto back =
        protocol::parse_event(protocol::serialize_event(core::event{5, instants[0], p}), "c-1");
    REQUIRE(back);
    CHECK(std::get<core::post_event>(back->body).text == "A1: line\none");
    CHECK(std::get<core::post_event>(back->body).name == "Ann \"A\" Lee");
}
