// The live timetable: phases driven by time (advance) and by the moderator (control).
#include "core/timetable.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace hashchat;
using core::phase_kind;
using test::at_min;
using test::t0;

namespace {

core::live_timetable hour_timetable() {
    core::live_timetable tt;
    tt.start = t0();
    tt.intro_minutes = 5;
    tt.round_minutes = 8;
    tt.talk_minutes = 0;
    tt.wrapup_minutes = 5;
    for (int i = 1; i <= 5; ++i) {
        // Appended, not `"Q" + std::to_string(i)`: gcc 12 at -O3 reports a false -Wrestrict there.
        std::string text = "Q";
        text += std::to_string(i);
        text += " text";
        tt.questions.push_back({std::move(text), {}, {}});
    }
    return tt;
}

// The state after the only change that advance() produces at `now`.
core::phase_state advance_one(const core::live_schedule& sch, const core::phase_state& s,
                              core::instant now) {
    auto changes = sch.advance(s, now);
    INFO("from " << s << " at minute " << (now - t0()).count() / 60000.0);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].at == now);
    return changes[0].state;
}

core::phase_state control_ok(const core::live_schedule& sch, const core::phase_state& s,
                             core::control_action a, core::instant now, int minutes = 0) {
    auto r = sch.control(s, a, minutes, now);
    INFO("control " << core::to_string(a) << " from " << s);
    REQUIRE_OK(r);
    return *r;
}

struct expected_part {
    phase_kind kind;
    std::optional<int> round;
    std::optional<std::string> question;
    int asked;
    long long start_min;
    long long end_min;
};

}  // namespace

TEST_CASE("segments_of lists the timed parts in order", "[timetable]") {
    auto tt = hour_timetable();
    tt.questions[1].talk_minutes = 10;
    tt.questions[1].round_minutes = 5;
    const auto segs = core::segments_of(tt);
    REQUIRE(segs.size() == 8);  // intro, Q1, Q2 talk, Q2 round, Q3, Q4, Q5, wrap-up
    CHECK(segs[0].kind == phase_kind::intro);
    CHECK(segs[0].round == 0);
    CHECK(segs[2].kind == phase_kind::talk);
    CHECK(segs[2].length == core::minutes(10));
    CHECK(segs[3].kind == phase_kind::round);
    CHECK(segs[3].length == core::minutes(5));
    CHECK(segs[3].round == 2);
    CHECK(segs[7].kind == phase_kind::wrapup);
    CHECK_FALSE(segs[7].round.has_value());
    CHECK(segs[7].asked == 5);

    SECTION("no intro and no wrap-up when their minutes are 0") {
        tt.intro_minutes = 0;
        tt.wrapup_minutes = 0;
        const auto short_segs = core::segments_of(tt);
        REQUIRE(short_segs.size() == 6);
        CHECK(short_segs.front().kind == phase_kind::round);
        CHECK(short_segs.front().round == 1);
        CHECK(short_segs.back().kind == phase_kind::round);
        CHECK(short_segs.back().round == 5);
    }
}

