// One session as a state machine: joining, posting and rounds, duplicates, and replay.
#include "core/session.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "chat_fixture.hpp"

using namespace hashchat;
using core::error_code;
using test::at_min;
using test::chat;
using test::join_req;
using test::moderator_key_hash;
using test::post;
using test::repeat;

TEST_CASE("join registers a new handle and protects it with a token", "[session]") {
    core::session s(test::sample_config(), {moderator_key_hash});

    auto first = s.join(join_req("ms_lee", "Ms Lee"));
    REQUIRE_OK(first);
    CHECK(first->issued_token);
    CHECK(first->member_changed);
    CHECK(first->registered.handle == "ms_lee");
    CHECK(first->registered.token_hash == "token-hash-of-ms_lee");
    CHECK(first->who.handle == "ms_lee");
    CHECK(first->who.name == "Ms Lee");
    CHECK(first->who.who == core::role::participant);
    s.set_member(first->registered);
    CHECK(s.member_count() == 1);

    SECTION("the same handle without a token is taken") {
        CHECK_ERR(s.join(join_req("ms_lee")), error_code::handle_taken);
    }
    SECTION("handles are compared ignoring case") {
        CHECK_ERR(s.join(join_req("MS_Lee")), error_code::handle_taken);
    }
    SECTION("a wrong token is refused") {
        auto req = join_req("ms_lee", "Ms Lee");
        req.token_hash = "token-hash-of-someone-else";
        CHECK_ERR(s.join(req), error_code::bad_token);
    }
    SECTION("the right token rejoins, in any case, under the registered handle") {
        auto req = join_req("MS_LEE", "Ms Lee");
        req.token_hash = "token-hash-of-ms_lee";
        auto again = s.join(req);
        REQUIRE_OK(again);
        CHECK_FALSE(again->issued_token);
        CHECK_FALSE(again->member_changed);
        CHECK(again->who.handle == "ms_lee");
        CHECK(again->registered.token_hash == "token-hash-of-ms_lee");
    }
    SECTION("rejoining with a new name changes the member") {
        auto req = join_req("ms_lee", "Ms Lee (phone)");
        req.token_hash = "token-hash-of-ms_lee";
        auto again = s.join(req);
        REQUIRE_OK(again);
        CHECK(again->member_changed);
        CHECK(again->registered.name == "Ms Lee (phone)");
        CHECK(again->who.name == "Ms Lee (phone)");
    }
    SECTION("a token for a handle nobody has is ignored: the handle is registered") {
        auto req = join_req("mr_k", "Mr K");
        req.token_hash = "stale";
        auto r = s.join(req);
        REQUIRE_OK(r);
        CHECK(r->issued_token);
    }
}

TEST_CASE("join refuses bad handles, names, keys and since", "[session]") {
    core::session s(test::sample_config(), {moderator_key_hash});

    for (const std::string h :
         {"", "ms lee", "ms-lee", "ms.lee", "l\xC3\xA9", "@ms_lee", "abcdefghijklmnopqrstu"}) {
        CAPTURE(h);
        CHECK_ERR(s.join(join_req(h)), error_code::bad_handle);
    }
    CHECK_OK(s.join(join_req("abcdefghijklmnopqrst")));  // 20 characters
    CHECK_OK(s.join(join_req("A_1")));

    for (const std::string& n :
         {std::string(""), std::string("   "), std::string("\xC2\xA0\t"), std::string("bad \xFF"),
          repeat("x", 51), repeat("\xF0\x9F\x98\x80", 51)}) {
        CAPTURE(n);
        CHECK_ERR(s.join(join_req("ms_lee", n)), error_code::bad_request);
    }
    CHECK_OK(s.join(join_req("ms_lee", repeat("\xF0\x9F\x98\x80", 50))));
    CHECK_OK(s.join(join_req("ms_lee", "Zo\xC3\xAB")));

    SECTION("moderator key") {
        auto req = join_req("host", "Host");
        req.key_hash = moderator_key_hash;
        auto r = s.join(req);
        REQUIRE_OK(r);
        CHECK(r->who.who == core::role::moderator);
        req.key_hash = "hash-of-a-guess";
        CHECK_ERR(s.join(req), error_code::bad_key);
    }
    SECTION("since beyond head") {
        auto req = join_req("ms_lee");
        req.since = 1;
        CHECK_ERR(s.join(req), error_code::bad_since);
        s.tick(at_min(0));  // the intro begins: head 1
        REQUIRE(s.head() == 1);
        CHECK_OK(s.join(req));
        req.since = 2;
        CHECK_ERR(s.join(req), error_code::bad_since);
    }
}

