// Slow chats: release instants from a daily or hourly rule in an IANA zone (across daylight-saving
// changes, a non-hour offset, a skipped local time), a slow session driven by a fake clock over
// several days (releases, downtime catch-up, release early, postpone, pause/resume, answers to
// any released question, the close with answers in flight, replay), and the create request and
// stored configuration of a slow chat.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/events.hpp"
#include "core/session.hpp"
#include "core/session_rules.hpp"
#include "core/timetable.hpp"
#include "protocol/event_json.hpp"
#include "protocol/series_json.hpp"
#include "protocol/session_json.hpp"
#include "protocol/time_format.hpp"
#include "test_support.hpp"

using namespace hashchat;
using core::error_code;
using core::phase_kind;
using nlohmann::json;
using std::chrono::hours;
using std::chrono::milliseconds;
using test::instant_of;

namespace {

using instants = std::vector<core::instant>;

instants all_of(std::initializer_list<const char*> isos) {
    instants out;
    for (const char* s : isos) out.push_back(instant_of(s));
    return out;
}

// Daily releases in `zone` at `release_time` (or start's time of day), `count` of them.
instants daily(const char* start_utc, const char* zone, std::optional<std::string> release_time,
               std::size_t count) {
    auto r =
        protocol::slow_releases(instant_of(start_utc), zone, release_time, std::nullopt, count);
    INFO("slow_releases from " << start_utc << " in " << zone << " -> " << test::describe(r));
    REQUIRE(r.ok());
    return *r;
}

// Europe/London at 07:00 from Fri 2026-10-23: the clocks go back on Sun 2026-10-25 (BST -> GMT).
instants london_days() {
    return all_of({"2026-10-23T06:00:00Z", "2026-10-24T06:00:00Z", "2026-10-25T07:00:00Z",
                   "2026-10-26T07:00:00Z"});
}

core::session_config slow_config(const instants& releases, core::duration close_after = hours(24)) {
    auto c = test::sample_config(static_cast<int>(releases.size()));
    c.id = "slowchat-2026-10-23";
    c.hashtag = "#SlowChat";
    c.title = "A slow week";
    c.mode = "slow";
    c.timezone = "Europe/London";
    c.timetable.slow = true;
    c.timetable.start = releases.front();
    c.timetable.releases = releases;
    c.timetable.close_after = close_after;
    c.release_time = "07:00";
    c.created_at = releases.front() - hours(72);
    return c;
}

std::string question(int n) { return "Question " + std::to_string(n); }

// A slow session under test, its log, and helpers that drive it.
struct slow_chat {
    core::session s;
    std::vector<core::event> log;

    explicit slow_chat(const instants& releases, core::duration close_after = hours(24))
        : s(slow_config(releases, close_after), {"hash-of-moderator-key"}) {}

    core::actor join(const std::string& handle, bool moderator = false) {
        core::join_request req;
        req.handle = handle;
        req.name = "Name of " + handle;
        req.new_token_hash = "token-hash-of-" + handle;
        if (moderator) req.key_hash = "hash-of-moderator-key";
        auto r = s.join(req);
        INFO("join " << handle);
        REQUIRE_OK(r);
        if (r->member_changed) s.set_member(r->registered);
        return r->who;
    }

    std::vector<core::event> tick(core::instant now) {
        auto out = s.tick(now);
        for (auto& e : out) log.push_back(e);
        return out;
    }

    core::result<core::outcome> run(const core::actor& who, const core::command& cmd,
                                    core::instant now) {
        tick(now);
        auto r = s.handle(who, cmd, now);
        if (r) {
            for (auto& e : r->events) log.push_back(e);
        }
        return r;
    }

    core::result<core::outcome> control(const core::actor& who, core::control_action a,
                                        core::instant now, int minutes = 0) {
        return run(who, core::control_cmd{a, minutes}, now);
    }

    // The single phase event a control action made (it must succeed).
    core::event control_ok(const core::actor& who, core::control_action a, core::instant now,
                           int minutes = 0) {
        auto r = control(who, a, now, minutes);
        INFO("control " << core::to_string(a) << " at " << protocol::format_instant(now));
        REQUIRE_OK(r);
        REQUIRE(r->events.size() == 1);
        return r->events[0];
    }