TEST_CASE("a one-hour live chat runs from scheduled to closed by time alone", "[timetable]") {
    const core::live_schedule sch(hour_timetable());
    auto s = sch.initial();
    CHECK(s.phase == phase_kind::scheduled);
    CHECK(s.segment == -1);
    CHECK(s.ends_at == t0());
    CHECK_FALSE(sch.round_of(s).has_value());
    CHECK(sch.asked(s) == 0);

    const std::vector<expected_part> parts = {
        {phase_kind::intro, 0, std::nullopt, 0, 0, 5},
        {phase_kind::round, 1, "Q1 text", 1, 5, 13},
        {phase_kind::round, 2, "Q2 text", 2, 13, 21},
        {phase_kind::round, 3, "Q3 text", 3, 21, 29},
        {phase_kind::round, 4, "Q4 text", 4, 29, 37},
        {phase_kind::round, 5, "Q5 text", 5, 37, 45},
        {phase_kind::wrapup, std::nullopt, std::nullopt, 5, 45, 50},
    };
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& p = parts[i];
        INFO("part " << i << " (" << p.kind << ")");
        // Nothing happens a millisecond before the part is due.
        CHECK(sch.advance(s, at_min(p.start_min, -1)).empty());
        CHECK(sch.next_due(s) == at_min(p.start_min));
        s = advance_one(sch, s, at_min(p.start_min));
        CHECK(s.phase == p.kind);
        CHECK(s.segment == static_cast<int>(i));
        CHECK(sch.round_of(s) == p.round);
        CHECK(sch.question_of(s) == p.question);
        CHECK(sch.asked(s) == p.asked);
        CHECK(s.started_at == at_min(p.start_min));
        CHECK(s.ends_at == at_min(p.end_min));
    }
    CHECK(sch.advance(s, at_min(50, -1)).empty());
    s = advance_one(sch, s, at_min(50));
    CHECK(s.phase == phase_kind::closed);
    CHECK(s.segment == 7);
    CHECK_FALSE(s.started_at.has_value());
    CHECK_FALSE(s.ends_at.has_value());
    CHECK_FALSE(sch.round_of(s).has_value());
    CHECK(sch.asked(s) == 5);
    CHECK_FALSE(sch.next_due(s).has_value());
    CHECK(sch.advance(s, at_min(10'000)).empty());
}

TEST_CASE("a question with table talk has a talk part, then a posting part", "[timetable]") {
    auto tt = hour_timetable();
    tt.questions.resize(2);
    tt.questions[0].talk_minutes = 10;
    tt.questions[0].round_minutes = 5;
    const core::live_schedule sch(tt);

    auto s = advance_one(sch, sch.initial(), at_min(0));  // intro 0-5
    s = advance_one(sch, s, at_min(5));
    CHECK(s.phase == phase_kind::talk);
    CHECK(sch.round_of(s) == 1);
    CHECK(sch.question_of(s) == std::optional<std::string>("Q1 text"));
    CHECK(sch.asked(s) == 1);
    CHECK(s.ends_at == at_min(15));

    s = advance_one(sch, s, at_min(15));
    CHECK(s.phase == phase_kind::round);
    CHECK(sch.round_of(s) == 1);
    CHECK(s.started_at == at_min(15));
    CHECK(s.ends_at == at_min(20));

    // Q2 has no talk of its own and the session default is 0: straight to posting, 8 minutes.
    s = advance_one(sch, s, at_min(20));
    CHECK(s.phase == phase_kind::round);
    CHECK(sch.round_of(s) == 2);
    CHECK(s.ends_at == at_min(28));
}

TEST_CASE("the session's talk_minutes applies to every question without its own", "[timetable]") {
    auto tt = hour_timetable();
    tt.questions.resize(2);
    tt.talk_minutes = 2;
    tt.questions[1].talk_minutes = 0;  // Q2 opts out
    const auto segs = core::segments_of(tt);
    REQUIRE(segs.size() == 5);  // intro, Q1 talk, Q1 round, Q2 round, wrap-up
    CHECK(segs[1].kind == phase_kind::talk);
    CHECK(segs[1].length == core::minutes(2));
    CHECK(segs[3].kind == phase_kind::round);
    CHECK(segs[3].round == 2);
}

TEST_CASE("each question can have its own round_minutes", "[timetable]") {
    auto tt = hour_timetable();
    tt.questions.resize(3);
    tt.questions[1].round_minutes = 12;
    const core::live_schedule sch(tt);
    auto changes = sch.advance(sch.initial(), at_min(5 + 8));
    REQUIRE(changes.size() == 3);
    auto s = changes.back().state;
    CHECK(sch.round_of(s) == 2);
    CHECK(s.ends_at == at_min(25));
    s = advance_one(sch, s, at_min(25));
    CHECK(sch.round_of(s) == 3);
    CHECK(s.ends_at == at_min(33));
}

TEST_CASE("next ends the current part now", "[timetable]") {
    auto tt = hour_timetable();
    tt.questions.resize(2);
    tt.questions[0].talk_minutes = 10;
    const core::live_schedule sch(tt);
    using core::control_action;

    SECTION("from scheduled: the intro begins now") {
        const auto s = control_ok(sch, sch.initial(), control_action::next, at_min(-20));
        CHECK(s.phase == phase_kind::intro);
        CHECK(s.segment == 0);
        CHECK(s.started_at == at_min(-20));
        CHECK(s.ends_at == at_min(-15));
    }
    SECTION("from talk: the same question's posting part") {
        auto s = sch.advance(sch.initial(), at_min(5)).back().state;
        REQUIRE(s.phase == phase_kind::talk);
        s = control_ok(sch, s, control_action::next, at_min(7));
        CHECK(s.phase == phase_kind::round);
        CHECK(sch.round_of(s) == 1);
        CHECK(s.started_at == at_min(7));
        CHECK(s.ends_at == at_min(15));
    }
    SECTION("from a round: the next question") {
        auto s = sch.advance(sch.initial(), at_min(15)).back().state;
        REQUIRE(s.phase == phase_kind::round);
        REQUIRE(sch.round_of(s) == 1);
        s = control_ok(sch, s, control_action::next, at_min(16));
        CHECK(s.phase == phase_kind::round);
        CHECK(sch.round_of(s) == 2);
        CHECK(s.ends_at == at_min(24));
        s = control_ok(sch, s, control_action::next, at_min(17));
        CHECK(s.phase == phase_kind::wrapup);
        CHECK(s.ends_at == at_min(22));
    }
    SECTION("from wrap-up: closed") {
        auto s = sch.advance(sch.initial(), at_min(31)).back().state;
        REQUIRE(s.phase == phase_kind::wrapup);
        s = control_ok(sch, s, control_action::next, at_min(32));
        CHECK(s.phase == phase_kind::closed);
        CHECK(s.segment == static_cast<int>(sch.segments().size()));
        CHECK_FALSE(sch.next_due(s).has_value());
    }
}

TEST_CASE("extend moves the end of the current part", "[timetable]") {
    const core::live_schedule sch(hour_timetable());
    using core::control_action;
    auto s = sch.advance(sch.initial(), at_min(6)).back().state;  // Q1 until 13
    REQUIRE(s.phase == phase_kind::round);

    SECTION("running: ends_at moves, started_at stays") {
        const auto e = control_ok(sch, s, control_action::extend, at_min(6), 3);
        CHECK(e.phase == phase_kind::round);
        CHECK(e.started_at == at_min(5));
        CHECK(e.ends_at == at_min(16));
        CHECK(sch.advance(e, at_min(16, -1)).empty());
        CHECK(sch.next_due(e) == at_min(16));
        const auto after = advance_one(sch, e, at_min(16));
        CHECK(sch.round_of(after) == 2);
        CHECK(after.ends_at == at_min(24));
    }
    SECTION("paused: the time left grows") {
        const auto p = control_ok(sch, s, control_action::pause, at_min(10));
        REQUIRE(p.remaining == core::minutes(3));
        const auto e = control_ok(sch, p, control_action::extend, at_min(11), 2);
        CHECK(e.phase == phase_kind::paused);
        CHECK(e.remaining == core::minutes(5));
        const auto r = control_ok(sch, e, control_action::resume, at_min(20));
        CHECK(r.ends_at == at_min(25));
    }
    SECTION("minutes outside 1-120 are refused") {
        for (int m : {0, -1, 121, 100000}) {
            CAPTURE(m);
            CHECK_ERR(sch.control(s, control_action::extend, m, at_min(6)),
                      core::error_code::bad_request);
        }
        CHECK_OK(sch.control(s, control_action::extend, 1, at_min(6)));
        CHECK_OK(sch.control(s, control_action::extend, 120, at_min(6)));
    }
    SECTION("before a scheduled start, extend pushes the start back") {
        const auto e = control_ok(sch, sch.initial(), control_action::extend, at_min(-1), 5);
        CHECK(e.phase == phase_kind::scheduled);
        CHECK(e.ends_at == std::optional<core::instant>(at_min(5)));
    }
    SECTION("without a scheduled start there is nothing to extend") {
        auto tt = hour_timetable();
        tt.start.reset();
        const core::live_schedule unscheduled(tt);
        CHECK_ERR(unscheduled.control(unscheduled.initial(), control_action::extend, 5, at_min(-1)),
                  core::error_code::bad_request);
    }
}

TEST_CASE("pause keeps the time left and resume continues with it", "[timetable]") {
    const core::live_schedule sch(hour_timetable());
    using core::control_action;
    auto s = sch.advance(sch.initial(), at_min(14)).back().state;  // Q2 13-21
    REQUIRE(sch.round_of(s) == 2);

    const auto p = control_ok(sch, s, control_action::pause, at_min(18));
    CHECK(p.phase == phase_kind::paused);
    CHECK(p.resume_phase == phase_kind::round);
    CHECK(p.segment == s.segment);
    CHECK(p.remaining == core::minutes(3));
    CHECK_FALSE(p.started_at.has_value());
    CHECK_FALSE(p.ends_at.has_value());
    CHECK(sch.round_of(p) == 2);
    CHECK(sch.question_of(p) == std::optional<std::string>("Q2 text"));
    CHECK(sch.asked(p) == 2);

    // Time does not run while paused.
    CHECK(sch.advance(p, at_min(500)).empty());
    CHECK_FALSE(sch.next_due(p).has_value());
    CHECK_ERR(sch.control(p, control_action::pause, 0, at_min(19)), core::error_code::bad_request);

    const auto r = control_ok(sch, p, control_action::resume, at_min(40));
    CHECK(r.phase == phase_kind::round);
    CHECK(r.segment == s.segment);
    CHECK(r.ends_at == at_min(43));
    CHECK(r.remaining == core::duration{0});
    REQUIRE(r.started_at.has_value());
    CHECK(*r.started_at <= at_min(40));  // the countdown bar continues where it was
    CHECK(*r.started_at == at_min(35));
    CHECK(sch.next_due(r) == at_min(43));
    const auto after = advance_one(sch, r, at_min(43));
    CHECK(sch.round_of(after) == 3);
    CHECK(after.ends_at == at_min(51));

    SECTION("next while paused goes on to the next part now") {
        const auto n = control_ok(sch, p, control_action::next, at_min(30));
        CHECK(n.phase == phase_kind::round);
        CHECK(sch.round_of(n) == 3);
        CHECK(n.started_at == at_min(30));
        CHECK(n.ends_at == at_min(38));
    }
    SECTION("end while paused closes") {
        const auto e = control_ok(sch, p, control_action::end, at_min(30));
        CHECK(e.phase == phase_kind::closed);
    }
}

TEST_CASE("end closes the chat at once", "[timetable]") {
    const core::live_schedule sch(hour_timetable());
    using core::control_action;
    SECTION("from a round") {
        const auto s = sch.advance(sch.initial(), at_min(6)).back().state;
        const auto e = control_ok(sch, s, control_action::end, at_min(7));
        CHECK(e.phase == phase_kind::closed);
        CHECK(e.segment == static_cast<int>(sch.segments().size()));
        CHECK_FALSE(e.ends_at.has_value());
        CHECK(sch.advance(e, at_min(100)).empty());
    }
    SECTION("before the start") {
        const auto e = control_ok(sch, sch.initial(), control_action::end, at_min(-5));
        CHECK(e.phase == phase_kind::closed);
        CHECK(sch.advance(e, at_min(0)).empty());
    }
}

TEST_CASE("control actions that are not possible now are refused", "[timetable]") {
    const core::live_schedule sch(hour_timetable());
    using core::control_action;
    using core::error_code;

    SECTION("start twice") {
        const auto s = control_ok(sch, sch.initial(), control_action::start, at_min(-10));
        CHECK(s.phase == phase_kind::intro);
        CHECK(s.started_at == at_min(-10));
        CHECK(s.ends_at == at_min(-5));
        CHECK_ERR(sch.control(s, control_action::start, 0, at_min(-9)), error_code::bad_request);
    }
    SECTION("resume when not paused") {
        CHECK_ERR(sch.control(sch.initial(), control_action::resume, 0, at_min(-1)),
                  error_code::bad_request);
        const auto s = sch.advance(sch.initial(), at_min(1)).back().state;
        CHECK_ERR(sch.control(s, control_action::resume, 0, at_min(1)), error_code::bad_request);
    }
    SECTION("pause before the start") {
        CHECK_ERR(sch.control(sch.initial(), control_action::pause, 0, at_min(-1)),
                  error_code::bad_request);
    }
    SECTION("slow-mode actions in a live chat") {
        const auto s = sch.advance(sch.initial(), at_min(1)).back().state;
        CHECK_ERR(sch.control(s, control_action::release, 0, at_min(1)), error_code::bad_request);
        CHECK_ERR(sch.control(s, control_action::postpone, 0, at_min(1)), error_code::bad_request);
    }
    SECTION("anything after closed is closed") {
        const auto closed = sch.advance(sch.initial(), at_min(60)).back().state;
        REQUIRE(closed.phase == phase_kind::closed);
        for (auto a : {control_action::start, control_action::next, control_action::extend,
                       control_action::pause, control_action::resume, control_action::end,
                       control_action::release, control_action::postpone}) {
            CAPTURE(core::to_string(a));
            CHECK_ERR(sch.control(closed, a, 5, at_min(61)), error_code::closed);
        }
    }
}

TEST_CASE("advance after a long downtime yields every change at the instant it was due",
          "[timetable]") {
    const core::live_schedule sch(hour_timetable());
    auto s = advance_one(sch, sch.initial(), at_min(0));  // intro

    // The server was down from minute 1 to minute 30: Q1, Q2, Q3 and Q4 began meanwhile.
    const auto changes = sch.advance(s, at_min(30, 123));
    REQUIRE(changes.size() == 4);
    const long long due[] = {5, 13, 21, 29};
    for (std::size_t i = 0; i < changes.size(); ++i) {
        INFO("change " << i << ": " << changes[i].state);
        CHECK(changes[i].at == at_min(due[i]));
        CHECK(changes[i].state.started_at == at_min(due[i]));
        CHECK(changes[i].state.ends_at == at_min(due[i] + 8));
        CHECK(sch.round_of(changes[i].state) == static_cast<int>(i) + 1);
    }

    SECTION("from scheduled straight to closed") {
        const auto all = sch.advance(sch.initial(), at_min(24 * 60));
        REQUIRE(all.size() == 8);
        CHECK(all.front().at == at_min(0));
        CHECK(all.front().state.phase == phase_kind::intro);
        CHECK(all[6].state.phase == phase_kind::wrapup);
        CHECK(all.back().at == at_min(50));
        CHECK(all.back().state.phase == phase_kind::closed);
        for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].at <= all[i].at);
    }
}