TEST_CASE("a post belongs to the round it names, else to the current one", "[session]") {
    chat c;
    const auto lee = c.join("ms_lee");

    SECTION("before the intro and during wrap-up a post has no round") {
        CHECK_FALSE(c.post_ok(lee, post("c1", "Hello early"), at_min(-30)).round.has_value());
        CHECK(c.s.phase().phase == core::phase_kind::scheduled);
        CHECK_ERR(c.run(lee, post("c2", "A1: too early"), at_min(-29)), error_code::bad_request);
        CHECK_FALSE(c.post_ok(lee, post("c3", "Bye"), at_min(30)).round.has_value());
        CHECK(c.s.phase().phase == core::phase_kind::wrapup);
        CHECK(c.post_ok(lee, post("c4", "A3: late"), at_min(30)).round == 3);
    }
    SECTION("during the intro: round 0") {
        CHECK(c.post_ok(lee, post("c1", "Hi, I teach maths"), at_min(1)).round == 0);
        CHECK(c.post_ok(lee, post("c2", "A0: hi again"), at_min(2)).round == 0);
        CHECK_ERR(c.run(lee, post("c3", "A1: not yet"), at_min(2)), error_code::bad_request);
    }
    SECTION("prefixes in every spelling, kept in the text") {
        c.tick(at_min(22));  // Q3
        REQUIRE(c.s.schedule().round_of(c.s.phase()) == 3);
        int n = 0;
        for (const std::string text : {"A3: colon", "A3 space", "a3) paren", "A3. dot", "A3- dash",
                                       "A3", "A2: an earlier question", "a1:lower", "A0: intro"}) {
            CAPTURE(text);
            std::string cid = "p";  // not `"p" + ...`: a false -Wrestrict of gcc 12 at -O3
            cid += std::to_string(++n);
            const auto p = c.post_ok(lee, post(cid, text), at_min(22));
            CHECK(p.text == text);
            const int expected = text[1] - '0';
            CHECK(p.round == expected);
        }
        CHECK(c.post_ok(lee, post("plain", "No prefix here"), at_min(22)).round == 3);
        CHECK(c.post_ok(lee, post("a1c", "A1C levels are up"), at_min(22)).round == 3);
    }
    SECTION("the round field wins over the prefix") {
        c.tick(at_min(14));  // Q2
        core::post_cmd cmd = post("c1", "A2: but really about Q1");
        cmd.round = 1;
        CHECK(c.post_ok(lee, cmd, at_min(14)).round == 1);
        cmd = post("c2", "Intro, late");
        cmd.round = 0;
        CHECK(c.post_ok(lee, cmd, at_min(14)).round == 0);
        cmd = post("c3", "About Q3");
        cmd.round = 3;
        CHECK_ERR(c.run(lee, cmd, at_min(14)), error_code::bad_request);
    }
    SECTION("rounds beyond the questions are refused") {
        c.tick(at_min(30));  // wrap-up: every question asked
        CHECK_ERR(c.run(lee, post("c1", "A4: there is no Q4"), at_min(30)),
                  error_code::bad_request);
        core::post_cmd cmd = post("c2", "hello");
        cmd.round = 99;
        CHECK_ERR(c.run(lee, cmd, at_min(30)), error_code::bad_request);
        CHECK(c.s.head() == c.log.back().seq);
    }
    SECTION("a reply without a round belongs to the round of its parent") {
        const auto parent = c.post_seq(lee, "c1", "A1: we start with a question", at_min(6));
        const auto mr_k = c.join("mr_k");
        core::post_cmd reply = post("r1", "Love this!");
        reply.reply_to = parent;
        const auto r = c.post_ok(mr_k, reply, at_min(22));  // during Q3
        CHECK(r.round == 1);
        CHECK(r.reply_to == parent);

        reply = post("r2", "A3: and for Q3 too");
        reply.reply_to = parent;
        CHECK(c.post_ok(mr_k, reply, at_min(22)).round == 3);

        const auto wrap = c.post_seq(lee, "c2", "Thanks all", at_min(30));
        reply = post("r3", "Thank you!");
        reply.reply_to = wrap;
        CHECK_FALSE(c.post_ok(mr_k, reply, at_min(31)).round.has_value());
    }
}

