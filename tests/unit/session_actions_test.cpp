// One session as a state machine: likes, edits, deletions, moderator control and announcements.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "chat_fixture.hpp"
#include "core/session.hpp"

using namespace hashchat;
using core::error_code;
using test::at_min;
using test::chat;
using test::post;
using test::repeat;

TEST_CASE("likes are counted per member", "[session]") {
    chat c;
    const auto lee = c.join("ms_lee");
    const auto mr_k = c.join("mr_k");
    const auto seq = c.post_seq(lee, "p1", "A1: like me", at_min(6));

    auto like = [&](const core::actor& who, bool on) {
        auto r = c.run(who, core::like_cmd{seq, on}, at_min(7));
        INFO((on ? "like by " : "unlike by ") << who.handle);
        REQUIRE_OK(r);
        REQUIRE(r->events.size() == 1);
        const auto* l = std::get_if<core::like_event>(&r->events[0].body);
        REQUIRE(l != nullptr);
        CHECK(l->target == seq);
        CHECK(l->author == who.handle);
        CHECK(l->like == on);
        return l->count;
    };
    CHECK(like(lee, true) == 1);  // liking one's own post is allowed
    CHECK(like(mr_k, true) == 2);
    CHECK_ERR(c.run(mr_k, core::like_cmd{seq, true}, at_min(7)), error_code::bad_request);
    CHECK(like(mr_k, false) == 1);
    CHECK_ERR(c.run(mr_k, core::like_cmd{seq, false}, at_min(7)), error_code::bad_request);
    CHECK(like(mr_k, true) == 2);

    SECTION("the same member in another case is the same liker") {
        core::actor shout = lee;
        shout.handle = "MS_LEE";
        CHECK_ERR(c.run(shout, core::like_cmd{seq, true}, at_min(7)), error_code::bad_request);
    }
    SECTION("no such post") {
        CHECK_ERR(c.run(lee, core::like_cmd{999, true}, at_min(7)), error_code::not_found);
        CHECK_ERR(c.run(lee, core::like_cmd{1, true}, at_min(7)), error_code::not_found);
        REQUIRE_OK(c.run(lee, core::delete_cmd{seq}, at_min(7)));
        CHECK_ERR(c.run(lee, core::like_cmd{seq, false}, at_min(7)), error_code::not_found);
    }
    SECTION("not after the chat closed") {
        c.tick(at_min(100));
        CHECK_ERR(c.run(lee, core::like_cmd{seq, false}, at_min(100)), error_code::closed);
    }
}

TEST_CASE("only the author edits a post, and it keeps its round", "[session]") {
    chat c;
    const auto lee = c.join("ms_lee");
    const auto mr_k = c.join("mr_k");
    const auto host = c.join("host", true);
    const auto seq = c.post_seq(lee, "p1", "A1: first try", at_min(6));

    auto r = c.run(lee, core::edit_cmd{seq, "A2: now says Q2 @mr_k"}, at_min(15));
    REQUIRE_OK(r);
    REQUIRE(r->events.size() == 1);
    const auto* e = std::get_if<core::edit_event>(&r->events[0].body);
    REQUIRE(e != nullptr);
    CHECK(e->target == seq);
    CHECK(e->author == "ms_lee");
    CHECK(e->text == "A2: now says Q2 @mr_k");
    CHECK(e->mentions == std::vector<std::string>{"mr_k"});

    // A reply without a round inherits the parent's round: still Q1 after the edit.
    core::post_cmd reply = post("r1", "Agreed");
    reply.reply_to = seq;
    CHECK(c.post_ok(mr_k, reply, at_min(15)).round == 1);

    CHECK_ERR(c.run(mr_k, core::edit_cmd{seq, "hijack"}, at_min(15)), error_code::not_allowed);
    CHECK_ERR(c.run(host, core::edit_cmd{seq, "moderators neither"}, at_min(15)),
              error_code::not_allowed);
    CHECK_ERR(c.run(lee, core::edit_cmd{seq, "  "}, at_min(15)), error_code::empty);
    CHECK_ERR(c.run(lee, core::edit_cmd{seq, repeat("x", 1001)}, at_min(15)), error_code::too_long);
    CHECK_ERR(c.run(lee, core::edit_cmd{999, "nothing"}, at_min(15)), error_code::not_found);

    c.tick(at_min(100));
    CHECK_ERR(c.run(lee, core::edit_cmd{seq, "too late"}, at_min(100)), error_code::closed);
}