TEST_CASE("next_due says when the next change is due", "[timetable]") {
    SECTION("scheduled with a start") {
        const core::live_schedule sch(hour_timetable());
        CHECK(sch.next_due(sch.initial()) == t0());
    }
    SECTION("no scheduled start: nothing is due until the moderator starts") {
        auto tt = hour_timetable();
        tt.start.reset();
        const core::live_schedule sch(tt);
        const auto s = sch.initial();
        CHECK(s.phase == phase_kind::scheduled);
        CHECK_FALSE(s.ends_at.has_value());
        CHECK_FALSE(sch.next_due(s).has_value());
        CHECK(sch.advance(s, at_min(100'000)).empty());
        const auto started = control_ok(sch, s, core::control_action::start, at_min(3));
        CHECK(sch.next_due(started) == at_min(8));
    }
    SECTION("running: the end of the current part") {
        const core::live_schedule sch(hour_timetable());
        const auto s = sch.advance(sch.initial(), at_min(14)).back().state;
        CHECK(sch.next_due(s) == at_min(21));
    }
}

TEST_CASE("phase and action names round-trip", "[timetable]") {
    for (auto k : {phase_kind::scheduled, phase_kind::intro, phase_kind::talk, phase_kind::round,
                   phase_kind::wrapup, phase_kind::closed, phase_kind::paused}) {
        CAPTURE(k);
        CHECK(core::phase_from_string(core::to_string(k)) == k);
    }
    CHECK_FALSE(core::phase_from_string("Intro").has_value());
    for (auto a :
         {core::control_action::start, core::control_action::next, core::control_action::extend,
          core::control_action::pause, core::control_action::resume, core::control_action::end,
          core::control_action::release, core::control_action::postpone}) {
        CAPTURE(core::to_string(a));
        CHECK(core::control_from_string(core::to_string(a)) == a);
    }
    CHECK_FALSE(core::control_from_string("stop").has_value());
}