TEST_CASE("a post carries its author and mentions", "[session]") {
    chat c;
    const auto lee = c.join("ms_lee");
    const auto p = c.post_ok(lee, post("c1", "A1: ask @mr_k and @MR_K or @host"), at_min(6));
    CHECK(p.author == "ms_lee");
    CHECK(p.name == "Name of ms_lee");
    CHECK(p.author_role == core::role::participant);
    CHECK(p.cid == "c1");
    CHECK(p.mentions == std::vector<std::string>{"mr_k", "host"});
    CHECK_FALSE(p.reply_to.has_value());
}

TEST_CASE("a repeated cid never makes a second post", "[session]") {
    chat c;
    const auto lee = c.join("ms_lee");
    const auto mr_k = c.join("mr_k");
    const auto first = c.post_seq(lee, "c-1", "A1: first", at_min(6));
    const auto head = c.s.head();

    auto again = c.run(lee, post("c-1", "A1: first (resent)"), at_min(7));
    REQUIRE_OK(again);
    CHECK(again->events.empty());
    CHECK(again->duplicate_of == first);
    CHECK(c.s.head() == head);

    SECTION("the same cid from another author is a new post") {
        const auto other = c.post_seq(mr_k, "c-1", "A1: mine", at_min(7));
        CHECK(other == head + 1);
    }
    SECTION("a resend after the chat closed still gets the original seq") {
        c.tick(at_min(100));
        REQUIRE(c.s.phase().phase == core::phase_kind::closed);
        auto late = c.s.handle(lee, post("c-1", "A1: first"), at_min(100));
        REQUIRE_OK(late);
        CHECK(late->duplicate_of == first);
    }
    SECTION("bad cids are refused") {
        for (const std::string& cid :
             {std::string(""), std::string("has space"), std::string("sl/ash"), repeat("x", 65)}) {
            CAPTURE(cid);
            CHECK_ERR(c.run(lee, post(cid, "hi"), at_min(7)), error_code::bad_request);
        }
        CHECK_OK(c.run(lee, post(repeat("x", 64), "hi"), at_min(7)));
        CHECK_OK(c.run(lee, post("Az09_.:-", "hi"), at_min(7)));
    }
}

TEST_CASE("post text must be 1 to 1000 code points of valid UTF-8", "[session]") {
    chat c;
    const auto lee = c.join("ms_lee");
    c.tick(at_min(6));
    CHECK_ERR(c.run(lee, post("c1", ""), at_min(6)), error_code::empty);
    CHECK_ERR(c.run(lee, post("c2", " \t\n "), at_min(6)), error_code::empty);
    CHECK_ERR(c.run(lee, post("c3", "\xC2\xA0\xE3\x80\x80\xE2\x80\x8B"), at_min(6)),
              error_code::empty);
    const std::string emoji = "\xF0\x9F\x98\x80";  // U+1F600, 4 bytes
    CHECK_OK(c.run(lee, post("c4", repeat(emoji, 1000)), at_min(6)));
    CHECK_ERR(c.run(lee, post("c5", repeat(emoji, 1001)), at_min(6)), error_code::too_long);
    CHECK_OK(c.run(lee, post("c6", repeat("a", 1000)), at_min(6)));
    CHECK_ERR(c.run(lee, post("c7", repeat("a", 1001)), at_min(6)), error_code::too_long);
    CHECK_ERR(c.run(lee, post("c8", "bad \xC3\x28 byte"), at_min(6)), error_code::bad_request);
    CHECK_ERR(c.run(lee, post("c9", "surrogate \xED\xA0\x80"), at_min(6)), error_code::bad_request);

    SECTION("the limit is a session option") {
        core::limits lim;
        lim.max_text = 10;
        core::session small(test::sample_config(), {}, lim);
        small.tick(at_min(6));
        CHECK_OK(small.handle(lee, post("a", repeat(emoji, 10)), at_min(6)));
        CHECK_ERR(small.handle(lee, post("b", repeat(emoji, 11)), at_min(6)), error_code::too_long);
    }
}

TEST_CASE("a reply must answer a visible post", "[session]") {
    chat c;
    const auto lee = c.join("ms_lee");
    core::post_cmd reply = post("r1", "Yes!");
    reply.reply_to = 999;
    CHECK_ERR(c.run(lee, reply, at_min(6)), error_code::not_found);

    reply.reply_to = 1;  // the intro's phase event is not a post
    CHECK_ERR(c.run(lee, reply, at_min(6)), error_code::not_found);

    const auto seq = c.post_seq(lee, "p1", "A1: gone soon", at_min(6));
    REQUIRE_OK(c.run(lee, core::delete_cmd{seq}, at_min(7)));
    reply.reply_to = seq;
    CHECK_ERR(c.run(lee, reply, at_min(7)), error_code::not_found);
}