    // A post's round (the post must be accepted).
    std::optional<int> post_round(const core::actor& who, core::post_cmd cmd, core::instant now) {
        auto r = run(who, cmd, now);
        INFO("post cid=" << cmd.cid << " text=\"" << cmd.text << "\"");
        REQUIRE_OK(r);
        REQUIRE(r->events.size() == 1);
        const auto* p = std::get_if<core::post_event>(&r->events[0].body);
        REQUIRE(p != nullptr);
        return p->round;
    }
};

core::post_cmd post(std::string cid, std::string text, std::optional<int> round = std::nullopt) {
    return core::post_cmd{std::move(cid), std::move(text), round, std::nullopt};
}

const core::phase_event& phase_of(const core::event& e) {
    INFO("event: " << e);
    const auto* p = std::get_if<core::phase_event>(&e.body);
    REQUIRE(p != nullptr);
    return *p;
}

// A release event of question `n` that happened `at`, scheduled for `scheduled`, open until
// `ends_at` (the next release or the close).
void check_release(const core::event& e, int n, core::instant at, core::instant scheduled,
                   core::instant ends_at) {
    INFO("release of Q" << n << ": " << e);
    const auto& p = phase_of(e);
    CHECK(core::kind_of(e.body) == "release");
    CHECK(e.at == at);
    CHECK(p.state.phase == phase_kind::round);
    CHECK(p.state.segment == n - 1);
    CHECK(p.round == n);
    CHECK(p.question == question(n));
    CHECK(p.state.started_at == at);
    CHECK(p.state.ends_at == ends_at);
    CHECK(p.scheduled_at == scheduled);
}

void check_closed(const core::event& e, core::instant at, int segments) {
    INFO("close: " << e);
    const auto& p = phase_of(e);
    CHECK(core::kind_of(e.body) == "phase");
    CHECK(e.at == at);
    CHECK(p.state.phase == phase_kind::closed);
    CHECK(p.state.segment == segments);
    CHECK_FALSE(p.round.has_value());
    CHECK_FALSE(p.question.has_value());
    CHECK_FALSE(p.state.started_at.has_value());
    CHECK_FALSE(p.state.ends_at.has_value());
    CHECK_FALSE(p.scheduled_at.has_value());
}

// The log through the store's serialization, applied to a fresh session of the same config.
core::session replay(const core::session_config& config, const std::vector<core::event>& log) {
    core::session r(config, {"hash-of-moderator-key"});
    for (const auto& e : log) {
        const std::string cid = std::holds_alternative<core::post_event>(e.body)
                                    ? std::get<core::post_event>(e.body).cid
                                    : std::string();
        auto back = protocol::parse_event(protocol::serialize_event(e), cid);
        INFO("event: " << e);
        REQUIRE(back.has_value());
        CHECK(protocol::serialize_event(*back) == protocol::serialize_event(e));
        r.apply(*back);
    }
    return r;
}

std::vector<std::string> serialized(const std::vector<core::event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(protocol::serialize_event(e));
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Release instants

TEST_CASE("slow_releases: daily at 07:00 in Europe/London across the October change", "[slow]") {
    const auto want =
        all_of({"2026-10-21T06:00:00Z", "2026-10-22T06:00:00Z", "2026-10-23T06:00:00Z",
                "2026-10-24T06:00:00Z", "2026-10-25T07:00:00Z", "2026-10-26T07:00:00Z",
                "2026-10-27T07:00:00Z"});
    // release_time given, start at midnight local the first day
    CHECK(daily("2026-10-20T23:00:00Z", "Europe/London", "07:00", 7) == want);
    // no release_time: start's own local time of day (07:00 BST)
    CHECK(daily("2026-10-21T06:00:00Z", "Europe/London", std::nullopt, 7) == want);
    // exactly at the release instant: that day's release is the first
    CHECK(daily("2026-10-21T06:00:00Z", "Europe/London", "07:00", 7) == want);
}

TEST_CASE("slow_releases: daily at 07:00 in Europe/London across the March change", "[slow]") {
    // 2027-03-28 01:00 GMT the clocks jump to 02:00 BST
    CHECK(daily("2027-03-25T00:00:00Z", "Europe/London", "07:00", 6) ==
          all_of({"2027-03-25T07:00:00Z", "2027-03-26T07:00:00Z", "2027-03-27T07:00:00Z",
                  "2027-03-28T06:00:00Z", "2027-03-29T06:00:00Z", "2027-03-30T06:00:00Z"}));
}

TEST_CASE("slow_releases: daily at 07:00 in America/New_York across both changes", "[slow]") {
    // 2026-11-01 02:00 EDT -> 01:00 EST
    CHECK(daily("2026-10-30T11:00:00Z", "America/New_York", std::nullopt, 4) ==
          all_of({"2026-10-30T11:00:00Z", "2026-10-31T11:00:00Z", "2026-11-01T12:00:00Z",
                  "2026-11-02T12:00:00Z"}));
    // 2027-03-14 02:00 EST -> 03:00 EDT
    CHECK(daily("2027-03-12T05:00:00Z", "America/New_York", "07:00", 4) ==
          all_of({"2027-03-12T12:00:00Z", "2027-03-13T12:00:00Z", "2027-03-14T11:00:00Z",
                  "2027-03-15T11:00:00Z"}));
}

TEST_CASE("slow_releases: Asia/Kolkata (+05:30)", "[slow]") {
    // 05:30 local: 07:00 is later the same day
    CHECK(daily("2026-11-26T00:00:00Z", "Asia/Kolkata", "07:00", 3) ==
          all_of({"2026-11-26T01:30:00Z", "2026-11-27T01:30:00Z", "2026-11-28T01:30:00Z"}));
    // 07:30 local: 07:00 has passed, the first release is the next day
    CHECK(daily("2026-11-26T02:00:00Z", "Asia/Kolkata", "07:00", 2) ==
          all_of({"2026-11-27T01:30:00Z", "2026-11-28T01:30:00Z"}));
    CHECK(daily("2026-11-26T00:00:00Z", "Asia/Kolkata", "19:45", 2) ==
          all_of({"2026-11-26T14:15:00Z", "2026-11-27T14:15:00Z"}));
    // start's own time of day, 20:00 IST
    CHECK(daily("2026-11-26T14:30:00Z", "Asia/Kolkata", std::nullopt, 2) ==
          all_of({"2026-11-26T14:30:00Z", "2026-11-27T14:30:00Z"}));
}

TEST_CASE("slow_releases: a release_time the clocks skip is the instant they jump", "[slow]") {
    // 01:30 does not exist in Europe/London on 2027-03-28 (01:00 GMT -> 02:00 BST)
    CHECK(daily("2027-03-26T12:00:00Z", "Europe/London", "01:30", 3) ==
          all_of({"2027-03-27T01:30:00Z", "2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z"}));
    // 02:30 does not exist in America/New_York on 2027-03-14 (02:00 EST -> 03:00 EDT)
    CHECK(daily("2027-03-13T00:00:00Z", "America/New_York", "02:30", 3) ==
          all_of({"2027-03-13T07:30:00Z", "2027-03-14T07:00:00Z", "2027-03-15T06:30:00Z"}));
    // 01:30 happens twice in Europe/London on 2026-10-25: the earlier (BST) instant
    CHECK(daily("2026-10-23T12:00:00Z", "Europe/London", "01:30", 3) ==
          all_of({"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}));
}

TEST_CASE("slow_releases: the first release is the next day when start is after release_time",
          "[slow]") {
    CHECK(daily("2026-11-26T09:00:00Z", "Europe/London", "07:00", 2) ==
          all_of({"2026-11-27T07:00:00Z", "2026-11-28T07:00:00Z"}));
    CHECK(daily("2026-11-26T07:00:00.001Z", "Europe/London", "07:00", 1) ==
          all_of({"2026-11-27T07:00:00Z"}));
    CHECK(daily("2026-11-26T07:00:00Z", "Europe/London", "07:00", 1) ==
          all_of({"2026-11-26T07:00:00Z"}));
    CHECK(daily("2026-11-26T06:59:00Z", "Europe/London", "07:00", 1) ==
          all_of({"2026-11-26T07:00:00Z"}));
    // 23:30 local on the evening of the October change, release_time 07:00 BST/GMT
    CHECK(daily("2026-10-24T22:30:00Z", "Europe/London", "07:00", 2) ==
          all_of({"2026-10-25T07:00:00Z", "2026-10-26T07:00:00Z"}));
}

TEST_CASE("slow_releases: every N hours from start, whatever the zone", "[slow]") {
    const auto start = instant_of("2026-10-24T20:00:00Z");
    auto every = [&](int h, std::size_t n) {
        auto r = protocol::slow_releases(start, "Europe/London", std::nullopt, h, n);
        REQUIRE_OK(r);
        return *r;
    };
    // exactly 12 h apart across the October change (the local time shifts by an hour)
    CHECK(every(12, 4) == all_of({"2026-10-24T20:00:00Z", "2026-10-25T08:00:00Z",
                                  "2026-10-25T20:00:00Z", "2026-10-26T08:00:00Z"}));
    CHECK(every(1, 3) ==
          all_of({"2026-10-24T20:00:00Z", "2026-10-24T21:00:00Z", "2026-10-24T22:00:00Z"}));
    CHECK(every(168, 2) == all_of({"2026-10-24T20:00:00Z", "2026-10-31T20:00:00Z"}));
    CHECK(every(5, 0).empty());
}

TEST_CASE("slow_releases: a bad release_time or an unknown zone is an error", "[slow]") {
    const auto start = instant_of("2026-11-26T00:00:00Z");
    for (const char* bad : {"7:00", "24:00", "07:60", "07-00", "07:00:00", "", "ab:cd", " 7:00"}) {
        INFO("release_time \"" << bad << "\"");
        CHECK_ERR(
            protocol::slow_releases(start, "Europe/London", std::string(bad), std::nullopt, 2),
            error_code::bad_request);
    }
    CHECK_ERR(protocol::slow_releases(start, "Mars/Olympus_Mons", "07:00", std::nullopt, 2),
              error_code::bad_request);
    CHECK_ERR(protocol::slow_releases(start, "", std::nullopt, std::nullopt, 2),
              error_code::bad_request);
}

// ---------------------------------------------------------------------------------------------
// A slow session on a fake clock

TEST_CASE("a slow session releases one question a day and closes close_after after the last",
          "[slow]") {
    const auto r = london_days();
    REQUIRE(daily("2026-10-23T06:00:00Z", "Europe/London", "07:00", 4) == r);
    slow_chat c(r);
    const auto close = r[3] + hours(24);

    CHECK(c.s.phase().phase == phase_kind::scheduled);
    CHECK(c.s.phase().ends_at == r[0]);
    CHECK(c.s.next_due() == r[0]);
    CHECK(c.tick(r[0] - milliseconds(1)).empty());

    for (int i = 0; i < 4; ++i) {
        const auto day = static_cast<std::size_t>(i);
        INFO("day " << i + 1);
        // the evening before: nothing
        CHECK(c.tick(r[day] - hours(10)).empty());
        const auto due = c.tick(r[day]);
        REQUIRE(due.size() == 1);
        const auto ends = i < 3 ? r[day + 1] : close;
        check_release(due[0], i + 1, r[day], r[day], ends);
        CHECK(due[0].seq == c.s.head());
        CHECK(c.s.phase().phase == phase_kind::round);
        CHECK(c.s.schedule().round_of(c.s.phase()) == i + 1);
        CHECK(c.s.schedule().question_of(c.s.phase()) == question(i + 1));
        CHECK(c.s.schedule().asked(c.s.phase()) == i + 1);
        CHECK(c.s.next_due() == ends);
        // midday: nothing more
        CHECK(c.tick(r[day] + hours(5)).empty());
    }

    CHECK(c.tick(close - milliseconds(1)).empty());
    const auto closed = c.tick(close);
    REQUIRE(closed.size() == 1);
    check_closed(closed[0], close, 4);
    CHECK(c.s.next_due() == std::nullopt);
    CHECK(c.tick(close + hours(24 * 7)).empty());
    CHECK(c.s.head() == 5);
}

TEST_CASE("a release event on the wire: kind release, scheduled_at, ends_at", "[slow]") {
    const auto r = london_days();
    slow_chat c(r);
    const auto due = c.tick(r[2]);
    REQUIRE(due.size() == 3);
    const auto j = json::parse(protocol::serialize_event(due[2]));
    CHECK(j["kind"] == "release");
    CHECK(j["phase"] == "round");
    CHECK(j["round"] == 3);
    CHECK(j["question"] == "Question 3");
    CHECK(j["at"] == "2026-10-25T07:00:00.000Z");
    CHECK(j["scheduled_at"] == "2026-10-25T07:00:00.000Z");
    CHECK(j["started_at"] == "2026-10-25T07:00:00.000Z");
    CHECK(j["ends_at"] == "2026-10-26T07:00:00.000Z");
    CHECK(j["segment"] == 2);

    // a postponement or a pause is a plain phase event without scheduled_at
    auto mod = c.join("host", true);
    const auto p = c.control_ok(mod, core::control_action::postpone, r[2] + hours(1), 30);
    const auto jp = json::parse(protocol::serialize_event(p));
    CHECK(jp["kind"] == "phase");
    CHECK_FALSE(jp.contains("scheduled_at"));
    CHECK(jp["ends_at"] == "2026-10-26T07:30:00.000Z");
}

TEST_CASE("after a long downtime, the due questions are released at once, in order", "[slow]") {
    const auto r = london_days();
    slow_chat c(r);
    // nothing ran from before the first release until three hours after the third
    const auto due = c.tick(r[2] + hours(3));
    REQUIRE(due.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        check_release(due[i], static_cast<int>(i + 1), r[i], r[i], r[i + 1]);
        CHECK(due[i].seq == i + 1);
    }
    CHECK(c.s.next_due() == r[3]);

    // down again over the last release and the close: both, each at its instant
    const auto rest = c.tick(r[3] + hours(30));
    REQUIRE(rest.size() == 2);
    check_release(rest[0], 4, r[3], r[3], r[3] + hours(24));
    check_closed(rest[1], r[3] + hours(24), 4);
}

TEST_CASE("release early: the next question now, the following keeps its schedule", "[slow]") {
    const auto r = london_days();
    slow_chat c(r);
    auto mod = c.join("host", true);
    auto ann = c.join("ann");

    SECTION("release, then next, then on schedule") {
        c.tick(r[0]);
        const auto early = r[0] + hours(2);
        auto res = c.control(mod, core::control_action::release, early);
        REQUIRE_OK(res);
        REQUIRE(res->events.size() == 1);
        check_release(res->events[0], 2, early, r[1], r[2]);
        REQUIRE(res->mod.size() == 1);
        CHECK(res->mod[0].detail == "release");
        // the scheduled instant passes without a second release of Q2
        CHECK(c.tick(r[1]).empty());
        CHECK(c.tick(r[1] + hours(12)).empty());
        const auto q3 = c.tick(r[2]);
        REQUIRE(q3.size() == 1);
        check_release(q3[0], 3, r[2], r[2], r[3]);

        // "next" is the same action; releasing the last early moves the close with it
        const auto last = r[2] + hours(1);
        check_release(c.control_ok(mod, core::control_action::next, last), 4, last, r[3],
                      last + hours(24));
        CHECK(c.tick(r[3]).empty());
        const auto closed = c.tick(last + hours(24));
        REQUIRE(closed.size() == 1);
        check_closed(closed[0], last + hours(24), 4);
    }

    SECTION("start (or release) before the first release brings Q1 now") {
        const auto now = r[0] - hours(5);
        check_release(c.control_ok(mod, core::control_action::start, now), 1, now, r[0], r[1]);
        CHECK(c.tick(r[0]).empty());
        CHECK_ERR(c.control(mod, core::control_action::start, r[0] + hours(1)),
                  error_code::bad_request);
        const auto q2 = c.tick(r[1]);
        REQUIRE(q2.size() == 1);
        check_release(q2[0], 2, r[1], r[1], r[2]);
    }

    SECTION("release while scheduled") {
        const auto now = r[0] - hours(1);
        check_release(c.control_ok(mod, core::control_action::release, now), 1, now, r[0], r[1]);
    }

    SECTION("participants cannot release") {
        c.tick(r[0]);
        CHECK_ERR(c.control(ann, core::control_action::release, r[0] + hours(1)),
                  error_code::not_allowed);
        CHECK_ERR(c.control(ann, core::control_action::postpone, r[0] + hours(1), 60),
                  error_code::not_allowed);
    }
}

TEST_CASE("postpone pushes only the next release", "[slow]") {
    const auto r = london_days();
    slow_chat c(r);
    auto mod = c.join("host", true);
    c.tick(r[0]);
    const auto now = r[0] + hours(1);

    SECTION("by two hours: Q2 two hours late, Q3 on schedule") {
        const auto e = c.control_ok(mod, core::control_action::postpone, now, 120);
        const auto& p = phase_of(e);
        CHECK(core::kind_of(e.body) == "phase");
        CHECK(e.at == now);
        CHECK(p.state.phase == phase_kind::round);
        CHECK(p.state.segment == 0);
        CHECK(p.round == 1);
        CHECK(p.state.started_at == r[0]);
        CHECK(p.state.ends_at == r[1] + hours(2));
        CHECK_FALSE(p.scheduled_at.has_value());
        CHECK(c.s.next_due() == r[1] + hours(2));

        CHECK(c.tick(r[1]).empty());
        CHECK(c.tick(r[1] + hours(2) - milliseconds(1)).empty());
        const auto q2 = c.tick(r[1] + hours(2));
        REQUIRE(q2.size() == 1);
        check_release(q2[0], 2, r[1] + hours(2), r[1], r[2]);
        const auto q3 = c.tick(r[2]);
        REQUIRE(q3.size() == 1);
        check_release(q3[0], 3, r[2], r[2], r[3]);
    }

    SECTION("extend is the same action; twice adds up") {
        c.control_ok(mod, core::control_action::extend, now, 30);
        c.control_ok(mod, core::control_action::postpone, now + hours(1), 30);
        CHECK(c.s.next_due() == r[1] + hours(1));
    }

    SECTION("past the following release: that one comes right after") {
        // r[1] -> r[2] is 25 hours (the clocks go back in between); push Q2 to r[2] + 3h
        const auto gap = std::chrono::duration_cast<std::chrono::minutes>(r[2] - r[1]);
        CHECK(gap.count() == 25 * 60);
        c.control_ok(mod, core::control_action::postpone, now, static_cast<int>(gap.count()) + 180);
        CHECK(c.tick(r[2]).empty());
        const auto late = r[2] + hours(3);
        const auto due = c.tick(late);
        REQUIRE(due.size() == 2);
        check_release(due[0], 2, late, r[1], late);
        check_release(due[1], 3, late, r[2], r[3]);
        CHECK(due[0].seq + 1 == due[1].seq);
        const auto q4 = c.tick(r[3]);
        REQUIRE(q4.size() == 1);
        check_release(q4[0], 4, r[3], r[3], r[3] + hours(24));
    }

    SECTION("after the last release it pushes the close") {
        c.tick(r[3]);
        c.control_ok(mod, core::control_action::postpone, r[3] + hours(1), 60);
        CHECK(c.tick(r[3] + hours(24)).empty());
        const auto closed = c.tick(r[3] + hours(25));
        REQUIRE(closed.size() == 1);
        check_closed(closed[0], r[3] + hours(25), 4);
    }

    SECTION("minutes 1 to 10,080") {
        CHECK_ERR(c.control(mod, core::control_action::postpone, now, 0), error_code::bad_request);
        CHECK_ERR(c.control(mod, core::control_action::postpone, now, -5), error_code::bad_request);
        CHECK_ERR(c.control(mod, core::control_action::postpone, now, 10081),
                  error_code::bad_request);
        CHECK(c.s.next_due() == r[1]);
        c.control_ok(mod, core::control_action::postpone, now, 10080);
        CHECK(c.s.next_due() == r[1] + hours(24 * 7));
        c.control_ok(mod, core::control_action::postpone, now, 1);
        CHECK(c.s.next_due() == r[1] + hours(24 * 7) + std::chrono::minutes(1));
    }
}

TEST_CASE("pause and resume stop and restart the release clock", "[slow]") {
    const auto r = london_days();
    slow_chat c(r);
    auto mod = c.join("host", true);
    auto ann = c.join("ann");
    CHECK_ERR(c.control(mod, core::control_action::pause, r[0] - hours(1)),
              error_code::bad_request);
    c.tick(r[0]);

    const auto paused_at = r[0] + hours(1);
    const auto e = c.control_ok(mod, core::control_action::pause, paused_at);
    const auto& p = phase_of(e);
    CHECK(core::kind_of(e.body) == "phase");
    CHECK(p.state.phase == phase_kind::paused);
    CHECK(p.state.resume_phase == phase_kind::round);
    CHECK(p.state.remaining == r[1] - paused_at);
    CHECK(p.round == 1);
    CHECK(c.s.next_due() == std::nullopt);
    CHECK_ERR(c.control(mod, core::control_action::pause, paused_at), error_code::bad_request);

    // no release while paused, and answers still land
    CHECK(c.tick(r[1] + hours(1)).empty());
    CHECK(c.post_round(ann, post("a1", "A1: during the pause"), r[0] + hours(2)) == 1);

    // postpone while paused adds to the time left
    c.control_ok(mod, core::control_action::postpone, r[0] + hours(2), 30);

    const auto resumed_at = r[0] + hours(3);
    const auto e2 = c.control_ok(mod, core::control_action::resume, resumed_at);
    const auto& p2 = phase_of(e2);
    CHECK(core::kind_of(e2.body) == "phase");
    CHECK(p2.state.phase == phase_kind::round);
    CHECK(p2.state.segment == 0);
    CHECK_FALSE(p2.scheduled_at.has_value());
    const auto q2_at = r[1] + hours(2) + std::chrono::minutes(30);
    CHECK(p2.state.ends_at == q2_at);
    CHECK_ERR(c.control(mod, core::control_action::resume, resumed_at), error_code::bad_request);

    CHECK(c.tick(q2_at - milliseconds(1)).empty());
    const auto q2 = c.tick(q2_at);
    REQUIRE(q2.size() == 1);
    check_release(q2[0], 2, q2_at, r[1], r[2]);
}

TEST_CASE("answers go to any released question; unreleased ones are refused", "[slow]") {
    const auto r = london_days();
    slow_chat c(r);
    auto ann = c.join("ann");
    auto bob = c.join("bob");

    // before the first release: only posts without a question
    const auto early = r[0] - hours(2);
    CHECK(c.post_round(ann, post("hi", "Hello, looking forward to this"), early) == std::nullopt);
    CHECK_ERR(c.run(ann, post("x1", "early", 1), early), error_code::bad_request);
    CHECK_ERR(c.run(ann, post("x2", "A1: early"), early), error_code::bad_request);

    c.tick(r[2]);  // Q1, Q2, Q3 released
    const auto now = r[2] + hours(1);
    CHECK(c.post_round(ann, post("a", "Late answer about Q1", 1), now) == 1);
    CHECK(c.post_round(ann, post("b", "A2: homework is practice"), now) == 2);
    CHECK(c.post_round(bob, post("c", "a1) a question on the door"), now) == 1);
    CHECK(c.post_round(bob, post("d", "Today's answer"), now) == 3);
    // the explicit round wins over a prefix
    CHECK(c.post_round(bob, post("e", "A2: but about Q1", 1), now) == 1);
    // a reply without either belongs to the round of its parent
    core::seq_t parent = 0;
    {
        auto res = c.run(ann, post("f", "A1: another Q1 answer"), now);
        REQUIRE_OK(res);
        parent = res->events[0].seq;
    }
    auto reply = post("g", "Agreed!");
    reply.reply_to = parent;
    CHECK(c.post_round(bob, reply, now) == 1);

    CHECK_ERR(c.run(ann, post("n1", "not yet", 4), now), error_code::bad_request);
    CHECK_ERR(c.run(ann, post("n2", "A4: not yet"), now), error_code::bad_request);
    CHECK_ERR(c.run(ann, post("n3", "no such", 5), now), error_code::bad_request);
    CHECK_ERR(c.run(ann, post("n4", "A5 no such"), now), error_code::bad_request);

    // days later, after the last release, Q1 is still open
    const auto later = r[3] + hours(20);
    CHECK(c.post_round(ann, post("h", "Still thinking about Q1", 1), later) == 1);
    CHECK(c.post_round(ann, post("i", "A4: finally"), later) == 4);
    CHECK(c.post_round(ann, post("j", "And today"), later) == 4);
}

TEST_CASE("the close: answers before it land, answers after it are refused", "[slow]") {
    const auto r = london_days();
    slow_chat c(r, hours(6));  // close_after is configurable
    auto ann = c.join("ann");
    auto bob = c.join("bob");
    auto mod = c.join("host", true);
    c.tick(r[3]);
    const auto close = r[3] + hours(6);
    CHECK(c.s.next_due() == close);

    core::seq_t liked = 0;
    {
        auto res = c.run(bob, post("b1", "A4: an answer"), r[3] + hours(1));
        REQUIRE_OK(res);
        liked = res->events[0].seq;
    }
    // the last instant before the close: posts (to old and new questions) still land
    const auto last = close - milliseconds(1);
    CHECK(c.post_round(ann, post("a1", "A1: in flight"), last) == 1);
    CHECK(c.post_round(bob, post("b2", "Last word on Q4"), last) == 4);
    const auto head_before = c.s.head();

    // at the close instant the close comes first, after the posts already made
    auto late = c.run(ann, post("a2", "A2: one second too late"), close);
    CHECK_ERR(late, error_code::closed);
    REQUIRE(c.log.size() >= 1);
    CHECK(c.s.head() == head_before + 1);
    check_closed(c.log.back(), close, 4);
    CHECK(c.log[c.log.size() - 2].at == last);

    CHECK_ERR(c.run(bob, post("b3", "Q1 again", 1), close + hours(1)), error_code::closed);
    CHECK_ERR(c.run(ann, core::like_cmd{liked, true}, close), error_code::closed);
    CHECK_ERR(c.run(bob, core::edit_cmd{liked, "A4: edited"}, close), error_code::closed);
    CHECK_OK(c.run(bob, core::delete_cmd{liked}, close));  // withdrawing stays possible
    CHECK_ERR(c.control(mod, core::control_action::release, close), error_code::closed);
    CHECK_ERR(c.control(mod, core::control_action::postpone, close, 60), error_code::closed);
    // a resend of a cid acked before the close is answered with its seq
    auto resend = c.run(ann, post("a1", "A1: in flight"), close + hours(1));
    REQUIRE_OK(resend);
    CHECK(resend->duplicate_of.has_value());
}

TEST_CASE("replaying a slow session's log gives the same state and the same future", "[slow]") {
    const auto r = london_days();
    const auto config = slow_config(r);
    slow_chat c(r);
    auto mod = c.join("host", true);
    auto ann = c.join("ann");

    // Replays the log so far and checks the replica agrees now and from here on.
    auto check_replica = [&](const char* when, core::instant future) {
        INFO("replica " << when);
        auto rep = replay(config, c.log);
        CHECK(rep.head() == c.s.head());
        CHECK(rep.phase() == c.s.phase());
        CHECK(rep.next_due() == c.s.next_due());
        CHECK(rep.schedule().asked(rep.phase()) == c.s.schedule().asked(c.s.phase()));
        // the same ticks from here give the same events (on a copy of the original)
        auto orig = c.s;
        CHECK(serialized(rep.tick(future)) == serialized(orig.tick(future)));
        CHECK(rep.phase() == orig.phase());
    };

    c.tick(r[0]);
    c.post_round(ann, post("a1", "A1: first"), r[0] + hours(1));
    c.control_ok(mod, core::control_action::release, r[0] + hours(2));
    check_replica("after an early release", r[3] + hours(48));
    c.post_round(ann, post("a2", "A1: about Q1 again", 1), r[0] + hours(3));
    c.control_ok(mod, core::control_action::postpone, r[0] + hours(4), 120);
    check_replica("after a postpone", r[2] + hours(10));
    c.control_ok(mod, core::control_action::pause, r[0] + hours(5));
    check_replica("while paused", r[3] + hours(48));
    c.control_ok(mod, core::control_action::resume, r[0] + hours(6));
    check_replica("after resume", r[2] + hours(4));
    c.tick(r[2] + hours(4));
    c.post_round(ann, post("a3", "A3: third"), r[2] + hours(5));
    check_replica("mid-chat", r[3] + hours(48));
    c.tick(r[3] + hours(48));
    CHECK(c.s.phase().phase == phase_kind::closed);
    check_replica("closed", r[3] + hours(100));

    // the replica refuses and accepts what the original does
    auto rep = replay(config, c.log);
    core::actor ann_actor{"ann", "Name of ann", core::role::participant};
    CHECK_ERR(rep.handle(ann_actor, post("z", "A1: after the close"), r[3] + hours(49)),
              error_code::closed);
}

// ---------------------------------------------------------------------------------------------
// The create request and the stored configuration

namespace {

const char* slow_request = R"({"hashtag":"#SlowChat","title":"A slow week","mode":"slow",
    "timezone":"Europe/London","start":"2026-10-21T07:00",
    "questions":["Q1?","Q2?","Q3?","Q4?","Q5?","Q6?","Q7?"],"release_time":"07:00"})";

std::string slow_with(std::initializer_list<std::pair<const char*, const char*>> fields,
                      std::initializer_list<const char*> drop = {}) {
    auto j = json::parse(slow_request);
    for (const char* d : drop) j.erase(d);
    for (const auto& [k, v] : fields) j[k] = json::parse(v);
    return j.dump();
}

core::instant created() { return instant_of("2026-10-01T12:00:00Z"); }

}  // namespace

TEST_CASE("parse_create_request reads a slow chat", "[slow]") {
    const auto week =
        all_of({"2026-10-21T06:00:00Z", "2026-10-22T06:00:00Z", "2026-10-23T06:00:00Z",
                "2026-10-24T06:00:00Z", "2026-10-25T07:00:00Z", "2026-10-26T07:00:00Z",
                "2026-10-27T07:00:00Z"});

    SECTION("daily at release_time") {
        auto c = protocol::parse_create_request(slow_request, created());
        REQUIRE_OK(c);
        CHECK(c->mode == "slow");
        CHECK(c->timetable.slow);
        CHECK(c->timetable.start == instant_of("2026-10-21T06:00:00Z"));
        CHECK(c->timetable.releases == week);
        CHECK(c->timetable.close_after == hours(24));
        CHECK(c->release_time == "07:00");
        CHECK_FALSE(c->release_every_hours.has_value());
        CHECK(protocol::id_base(*c) == "slowchat-2026-10-21");
    }
    SECTION("daily at start's time of day when release_time is left out") {
        auto c = protocol::parse_create_request(slow_with({}, {"release_time"}), created());
        REQUIRE_OK(c);
        CHECK(c->timetable.releases == week);
    }
    SECTION("a start after release_time: the first release is the next day") {
        auto c = protocol::parse_create_request(slow_with({{"start", "\"2026-10-20T09:00\""}}),
                                                created());
        REQUIRE_OK(c);
        CHECK(c->timetable.releases == week);
        CHECK(c->timetable.start == instant_of("2026-10-20T08:00:00Z"));
    }
    SECTION("every N hours and close_after_hours") {
        auto c = protocol::parse_create_request(
            slow_with({{"release_every_hours", "12"}, {"close_after_hours", "48"}},
                      {"release_time"}),
            created());
        REQUIRE_OK(c);
        REQUIRE(c->timetable.releases.size() == 7);
        for (std::size_t i = 0; i < 7; ++i) {
            CHECK(c->timetable.releases[i] ==
                  instant_of("2026-10-21T06:00:00Z") + hours(12 * static_cast<long long>(i)));
        }
        CHECK(c->timetable.close_after == hours(48));
        CHECK(c->release_every_hours == 12);
        CHECK_FALSE(c->release_time.has_value());
    }
    SECTION("bounds are accepted") {
        CHECK_OK(protocol::parse_create_request(
            slow_with({{"release_every_hours", "1"}, {"close_after_hours", "1"}}, {"release_time"}),
            created()));
        CHECK_OK(protocol::parse_create_request(
            slow_with({{"release_every_hours", "168"}, {"close_after_hours", "720"}},
                      {"release_time"}),
            created()));
    }
    SECTION("a release_time the clocks skip is released when they jump") {
        auto c =
            protocol::parse_create_request(slow_with({{"start", "\"2027-03-27T00:00\""},
                                                      {"release_time", "\"01:30\""},
                                                      {"questions", R"(["Q1?","Q2?","Q3?"])"}}),
                                           created());
        REQUIRE_OK(c);
        CHECK(c->timetable.releases ==
              all_of({"2027-03-27T01:30:00Z", "2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z"}));
    }
    SECTION("Asia/Kolkata") {
        auto c = protocol::parse_create_request(slow_with({{"timezone", "\"Asia/Kolkata\""},
                                                           {"start", "\"2026-11-26T06:00\""},
                                                           {"questions", R"(["Q1?","Q2?"])"}}),
                                                created());
        REQUIRE_OK(c);
        CHECK(c->timetable.releases == all_of({"2026-11-26T01:30:00Z", "2026-11-27T01:30:00Z"}));
    }
}

TEST_CASE("parse_create_request refuses bad slow chats with a clear error", "[slow]") {
    auto refused = [](const std::string& body, const std::string& says) {
        auto c = protocol::parse_create_request(body, created());
        INFO(body);
        REQUIRE_FALSE(c.ok());
        CHECK(c.err().code == error_code::bad_request);
        CHECK_THAT(c.err().message, Catch::Contains(says));
    };
    refused(slow_with({}, {"start"}), "start");
    refused(slow_with({{"release_every_hours", "24"}}), "not both");
    for (const char* v : {"0", "169", "-1", "\"12\"", "1.5", "true"}) {
        INFO("release_every_hours " << v);
        refused(slow_with({{"release_every_hours", v}}, {"release_time"}), "release_every_hours");
    }
    for (const char* v : {"0", "721", "-24", "\"24\"", "2.5"}) {
        INFO("close_after_hours " << v);
        refused(slow_with({{"close_after_hours", v}}), "close_after_hours");
    }
    for (const char* v : {"\"7:00\"", "\"24:00\"", "\"07:60\"", "\"\"", "700", "\"07:00:00\""}) {
        INFO("release_time " << v);
        refused(slow_with({{"release_time", v}}), "release_time");
    }
    refused(slow_with({{"timezone", "\"Europe/Londres\""}}), "Europe/Londres");
    refused(slow_with({{"timezone", "\"Mars/Olympus_Mons\""}}), "time zone");
    refused(slow_with({{"start", "\"2026-09-30T07:00\""}}), "past");
    refused(slow_with({{"start", "\"2027-03-28T01:30\""}}), "does not exist");
    refused(slow_with({{"questions", "[]"}}), "questions");
    refused(slow_with({}, {"questions"}), "questions");
    refused(slow_with({{"mode", "\"weekly\""}}), "mode");
    // the slow fields do not belong to live chats
    refused(slow_with({{"mode", "\"live\""}}), "slow");
    refused(slow_with({{"mode", "\"live\""}, {"close_after_hours", "24"}}, {"release_time"}),
            "slow");
    refused(slow_with({{"mode", "\"live\""}, {"release_every_hours", "2"}}, {"release_time"}),
            "slow");
}

TEST_CASE("a slow chat's configuration survives the store, and the view shows its rule", "[slow]") {
    for (const auto& body : {std::string(slow_request),
                             slow_with({{"release_every_hours", "6"}, {"close_after_hours", "720"}},
                                       {"release_time"})}) {
        INFO(body);
        auto c = protocol::parse_create_request(body, created());
        REQUIRE_OK(c);
        c->id = "slowchat-2026-10-21";
        const auto back = protocol::config_from_json(protocol::config_to_json(*c));
        REQUIRE(back.has_value());
        CHECK(back->mode == "slow");
        CHECK(back->timetable.slow);
        CHECK(back->timezone == c->timezone);
        CHECK(back->timetable.start == c->timetable.start);
        CHECK(back->timetable.releases == c->timetable.releases);
        CHECK(back->timetable.close_after == c->timetable.close_after);
        CHECK(back->release_time == c->release_time);
        CHECK(back->release_every_hours == c->release_every_hours);
        CHECK(back->timetable.questions.size() == c->timetable.questions.size());
        CHECK(back->created_at == c->created_at);
        CHECK(protocol::config_to_json(*back) == protocol::config_to_json(*c));
        CHECK_FALSE(core::validate(*back).has_value());

        core::session s(*back, {"k"});
        const auto view = protocol::session_view(s, 0);
        CHECK(view["mode"] == "slow");
        REQUIRE(view["releases"].size() == c->timetable.releases.size());
        CHECK(view["releases"][0] == protocol::format_instant(c->timetable.releases[0]));
        CHECK(view["close_after_hours"] ==
              std::chrono::duration_cast<hours>(c->timetable.close_after).count());
        CHECK(view["phase"]["phase"] == "scheduled");
        CHECK(view["phase"]["ends_at"] == protocol::format_instant(c->timetable.releases[0]));
        CHECK(view.contains("release_time"));
        CHECK(view.contains("release_every_hours"));
    }

    // a live chat's stored configuration has none of it
    auto live = test::sample_config();
    const auto j = json::parse(protocol::config_to_json(live));
    CHECK_FALSE(j.contains("releases"));
    const auto back = protocol::config_from_json(protocol::config_to_json(live));
    REQUIRE(back.has_value());
    CHECK_FALSE(back->timetable.slow);
}

TEST_CASE("release when every question is out has nothing to release", "[slow]") {
    // docs/protocol.md: "release brings the next question now" and a slow chat closes
    // close_after_hours after the last release; with no question left, a release must not close
    // the chat on the spot (that is "end").
    const auto r = london_days();
    slow_chat c(r);
    auto mod = c.join("host", true);
    c.tick(r[3]);
    const auto before = c.s.phase();
    const auto head = c.s.head();
    CHECK_ERR(c.control(mod, core::control_action::release, r[3] + hours(1)),
              error_code::bad_request);
    CHECK(c.s.phase() == before);
    CHECK(c.s.head() == head);
    CHECK(c.s.next_due() == r[3] + hours(24));
}

TEST_CASE("a series' next sessions are looked for from the day after its last, in its zone",
          "[series]") {
    hashchat::protocol::series_config s;
    s.timezone = "Pacific/Auckland";                                          // UTC+13 in December
    const auto now = hashchat::test::instant_of("2026-12-03T20:00:00.000Z");  // the 4th there
    CHECK(hashchat::protocol::next_series_day(s, std::nullopt, now) == "2026-12-04");
    // The last session started on the 10th at 09:00 local (20:00Z on the 9th): from the 11th.
    const auto last = hashchat::test::instant_of("2026-12-09T20:00:00.000Z");
    CHECK(hashchat::protocol::next_series_day(s, last, now) == "2026-12-11");
}
