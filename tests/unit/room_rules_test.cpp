// The rules the room applies around the session, each once in the core.
#include "core/room_rules.hpp"

#include "chat_fixture.hpp"
#include "core/chat_marks.hpp"
#include "core/rate_limit.hpp"
#include "test_support.hpp"

namespace hashchat::test {

TEST_CASE("a resume token registers a handle only if it is 22 to 128 characters") {
    CHECK_FALSE(core::strong_token(""));
    CHECK_FALSE(core::strong_token(std::string(21, 'a')));
    CHECK(core::strong_token(std::string(22, 'a')));
    CHECK(core::strong_token(std::string(128, 'a')));
    CHECK_FALSE(core::strong_token(std::string(129, 'a')));
}

TEST_CASE("under load participants wait, moderators do not") {
    CHECK(core::waits_under_load(core::role::participant));
    CHECK_FALSE(core::waits_under_load(core::role::moderator));
}

TEST_CASE("a ban closes the handle's connections, and with the address its participants") {
    core::mod_entry ban;
    ban.kind = "ban";
    ban.handle = "Troll";
    ban.address_hashes = {"pub-wifi"};
    const core::actor troll{"troll", "T", core::role::participant};
    const core::actor pal{"pal", "P", core::role::participant};
    const core::actor host{"host", "H", core::role::moderator};
    CHECK(core::ban_closes(ban, &troll, "home"));          // the handle, folded, from anywhere
    CHECK_FALSE(core::ban_closes(ban, &pal, "pub-wifi"));  // no address ban: only the handle
    ban.ban_address = true;
    CHECK(core::ban_closes(ban, &pal, "pub-wifi"));
    CHECK_FALSE(core::ban_closes(ban, &pal, "home"));
    CHECK_FALSE(core::ban_closes(ban, &host, "pub-wifi"));    // moderators stay
    CHECK_FALSE(core::ban_closes(ban, nullptr, "pub-wifi"));  // viewers (pub screens) stay
    ban.kind = "mute";
    CHECK_FALSE(core::ban_closes(ban, &troll, "home"));
}

TEST_CASE("posts, edits and announcements share a bucket; likes have theirs; the rest another") {
    const core::command post = core::post_cmd{"c1", "hi", std::nullopt, std::nullopt};
    const core::command edit = core::edit_cmd{1, "hi"};
    const core::command announce = core::announce_cmd{"hi"};
    const core::command like = core::like_cmd{1, true};
    const core::command unlike = core::like_cmd{1, false};
    const core::command control = core::control_cmd{core::control_action::next, 0};
    CHECK(core::bucket_of(&post) == core::message_bucket::post);
    CHECK(core::bucket_of(&edit) == core::message_bucket::post);
    CHECK(core::bucket_of(&announce) == core::message_bucket::post);
    CHECK(core::bucket_of(&like) == core::message_bucket::like);
    CHECK(core::bucket_of(&unlike) == core::message_bucket::like);
    CHECK(core::bucket_of(&control) == core::message_bucket::other);
    CHECK(core::bucket_of(nullptr) == core::message_bucket::other);  // hello, ping
}

TEST_CASE("only the owner's key manages moderator keys") {
    core::session s(sample_config(), {moderator_key_hash});
    CHECK(s.owner_key(moderator_key_hash).ok());
    CHECK(code_of(s.owner_key("nobody's")) == "bad_key");
    auto co = s.next_key("co-hash", "Sam", t0());
    s.add_key(co);
    CHECK(code_of(s.owner_key("co-hash")) == "not_allowed");
    REQUIRE(s.revoke_key(co.id).ok());
    CHECK(code_of(s.owner_key("co-hash")) == "bad_key");  // revoked: no key at all
}

}  // namespace hashchat::test

namespace hashchat::test {

TEST_CASE("a chat is scheduled, live once a part began, ended while closed") {
    auto phase = [](core::phase_kind k) {
        core::phase_event p;
        p.state.phase = k;
        return p;
    };
    core::chat_marks m;
    CHECK(m.state() == core::chat_state::scheduled);
    m.note(phase(core::phase_kind::scheduled), at_min(-10));  // a PATCH moving the start
    CHECK(m.state() == core::chat_state::scheduled);
    m.note(phase(core::phase_kind::intro), at_min(0));
    m.note(phase(core::phase_kind::round), at_min(5));
    CHECK(m.state() == core::chat_state::live);
    CHECK(m.started_at == at_min(0));  // the first part, not the latest
    m.note(phase(core::phase_kind::closed), at_min(34));
    CHECK(m.state() == core::chat_state::ended);
    CHECK(m.ended_at == at_min(34));
    m.note(phase(core::phase_kind::round), at_min(40));  // reopened (extended after the end)
    CHECK(m.state() == core::chat_state::live);
    CHECK_FALSE(m.ended_at);
    CHECK(core::to_string(m.state()) == "live");
}

}  // namespace hashchat::test