TEST_CASE("tick emits due phase changes as events at the instant they were due", "[session]") {
    chat c;
    CHECK(c.s.next_due() == at_min(0));
    CHECK(c.s.tick(at_min(-1)).empty());
    const auto events = c.s.tick(at_min(15, 500));  // intro, Q1, Q2
    REQUIRE(events.size() == 3);
    const long long due[] = {0, 5, 13};
    for (std::size_t i = 0; i < events.size(); ++i) {
        INFO(events[i]);
        CHECK(events[i].seq == i + 1);
        CHECK(events[i].at == at_min(due[i]));
        const auto& ph = std::get<core::phase_event>(events[i].body);
        CHECK(ph.round == static_cast<int>(i));
    }
    CHECK(c.s.head() == 3);
    CHECK(c.s.next_due() == at_min(21));
}

TEST_CASE("replaying a session's events rebuilds the same state", "[session]") {
    chat c;
    const auto lee = c.join("ms_lee");
    const auto mr_k = c.join("mr_k");
    const auto host = c.join("host", true);

    const auto p1 = c.post_seq(lee, "c-1", "A0: hi", at_min(1));
    const auto p2 = c.post_seq(mr_k, "c-1", "A1: hello @ms_lee", at_min(6));
    REQUIRE_OK(c.run(lee, core::like_cmd{p2, true}, at_min(7)));
    REQUIRE_OK(c.run(mr_k, core::like_cmd{p1, true}, at_min(7)));
    REQUIRE_OK(c.run(mr_k, core::like_cmd{p1, false}, at_min(7)));
    REQUIRE_OK(c.run(mr_k, core::edit_cmd{p2, "A1: hello again"}, at_min(8)));
    const auto p3 = c.post_seq(lee, "c-2", "A1: to delete", at_min(8));
    REQUIRE_OK(c.run(host, core::delete_cmd{p3}, at_min(9)));
    REQUIRE_OK(c.run(host, core::announce_cmd{"Q2 next"}, at_min(10)));
    REQUIRE_OK(c.run(host, core::control_cmd{core::control_action::pause, 0}, at_min(16)));
    REQUIRE(c.s.phase().phase == core::phase_kind::paused);

    for (std::size_t i = 0; i < c.log.size(); ++i) {
        INFO("event " << i << ": " << c.log[i]);
        CHECK(c.log[i].seq == i + 1);
    }

    core::session replayed(test::sample_config(), {moderator_key_hash});
    for (const auto& h : {"ms_lee", "mr_k", "host"}) {
        replayed.set_member(
            core::member{h, std::string("Name of ") + h, "token-hash-of-" + std::string(h)});
    }
    for (const auto& e : c.log) replayed.apply(e);

    CHECK(replayed.head() == c.s.head());
    CHECK(replayed.phase() == c.s.phase());
    CHECK(replayed.member_count() == c.s.member_count());
    CHECK(replayed.next_due() == c.s.next_due());

    // The cid map is rebuilt: a resend is recognised, per author.
    auto dup = replayed.handle(mr_k, post("c-1", "A1: hello @ms_lee"), at_min(17));
    REQUIRE_OK(dup);
    CHECK(dup->duplicate_of == p2);
    CHECK(dup->events.empty());
    dup = replayed.handle(lee, post("c-1", "A0: hi"), at_min(17));
    REQUIRE_OK(dup);
    CHECK(dup->duplicate_of == p1);

    // Likes, deletions and members are rebuilt too.
    CHECK_ERR(replayed.handle(lee, core::like_cmd{p2, true}, at_min(17)), error_code::bad_request);
    CHECK_ERR(replayed.handle(mr_k, core::like_cmd{p1, false}, at_min(17)),
              error_code::bad_request);
    CHECK_ERR(replayed.handle(lee, core::like_cmd{p3, true}, at_min(17)), error_code::not_found);
    CHECK_ERR(replayed.join(join_req("MS_LEE")), error_code::handle_taken);

    // And both go on the same way.
    auto r1 = c.s.handle(host, core::control_cmd{core::control_action::resume, 0}, at_min(20));
    auto r2 = replayed.handle(host, core::control_cmd{core::control_action::resume, 0}, at_min(20));
    REQUIRE_OK(r1);
    REQUIRE_OK(r2);
    CHECK(c.s.phase() == replayed.phase());
    CHECK(r1->events.at(0).seq == r2->events.at(0).seq);
}