TEST_CASE("authors delete their own posts, moderators any post", "[session]") {
    chat c;
    const auto lee = c.join("ms_lee");
    const auto mr_k = c.join("mr_k");
    const auto host = c.join("host", true);
    const auto a = c.post_seq(lee, "p1", "A1: one", at_min(6));
    const auto b = c.post_seq(lee, "p2", "A1: two", at_min(6));

    CHECK_ERR(c.run(mr_k, core::delete_cmd{a}, at_min(7)), error_code::not_allowed);

    auto own = c.run(lee, core::delete_cmd{a}, at_min(7));
    REQUIRE_OK(own);
    REQUIRE(own->events.size() == 1);
    const auto* d = std::get_if<core::delete_event>(&own->events[0].body);
    REQUIRE(d != nullptr);
    CHECK(d->target == a);
    CHECK(d->author == "ms_lee");
    CHECK_ERR(c.run(lee, core::delete_cmd{a}, at_min(7)), error_code::not_found);
    CHECK_ERR(c.run(lee, core::edit_cmd{a, "back?"}, at_min(7)), error_code::not_found);

    auto mod = c.run(host, core::delete_cmd{b}, at_min(8));
    REQUIRE_OK(mod);
    REQUIRE(mod->events.size() == 1);
    CHECK(std::get<core::delete_event>(mod->events[0].body).author == "host");
}

TEST_CASE("only moderators run the chat and announce", "[session]") {
    chat c;
    const auto lee = c.join("ms_lee");
    const auto host = c.join("host", true);

    CHECK_ERR(c.run(lee, core::control_cmd{core::control_action::start, 0}, at_min(-10)),
              error_code::not_allowed);
    CHECK_ERR(c.run(lee, core::announce_cmd{"I am in charge"}, at_min(-10)),
              error_code::not_allowed);
    CHECK(c.s.head() == 0);

    auto a = c.run(host, core::announce_cmd{"Welcome! Q1 in 5 minutes."}, at_min(-10));
    REQUIRE_OK(a);
    REQUIRE(a->events.size() == 1);
    const auto& ann = std::get<core::announce_event>(a->events[0].body);
    CHECK(ann.author == "host");
    CHECK(ann.name == "Name of host");
    CHECK(ann.text == "Welcome! Q1 in 5 minutes.");
    CHECK(a->events[0].at == at_min(-10));
    CHECK_ERR(c.run(host, core::announce_cmd{" "}, at_min(-10)), error_code::empty);
    CHECK_ERR(c.run(host, core::announce_cmd{repeat("x", 1001)}, at_min(-10)),
              error_code::too_long);

    auto start = c.run(host, core::control_cmd{core::control_action::start, 0}, at_min(-9));
    REQUIRE_OK(start);
    REQUIRE(start->events.size() == 1);
    const auto& ph = std::get<core::phase_event>(start->events[0].body);
    CHECK(ph.state.phase == core::phase_kind::intro);
    CHECK(ph.round == 0);
    CHECK(ph.state.ends_at == at_min(-4));
    CHECK(c.s.phase() == ph.state);
    CHECK(c.s.next_due() == at_min(-4));

    auto next = c.run(host, core::control_cmd{core::control_action::next, 0}, at_min(-8));
    REQUIRE_OK(next);
    const auto& q1 = std::get<core::phase_event>(next->events.at(0).body);
    CHECK(q1.round == 1);
    CHECK(q1.question == std::optional<std::string>("Question 1"));

    CHECK_ERR(c.run(host, core::control_cmd{core::control_action::resume, 0}, at_min(-8)),
              error_code::bad_request);
    CHECK_ERR(c.run(host, core::control_cmd{core::control_action::extend, 0}, at_min(-8)),
              error_code::bad_request);
}

TEST_CASE("nothing is posted after the chat closed", "[session]") {
    chat c;
    const auto lee = c.join("ms_lee");
    const auto host = c.join("host", true);
    REQUIRE_OK(c.run(host, core::control_cmd{core::control_action::end, 0}, at_min(2)));
    REQUIRE(c.s.phase().phase == core::phase_kind::closed);
    CHECK_FALSE(c.s.next_due().has_value());
    CHECK_ERR(c.run(lee, post("c1", "hello?"), at_min(3)), error_code::closed);
    CHECK_ERR(c.run(host, core::control_cmd{core::control_action::start, 0}, at_min(3)),
              error_code::closed);
    CHECK(c.s.tick(at_min(1000)).empty());
}
