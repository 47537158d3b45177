// Moderation in one session: hide and pin posts, mute and ban members (also by network address),
// pre-moderation, slow-down, the moderators' log, and replaying both logs.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chat_fixture.hpp"
#include "core/events.hpp"
#include "core/session.hpp"
#include "protocol/event_json.hpp"

using namespace hashchat;
using core::error_code;
using core::mod_action;
using test::at_min;
using test::chat;
using test::join_req;
using test::moderator_key_hash;
using test::post;

namespace {

core::moderate_cmd on_post(mod_action a, std::optional<core::seq_t> seq) {
    core::moderate_cmd c;
    c.action = a;
    c.target = seq;
    return c;
}

core::moderate_cmd on_member(mod_action a, std::optional<std::string> handle) {
    core::moderate_cmd c;
    c.action = a;
    c.handle = std::move(handle);
    return c;
}

core::moderate_cmd ban_address(const std::string& handle, std::vector<std::string> hashes) {
    auto c = on_member(mod_action::ban, handle);
    c.ban_address = true;
    c.address_hashes = std::move(hashes);
    return c;
}

core::moderate_cmd on_pending(mod_action a, std::optional<std::uint64_t> n) {
    core::moderate_cmd c;
    c.action = a;
    c.pending = n;
    return c;
}

core::session_options premoderated() {
    core::session_options o;
    o.premoderation = true;
    return o;
}

core::session_options slowed(int seconds) {
    core::session_options o;
    o.slowdown_seconds = seconds;
    return o;
}

// The chat fixture with session options, the moderators' log and the members it registered.
struct mod_chat : chat {
    std::vector<core::mod_entry> mods;
    std::vector<core::member> members;

    explicit mod_chat(core::session_options options = {}) {
        s = core::session(config_with(options), {moderator_key_hash});
    }

    static core::session_config config_with(core::session_options options) {
        auto config = test::sample_config();
        config.options = options;
        return config;
    }

    core::actor enter(const std::string& handle, bool moderator = false,
                      const std::string& address = "") {
        auto req = join_req(handle, "Name of " + handle);
        req.address_hash = address;
        if (moderator) req.key_hash = moderator_key_hash;
        auto r = s.join(req);
        INFO("join " << handle);
        REQUIRE_OK(r);
        if (r->member_changed) {
            s.set_member(r->registered);
            members.push_back(r->registered);
        }
        return r->who;
    }

    // A command; its events go to `log`, its moderators' log entries to `mods`.
    core::result<core::outcome> act(const core::actor& who, const core::command& cmd,
                                    core::instant now) {
        auto r = run(who, cmd, now);
        if (r) {
            for (auto& m : r->mod) mods.push_back(m);
        }
        return r;
    }

    // A moderator action that must succeed and make exactly one public event.
    core::event one_event(const core::actor& who, const core::command& cmd, core::instant now) {
        auto r = act(who, cmd, now);
        REQUIRE_OK(r);
        REQUIRE(r->events.size() == 1);
        REQUIRE(r->mod.size() == 1);
        return r->events[0];
    }

    // A participant's post under pre-moderation: its pending number.
    std::uint64_t pending_post(const core::actor& who, const std::string& cid,
                               const std::string& text, core::instant now) {
        auto r = act(who, post(cid, text), now);
        INFO("post cid=" << cid);
        REQUIRE_OK(r);
        CHECK(r->events.empty());
        REQUIRE(r->pending.has_value());
        return *r->pending;
    }

    // A session built only from this chat's logs: all events, then all mod entries.
    core::session replay(bool through_json) const {
        core::session out(s.config(), {moderator_key_hash});
        for (const auto& m : members) out.set_member(m);
        for (const auto& e : log) {
            if (!through_json) {
                out.apply(e);
                continue;
            }
            const auto* p = std::get_if<core::post_event>(&e.body);
            auto back = protocol::parse_event(protocol::serialize_event(e), p ? p->cid : "");
            REQUIRE(back.has_value());
            out.apply(*back);
        }
        for (const auto& m : mods) {
            if (!through_json) {
                out.apply(m);
                continue;
            }
            auto back = protocol::parse_mod(protocol::store_mod(m));
            REQUIRE(back.has_value());
            out.apply(*back);
        }
        return out;
    }
};

const core::moderation_event& moderation_of(const core::event& e) {
    INFO("event: " << e);
    const auto* m = std::get_if<core::moderation_event>(&e.body);
    REQUIRE(m != nullptr);
    return *m;
}

std::string code_name(error_code c) { return std::string(core::to_string(c)); }

}  // namespace

TEST_CASE("moderators hide, unhide, pin and unpin posts", "[moderation]") {
    mod_chat c;
    const auto lee = c.enter("ms_lee");
    const auto mr_k = c.enter("mr_k");
    const auto host = c.enter("host", true);
    const auto a = c.post_seq(lee, "p1", "A1: one", at_min(6));
    const auto b = c.post_seq(lee, "p2", "A1: two", at_min(6));

    struct step {
        mod_action action;
        const char* kind;
    };
    for (const auto& [action, kind] :
         {step{mod_action::hide, "hide"}, step{mod_action::unhide, "unhide"},
          step{mod_action::pin, "pin"}, step{mod_action::unpin, "unpin"}}) {
        INFO("action " << kind);
        CHECK_ERR(c.act(lee, on_post(action, a), at_min(7)), error_code::not_allowed);
        CHECK_ERR(c.act(host, on_post(action, std::nullopt), at_min(7)), error_code::bad_request);
        CHECK_ERR(c.act(host, on_post(action, 999), at_min(7)), error_code::not_found);
    }
    CHECK(c.mods.empty());
    CHECK(c.s.mod_head() == 0u);

    // Not hidden, not pinned: the "un" actions have nothing to undo.
    CHECK_ERR(c.act(host, on_post(mod_action::unhide, a), at_min(7)), error_code::bad_request);
    CHECK_ERR(c.act(host, on_post(mod_action::unpin, a), at_min(7)), error_code::bad_request);

    std::uint64_t n = 0;
    auto check = [&](mod_action action, core::seq_t target, const char* kind) {
        INFO("action " << kind);
        const auto head = c.s.head();
        const auto e = c.one_event(host, on_post(action, target), at_min(8));
        CHECK(e.seq == head + 1);
        CHECK(core::kind_of(e.body) == kind);
        const auto& m = moderation_of(e);
        CHECK(m.action == action);
        CHECK(m.target == target);
        CHECK_FALSE(m.handle.has_value());
        const auto& entry = c.mods.back();
        CHECK(entry.n == ++n);
        CHECK(entry.kind == kind);
        CHECK(entry.by == "host");
        CHECK(entry.target == target);
        CHECK(entry.seq == e.seq);
        CHECK(entry.at == at_min(8));
        CHECK_FALSE(entry.handle.has_value());
        CHECK_FALSE(entry.post.has_value());
        CHECK(c.s.mod_head() == n);
        // Done once; a second time is a bad request.
        CHECK_ERR(c.act(host, on_post(action, target), at_min(8)), error_code::bad_request);
    };

    check(mod_action::hide, a, "hide");
    // A hidden post cannot be liked, replied to or edited.
    CHECK_ERR(c.act(mr_k, core::like_cmd{a, true}, at_min(9)), error_code::not_found);
    core::post_cmd reply = post("r1", "A1: replying");
    reply.reply_to = a;
    CHECK_ERR(c.act(mr_k, reply, at_min(9)), error_code::not_found);
    CHECK_ERR(c.act(lee, core::edit_cmd{a, "A1: changed"}, at_min(9)), error_code::not_found);
    // A hidden post can still be pinned (and is still pinned once back in sight).
    check(mod_action::pin, a, "pin");
    check(mod_action::unhide, a, "unhide");
    CHECK_OK(c.act(mr_k, core::like_cmd{a, true}, at_min(9)));
    CHECK_OK(c.act(mr_k, reply, at_min(9)));
    check(mod_action::unpin, a, "unpin");
    check(mod_action::pin, b, "pin");

    SECTION("a deleted post is not found") {
        REQUIRE_OK(c.act(lee, core::delete_cmd{b}, at_min(10)));
        for (auto action :
             {mod_action::hide, mod_action::unhide, mod_action::pin, mod_action::unpin}) {
            INFO("action " << core::to_string(action));
            CHECK_ERR(c.act(host, on_post(action, b), at_min(10)), error_code::not_found);
        }
    }
    SECTION("hide and pin work after the chat closed") {
        c.tick(at_min(100));
        REQUIRE(c.s.phase().phase == core::phase_kind::closed);
        CHECK_OK(c.act(host, on_post(mod_action::hide, b), at_min(100)));
        CHECK_OK(c.act(host, on_post(mod_action::pin, a), at_min(100)));
    }
}

TEST_CASE("a hidden post can be deleted by its author and by a moderator", "[moderation]") {
    mod_chat c;
    const auto lee = c.enter("ms_lee");
    const auto host = c.enter("host", true);
    const auto a = c.post_seq(lee, "p1", "A1: one", at_min(6));
    const auto b = c.post_seq(lee, "p2", "A1: two", at_min(6));
    const auto own = c.post_seq(host, "h1", "A1: the host's", at_min(6));
    REQUIRE_OK(c.act(host, on_post(mod_action::hide, a), at_min(7)));
    REQUIRE_OK(c.act(host, on_post(mod_action::hide, b), at_min(7)));
    const auto before = c.mods.size();

    auto by_author = c.act(lee, core::delete_cmd{a}, at_min(8));
    REQUIRE_OK(by_author);
    REQUIRE(by_author->events.size() == 1);
    CHECK(std::get<core::delete_event>(by_author->events[0].body).author == "ms_lee");
    CHECK(by_author->mod.empty());  // the author's own deletion is not a moderator action

    auto by_moderator = c.act(host, core::delete_cmd{b}, at_min(9));
    REQUIRE_OK(by_moderator);
    REQUIRE(by_moderator->events.size() == 1);
    REQUIRE(by_moderator->mod.size() == 1);
    const auto& m = by_moderator->mod[0];
    CHECK(m.kind == "delete");
    CHECK(m.by == "host");
    CHECK(m.target == b);
    CHECK(m.seq == by_moderator->events[0].seq);
    CHECK(m.n == before + 1);
    CHECK(c.s.mod_head() == before + 1);

    // A moderator deleting their own post is not logged.
    auto own_delete = c.act(host, core::delete_cmd{own}, at_min(9));
    REQUIRE_OK(own_delete);
    CHECK(own_delete->events.size() == 1);
    CHECK(own_delete->mod.empty());
    CHECK(c.s.mod_head() == before + 1);
}

TEST_CASE("control goes to the moderators' log with its action", "[moderation]") {
    mod_chat c;
    const auto host = c.enter("host", true);
    c.tick(at_min(6));
    auto r = c.act(host, core::control_cmd{core::control_action::pause, 0}, at_min(6));
    REQUIRE_OK(r);
    REQUIRE(r->events.size() == 1);
    REQUIRE(r->mod.size() == 1);
    const auto& m = r->mod[0];
    CHECK(m.n == 1u);
    CHECK(m.kind == "control");
    CHECK(m.by == "host");
    CHECK(m.detail == std::optional<std::string>("pause"));
    CHECK(m.seq == r->events[0].seq);
    CHECK(m.at == at_min(6));
    CHECK_FALSE(m.target.has_value());

    auto resume = c.act(host, core::control_cmd{core::control_action::resume, 0}, at_min(7));
    REQUIRE_OK(resume);
    REQUIRE(resume->mod.size() == 1);
    CHECK(resume->mod[0].n == 2u);
    CHECK(resume->mod[0].detail == std::optional<std::string>("resume"));
}

TEST_CASE("a muted participant reads but cannot post, edit or like", "[moderation]") {
    mod_chat c;
    const auto lee = c.enter("ms_lee");
    const auto mr_k = c.enter("mr_k");
    const auto host = c.enter("host", true);
    const auto cohost = c.enter("cohost", true);
    const auto mine = c.post_seq(lee, "p1", "A1: mine", at_min(6));
    const auto other = c.post_seq(mr_k, "k1", "A1: other", at_min(6));

    CHECK_ERR(c.act(mr_k, on_member(mod_action::mute, "ms_lee"), at_min(7)),
              error_code::not_allowed);
    CHECK_ERR(c.act(host, on_member(mod_action::mute, std::nullopt), at_min(7)),
              error_code::bad_request);
    CHECK_ERR(c.act(host, on_member(mod_action::mute, "not a handle!"), at_min(7)),
              error_code::bad_request);
    CHECK_ERR(c.act(host, on_member(mod_action::mute, "nobody"), at_min(7)), error_code::not_found);
    CHECK_ERR(c.act(host, on_member(mod_action::mute, "HOST"), at_min(7)),
              error_code::bad_request);  // yourself
    CHECK_ERR(c.act(host, on_member(mod_action::unmute, "ms_lee"), at_min(7)),
              error_code::bad_request);  // not muted
    CHECK(c.mods.empty());

    // Any case names the member; the event and entry carry the registered spelling.
    const auto e = c.one_event(host, on_member(mod_action::mute, "MS_Lee"), at_min(7));
    CHECK(core::kind_of(e.body) == "mute");
    CHECK(moderation_of(e).handle == std::optional<std::string>("ms_lee"));
    CHECK_FALSE(moderation_of(e).target.has_value());
    const auto& m = c.mods.back();
    CHECK(m.kind == "mute");
    CHECK(m.by == "host");
    CHECK(m.handle == std::optional<std::string>("ms_lee"));
    CHECK(m.seq == e.seq);
    CHECK(c.s.is_muted("ms_lee"));
    CHECK(c.s.is_muted("MS_LEE"));
    CHECK_FALSE(c.s.is_muted("mr_k"));
    CHECK_ERR(c.act(host, on_member(mod_action::mute, "ms_lee"), at_min(7)),
              error_code::bad_request);

    CHECK_ERR(c.act(lee, post("p2", "A1: again"), at_min(8)), error_code::muted);
    CHECK_ERR(c.act(lee, core::edit_cmd{mine, "A1: changed"}, at_min(8)), error_code::muted);
    CHECK_ERR(c.act(lee, core::like_cmd{other, true}, at_min(8)), error_code::muted);
    // Others are not affected.
    CHECK_OK(c.act(mr_k, post("k2", "A1: still here"), at_min(8)));
    CHECK_OK(c.act(mr_k, core::like_cmd{mine, true}, at_min(8)));

    SECTION("a moderator is not held back by a mute") {
        REQUIRE_OK(c.act(host, on_member(mod_action::mute, "cohost"), at_min(8)));
        CHECK(c.s.is_muted("cohost"));
        CHECK_OK(c.act(cohost, post("c1", "A1: from the co-host"), at_min(8)));
        CHECK_OK(c.act(cohost, core::like_cmd{other, true}, at_min(8)));
    }
    SECTION("unmute restores the voice") {
        const auto un = c.one_event(host, on_member(mod_action::unmute, "ms_lee"), at_min(9));
        CHECK(core::kind_of(un.body) == "unmute");
        CHECK(c.mods.back().kind == "unmute");
        CHECK(c.mods.back().handle == std::optional<std::string>("ms_lee"));
        CHECK_FALSE(c.s.is_muted("ms_lee"));
        CHECK_OK(c.act(lee, post("p2", "A1: again"), at_min(9)));
        CHECK_OK(c.act(lee, core::edit_cmd{mine, "A1: changed"}, at_min(9)));
        CHECK_OK(c.act(lee, core::like_cmd{other, true}, at_min(9)));
        CHECK_ERR(c.act(host, on_member(mod_action::unmute, "ms_lee"), at_min(9)),
                  error_code::bad_request);
    }
}

TEST_CASE("a banned handle cannot join or act until unbanned", "[moderation]") {
    mod_chat c;
    const auto troll = c.enter("troll_42");
    const auto lee = c.enter("ms_lee");
    const auto host = c.enter("host", true);
    const auto mine = c.post_seq(troll, "t1", "A1: trolling", at_min(6));
    const auto other = c.post_seq(lee, "p1", "A1: fine", at_min(6));

    CHECK_ERR(c.act(lee, on_member(mod_action::ban, "troll_42"), at_min(7)),
              error_code::not_allowed);
    CHECK_ERR(c.act(host, on_member(mod_action::ban, std::nullopt), at_min(7)),
              error_code::bad_request);
    CHECK_ERR(c.act(host, on_member(mod_action::ban, "nobody"), at_min(7)), error_code::not_found);
    CHECK_ERR(c.act(host, on_member(mod_action::ban, "host"), at_min(7)), error_code::bad_request);
    CHECK_ERR(c.act(host, on_member(mod_action::unban, "troll_42"), at_min(7)),
              error_code::bad_request);  // not banned

    const auto e = c.one_event(host, on_member(mod_action::ban, "troll_42"), at_min(7));
    CHECK(core::kind_of(e.body) == "ban");
    CHECK(moderation_of(e).handle == std::optional<std::string>("troll_42"));
    const auto& m = c.mods.back();
    CHECK(m.kind == "ban");
    CHECK(m.by == "host");
    CHECK(m.handle == std::optional<std::string>("troll_42"));
    CHECK(m.seq == e.seq);
    CHECK_FALSE(m.ban_address);
    CHECK(m.address_hashes.empty());
    CHECK(c.s.is_banned("troll_42"));
    CHECK(c.s.is_banned("Troll_42"));
    CHECK_ERR(c.act(host, on_member(mod_action::ban, "TROLL_42"), at_min(7)),
              error_code::bad_request);  // already banned

    // Refused by handle, with or without its token, in any case.
    CHECK_ERR(c.s.join(join_req("troll_42")), error_code::banned);
    CHECK_ERR(c.s.join(join_req("TROLL_42")), error_code::banned);
    auto with_token = join_req("troll_42");
    with_token.token_hash = "token-hash-of-troll_42";
    CHECK_ERR(c.s.join(with_token), error_code::banned);
    with_token.handle = "Troll_42";
    CHECK_ERR(c.s.join(with_token), error_code::banned);
    // Others still join.
    auto lee_again = join_req("ms_lee");
    lee_again.token_hash = "token-hash-of-ms_lee";
    CHECK_OK(c.s.join(lee_again));

    // A connection that is still open is refused too.
    CHECK_ERR(c.act(troll, post("t2", "A1: more"), at_min(8)), error_code::banned);
    CHECK_ERR(c.act(troll, core::edit_cmd{mine, "A1: edited"}, at_min(8)), error_code::banned);
    CHECK_ERR(c.act(troll, core::like_cmd{other, true}, at_min(8)), error_code::banned);

    SECTION("unban restores the handle") {
        const auto un = c.one_event(host, on_member(mod_action::unban, "troll_42"), at_min(9));
        CHECK(core::kind_of(un.body) == "unban");
        CHECK(moderation_of(un).handle == std::optional<std::string>("troll_42"));
        CHECK(c.mods.back().kind == "unban");
        CHECK_FALSE(c.s.is_banned("troll_42"));
        auto back = join_req("troll_42");
        back.token_hash = "token-hash-of-troll_42";
        CHECK_OK(c.s.join(back));
        CHECK_ERR(c.s.join(join_req("troll_42")), error_code::handle_taken);
        CHECK_OK(c.act(troll, post("t2", "A1: sorry"), at_min(9)));
        CHECK_ERR(c.act(host, on_member(mod_action::unban, "troll_42"), at_min(9)),
                  error_code::bad_request);
    }
}

TEST_CASE("a ban with ban_address refuses participants joining from those addresses",
          "[moderation]") {
    mod_chat c;
    c.enter("troll_42", false, "addr-1");
    c.enter("mr_k", false, "addr-1");
    const auto host = c.enter("host", true, "addr-9");

    auto join_from = [&](const std::string& handle, const std::string& address,
                         bool moderator = false, bool with_token = false) {
        auto req = join_req(handle, "Name of " + handle);
        req.address_hash = address;
        if (moderator) req.key_hash = moderator_key_hash;
        if (with_token) req.token_hash = "token-hash-of-" + handle;
        return c.s.join(req);
    };

    SECTION("without ban_address the addresses stay open") {
        auto cmd = on_member(mod_action::ban, "troll_42");
        cmd.address_hashes = {"addr-1", "addr-2"};
        auto r = c.act(host, cmd, at_min(7));
        REQUIRE_OK(r);
        REQUIRE(r->mod.size() == 1);
        CHECK_FALSE(r->mod[0].ban_address);
        CHECK(r->mod[0].address_hashes.empty());
        CHECK_OK(join_from("newbie", "addr-1"));
        CHECK_ERR(join_from("troll_42", "addr-5", false, true), error_code::banned);
    }
    SECTION("with ban_address") {
        auto r = c.act(host, ban_address("troll_42", {"addr-1", "addr-2"}), at_min(7));
        REQUIRE_OK(r);
        REQUIRE(r->events.size() == 1);
        CHECK(core::kind_of(r->events[0].body) == "ban");
        REQUIRE(r->mod.size() == 1);
        const auto& m = r->mod[0];
        CHECK(m.kind == "ban");
        CHECK(m.ban_address);
        CHECK(m.address_hashes == std::vector<std::string>{"addr-1", "addr-2"});
        CHECK(m.detail == std::optional<std::string>("2 network addresses"));
        CHECK(m.seq == r->events[0].seq);

        CHECK_ERR(join_from("newbie", "addr-1"), error_code::banned);
        CHECK_ERR(join_from("newbie", "addr-2"), error_code::banned);
        CHECK_ERR(join_from("mr_k", "addr-1", false, true), error_code::banned);
        CHECK_OK(join_from("newbie", "addr-3"));
        CHECK_OK(join_from("newbie", ""));
        // Moderators are never refused by an address ban.
        CHECK_OK(join_from("cohost", "addr-1", true));
        CHECK_OK(join_from("host", "addr-2", true, true));
        // The handle itself is still refused from anywhere.
        CHECK_ERR(join_from("troll_42", "addr-7", false, true), error_code::banned);

        REQUIRE_OK(c.act(host, on_member(mod_action::unban, "troll_42"), at_min(8)));
        CHECK_OK(join_from("newbie", "addr-1"));
        CHECK_OK(join_from("newbie", "addr-2"));
        CHECK_OK(join_from("troll_42", "addr-1", false, true));
    }
}

TEST_CASE("pre-moderation holds participants' posts for a moderator", "[moderation]") {
    mod_chat c(premoderated());
    const auto lee = c.enter("ms_lee");
    const auto mr_k = c.enter("mr_k");
    const auto host = c.enter("host", true);
    c.tick(at_min(6));
    const auto head = c.s.head();

    auto r = c.act(lee, post("p1", "A1: held @mr_k"), at_min(6));
    REQUIRE_OK(r);
    CHECK(r->events.empty());
    CHECK_FALSE(r->duplicate_of.has_value());
    REQUIRE(r->pending == std::optional<std::uint64_t>(1));
    REQUIRE(r->mod.size() == 1);
    const auto& pending = r->mod[0];
    CHECK(pending.n == 1u);
    CHECK(pending.kind == "pending");
    CHECK(pending.by == "ms_lee");
    CHECK(pending.pending == std::optional<std::uint64_t>(1));
    CHECK(pending.at == at_min(6));
    CHECK_FALSE(pending.seq.has_value());
    REQUIRE(pending.post.has_value());
    CHECK(pending.post->author == "ms_lee");
    CHECK(pending.post->name == "Name of ms_lee");
    CHECK(pending.post->author_role == core::role::participant);
    CHECK(pending.post->text == "A1: held @mr_k");
    CHECK(pending.post->cid == "p1");
    CHECK(pending.post->round == 1);
    CHECK(pending.post->mentions == std::vector<std::string>{"mr_k"});
    CHECK(c.s.head() == head);  // nothing public
    CHECK(c.s.mod_head() == 1u);
    REQUIRE(c.s.waiting_posts().size() == 1);
    CHECK(c.s.waiting_posts()[0].n == 1u);

    // A resend of the same cid is the same waiting post.
    auto again = c.act(lee, post("p1", "A1: held @mr_k"), at_min(7));
    REQUIRE_OK(again);
    CHECK(again->pending == std::optional<std::uint64_t>(1));
    CHECK(again->events.empty());
    CHECK(again->mod.empty());
    CHECK(c.s.waiting_posts().size() == 1);

    // Moderators' posts go straight to the public log.
    core::seq_t host_seq = 0;
    c.post_ok(host, post("h1", "A1: from the host"), at_min(7), &host_seq);
    CHECK(host_seq == head + 1);
    CHECK(c.s.mod_head() == 1u);

    const auto second = c.pending_post(mr_k, "k1", "A1: also held", at_min(7));
    CHECK(second == 2u);
    REQUIRE(c.s.waiting_posts().size() == 2);
    CHECK(c.s.waiting_posts()[0].n == 1u);
    CHECK(c.s.waiting_posts()[1].n == 2u);

    // Errors.
    CHECK_ERR(c.act(lee, on_pending(mod_action::approve, 1), at_min(8)), error_code::not_allowed);
    CHECK_ERR(c.act(host, on_pending(mod_action::approve, std::nullopt), at_min(8)),
              error_code::bad_request);
    CHECK_ERR(c.act(host, on_pending(mod_action::reject, std::nullopt), at_min(8)),
              error_code::bad_request);
    CHECK_ERR(c.act(host, on_pending(mod_action::approve, 99), at_min(8)), error_code::not_found);
    CHECK_ERR(c.act(host, on_pending(mod_action::reject, 99), at_min(8)), error_code::not_found);

    // Approve: the post enters the public log as its author wrote it.
    auto ok = c.act(host, on_pending(mod_action::approve, 1), at_min(9));
    REQUIRE_OK(ok);
    REQUIRE(ok->events.size() == 1);
    const auto& e = ok->events[0];
    CHECK(e.seq == host_seq + 1);
    CHECK(e.at == at_min(9));
    const auto* p = std::get_if<core::post_event>(&e.body);
    REQUIRE(p != nullptr);
    CHECK(p->author == "ms_lee");
    CHECK(p->name == "Name of ms_lee");
    CHECK(p->author_role == core::role::participant);
    CHECK(p->text == "A1: held @mr_k");
    CHECK(p->cid == "p1");
    CHECK(p->round == 1);
    CHECK(p->mentions == std::vector<std::string>{"mr_k"});
    REQUIRE(ok->mod.size() == 1);
    const auto& approve = ok->mod[0];
    CHECK(approve.n == 3u);
    CHECK(approve.kind == "approve");
    CHECK(approve.by == "host");
    CHECK(approve.pending == std::optional<std::uint64_t>(1));
    CHECK(approve.seq == e.seq);
    REQUIRE(approve.post.has_value());
    CHECK(approve.post->cid == "p1");
    CHECK(approve.post->text == "A1: held @mr_k");
    REQUIRE(c.s.waiting_posts().size() == 1);
    CHECK(c.s.waiting_posts()[0].n == 2u);
    CHECK_ERR(c.act(host, on_pending(mod_action::approve, 1), at_min(9)), error_code::not_found);
    CHECK_ERR(c.act(host, on_pending(mod_action::reject, 1), at_min(9)), error_code::not_found);

    // The approved post is a post like any other: a resend gets its seq, it can be liked.
    auto dup = c.act(lee, post("p1", "A1: held @mr_k"), at_min(10));
    REQUIRE_OK(dup);
    CHECK(dup->duplicate_of == e.seq);
    CHECK_FALSE(dup->pending.has_value());
    CHECK(dup->events.empty());
    CHECK(dup->mod.empty());
    CHECK_OK(c.act(mr_k, core::like_cmd{e.seq, true}, at_min(10)));

    // Reject: nothing public, and a resend is refused.
    const auto before = c.s.head();
    auto no = c.act(host, on_pending(mod_action::reject, 2), at_min(11));
    REQUIRE_OK(no);
    CHECK(no->events.empty());
    CHECK_FALSE(no->pending.has_value());
    REQUIRE(no->mod.size() == 1);
    CHECK(no->mod[0].n == 4u);
    CHECK(no->mod[0].kind == "reject");
    CHECK(no->mod[0].by == "host");
    CHECK(no->mod[0].pending == std::optional<std::uint64_t>(2));
    CHECK_FALSE(no->mod[0].seq.has_value());
    REQUIRE(no->mod[0].post.has_value());
    CHECK(no->mod[0].post->cid == "k1");
    CHECK(c.s.head() == before);
    CHECK(c.s.waiting_posts().empty());
    CHECK_ERR(c.act(mr_k, post("k1", "A1: also held"), at_min(12)), error_code::not_allowed);
    CHECK_ERR(c.act(host, on_pending(mod_action::reject, 2), at_min(12)), error_code::not_found);
    CHECK_ERR(c.act(host, on_pending(mod_action::approve, 2), at_min(12)), error_code::not_found);
    // The same cid of another author is another post.
    CHECK(c.pending_post(lee, "k1", "A1: mine", at_min(12)) == 5u);
    // A new cid of the rejected author waits again.
    CHECK(c.pending_post(mr_k, "k2", "A1: second try", at_min(12)) == 6u);
}

TEST_CASE("slowdown_seconds allows a participant one post per that many seconds", "[moderation]") {
    mod_chat c(slowed(30));
    const auto lee = c.enter("ms_lee");
    const auto mr_k = c.enter("mr_k");
    const auto host = c.enter("host", true);

    const auto first = c.post_seq(lee, "p1", "A1: one", at_min(6));
    auto soon = c.act(lee, post("p2", "A1: two"), at_min(6, 10000));
    REQUIRE(test::code_of(soon) == code_name(error_code::rate_limited));
    CHECK(soon.err().retry_after_ms == std::optional<long long>(20000));
    auto almost = c.act(lee, post("p2", "A1: two"), at_min(6, 29999));
    REQUIRE(test::code_of(almost) == code_name(error_code::rate_limited));
    CHECK(almost.err().retry_after_ms == std::optional<long long>(1));

    // A resend of a post that was taken is still recognised.
    auto dup = c.act(lee, post("p1", "A1: one"), at_min(6, 5000));
    REQUIRE_OK(dup);
    CHECK(dup->duplicate_of == first);

    // Each participant has their own clock; moderators have none.
    CHECK_OK(c.act(mr_k, post("k1", "A1: mine"), at_min(6, 1000)));
    CHECK_OK(c.act(host, post("h1", "A1: host one"), at_min(6, 1000)));
    CHECK_OK(c.act(host, post("h2", "A1: host two"), at_min(6, 1001)));
    CHECK_OK(c.act(host, post("h3", "A1: host three"), at_min(6, 1002)));

    // After N seconds the next post is taken, and the clock starts again.
    CHECK_OK(c.act(lee, post("p2", "A1: two"), at_min(6, 30000)));
    auto next = c.act(lee, post("p3", "A1: three"), at_min(6, 45000));
    REQUIRE(test::code_of(next) == code_name(error_code::rate_limited));
    CHECK(next.err().retry_after_ms == std::optional<long long>(15000));
    CHECK_OK(c.act(lee, post("p3", "A1: three"), at_min(7)));

    // Likes and edits are not slowed.
    CHECK_OK(c.act(lee, core::like_cmd{first, true}, at_min(7, 1)));
    CHECK_OK(c.act(lee, core::edit_cmd{first, "A1: one, edited"}, at_min(7, 2)));
}

TEST_CASE("the moderators' log counts every entry without gaps", "[moderation]") {
    mod_chat c(premoderated());
    const auto lee = c.enter("ms_lee");
    c.enter("mr_k");
    const auto host = c.enter("host", true);
    const auto h = c.post_seq(host, "h1", "A0: welcome", at_min(1));
    const auto n1 = c.pending_post(lee, "p1", "A0: hi", at_min(2));
    REQUIRE_OK(c.act(host, on_pending(mod_action::approve, n1), at_min(3)));
    REQUIRE_OK(c.act(host, on_post(mod_action::pin, h), at_min(3)));
    REQUIRE_OK(c.act(host, on_member(mod_action::mute, "mr_k"), at_min(3)));
    REQUIRE_OK(c.act(host, ban_address("mr_k", {"a"}), at_min(3)));
    REQUIRE_OK(c.act(host, core::control_cmd{core::control_action::next, 0}, at_min(4)));
    const auto lee_post = c.mods[1].seq;
    REQUIRE(lee_post.has_value());
    REQUIRE_OK(c.act(host, core::delete_cmd{*lee_post}, at_min(4)));

    const std::vector<std::string> kinds = {"pending", "approve", "pin",   "mute",
                                            "ban",     "control", "delete"};
    REQUIRE(c.mods.size() == kinds.size());
    for (std::size_t i = 0; i < c.mods.size(); ++i) {
        INFO("entry " << i);
        CHECK(c.mods[i].n == i + 1);
        CHECK(c.mods[i].kind == kinds[i]);
        CHECK(c.mods[i].by == (i == 0 ? "ms_lee" : "host"));
    }
    CHECK(c.s.mod_head() == kinds.size());
}

TEST_CASE("replaying the public log and the moderators' log rebuilds moderation state",
          "[moderation]") {
    mod_chat c(premoderated());
    const auto lee = c.enter("ms_lee");
    const auto mr_k = c.enter("mr_k");
    const auto troll = c.enter("troll_42", false, "addr-t");
    c.enter("spam_bot");
    const auto host = c.enter("host", true);

    const auto h1 = c.post_seq(host, "h1", "A0: welcome", at_min(1));
    const auto n1 = c.pending_post(lee, "p1", "A0: first", at_min(2));
    auto approved = c.act(host, on_pending(mod_action::approve, n1), at_min(3));
    REQUIRE_OK(approved);
    const auto a = approved->events.at(0).seq;
    const auto n2 = c.pending_post(lee, "p2", "A0: rejected", at_min(3));
    REQUIRE_OK(c.act(host, on_pending(mod_action::reject, n2), at_min(4)));
    const auto n3 = c.pending_post(lee, "p3", "A0: still waiting", at_min(4));
    const auto nk = c.pending_post(mr_k, "k1", "A0: from k", at_min(4));
    auto approved_k = c.act(host, on_pending(mod_action::approve, nk), at_min(5));
    REQUIRE_OK(approved_k);
    const auto b = approved_k->events.at(0).seq;
    REQUIRE_OK(c.act(host, on_post(mod_action::hide, a), at_min(6)));
    REQUIRE_OK(c.act(host, on_post(mod_action::pin, b), at_min(6)));
    REQUIRE_OK(c.act(host, on_member(mod_action::mute, "mr_k"), at_min(6)));
    REQUIRE_OK(c.act(host, ban_address("troll_42", {"addr-t"}), at_min(7)));
    REQUIRE_OK(c.act(host, on_member(mod_action::ban, "spam_bot"), at_min(7)));
    REQUIRE_OK(c.act(host, on_member(mod_action::unban, "spam_bot"), at_min(8)));

    const bool through_json = GENERATE(false, true);
    INFO((through_json ? "through JSON (serialize_event, store_mod)" : "directly"));
    auto replayed = c.replay(through_json);

    CHECK(replayed.head() == c.s.head());
    CHECK(replayed.mod_head() == c.s.mod_head());
    CHECK(replayed.is_muted("mr_k"));
    CHECK(replayed.is_banned("troll_42"));
    CHECK_FALSE(replayed.is_banned("spam_bot"));

    // Both sessions answer the same way from here on.
    for (auto* s : {&c.s, &replayed}) {
        INFO((s == &c.s ? "live session" : "replayed session"));
        const auto now = at_min(9);

        const auto waiting = s->waiting_posts();
        REQUIRE(waiting.size() == 1);
        CHECK(waiting[0].n == n3);
        REQUIRE(waiting[0].post.has_value());
        CHECK(waiting[0].post->cid == "p3");
        CHECK(waiting[0].post->author == "ms_lee");

        // cids: approved, rejected, waiting, the moderator's own.
        auto r = s->handle(lee, post("p1", "A0: first"), now);
        REQUIRE_OK(r);
        CHECK(r->duplicate_of == a);
        CHECK_ERR(s->handle(lee, post("p2", "A0: rejected"), now), error_code::not_allowed);
        r = s->handle(lee, post("p3", "A0: still waiting"), now);
        REQUIRE_OK(r);
        CHECK(r->pending == std::optional<std::uint64_t>(n3));
        CHECK_FALSE(r->duplicate_of.has_value());
        r = s->handle(mr_k, post("k1", "A0: from k"), now);
        REQUIRE_OK(r);
        CHECK(r->duplicate_of == b);
        r = s->handle(host, post("h1", "A0: welcome"), now);
        REQUIRE_OK(r);
        CHECK(r->duplicate_of == h1);

        // Hidden and pinned.
        CHECK_ERR(s->handle(host, core::like_cmd{a, true}, now), error_code::not_found);
        CHECK_ERR(s->handle(host, on_post(mod_action::hide, a), now), error_code::bad_request);
        CHECK_ERR(s->handle(host, on_post(mod_action::pin, b), now), error_code::bad_request);
        CHECK_ERR(s->handle(host, on_post(mod_action::unhide, b), now), error_code::bad_request);
        CHECK_OK(s->handle(host, core::like_cmd{b, true}, now));

        // Muted, banned, unbanned.
        CHECK_ERR(s->handle(mr_k, post("k2", "A0: muted"), now), error_code::muted);
        CHECK_ERR(s->handle(troll, post("t1", "A0: banned"), now), error_code::banned);
        CHECK_ERR(s->join(join_req("troll_42")), error_code::banned);
        auto from_troll_address = join_req("newbie");
        from_troll_address.address_hash = "addr-t";
        CHECK_ERR(s->join(from_troll_address), error_code::banned);
        auto spam_back = join_req("spam_bot");
        spam_back.token_hash = "token-hash-of-spam_bot";
        CHECK_OK(s->join(spam_back));
        CHECK_ERR(s->handle(host, on_member(mod_action::unban, "spam_bot"), now),
                  error_code::bad_request);

        // The next public event and the next entry continue both counters.
        const auto head = s->head();
        const auto mod_head = s->mod_head();
        auto un = s->handle(host, on_post(mod_action::unhide, a), now);
        REQUIRE_OK(un);
        CHECK(un->events.at(0).seq == head + 1);
        CHECK(un->mod.at(0).n == mod_head + 1);
        auto next = s->handle(lee, post("p4", "A0: next"), now);
        REQUIRE_OK(next);
        CHECK(next->pending == std::optional<std::uint64_t>(mod_head + 2));
        CHECK(s->waiting_posts().size() == 2);
        auto ok = s->handle(host, on_pending(mod_action::approve, n3), now);
        REQUIRE_OK(ok);
        CHECK(std::get<core::post_event>(ok->events.at(0).body).cid == "p3");
    }
}

TEST_CASE("replay after an address ban was lifted leaves the addresses open", "[moderation]") {
    // The unban is a public event and the address is in the ban's moderators' log entry; in log
    // order (all events, then all entries) the entry comes after the unban.
    mod_chat c;
    c.enter("troll_42", false, "addr-t");
    const auto host = c.enter("host", true);
    REQUIRE_OK(c.act(host, ban_address("troll_42", {"addr-t"}), at_min(6)));
    REQUIRE_OK(c.act(host, on_member(mod_action::unban, "troll_42"), at_min(7)));

    auto from_address = join_req("newbie");
    from_address.address_hash = "addr-t";
    CHECK_OK(c.s.join(from_address));

    const bool through_json = GENERATE(false, true);
    INFO((through_json ? "through JSON (serialize_event, store_mod)" : "directly"));
    auto troll_back = join_req("troll_42");
    troll_back.token_hash = "token-hash-of-troll_42";
    troll_back.address_hash = "addr-t";
    auto from_new_address = join_req("newbie");
    from_new_address.address_hash = "addr-u";

    SECTION("lifted") {
        auto replayed = c.replay(through_json);
        CHECK_FALSE(replayed.is_banned("troll_42"));
        CHECK_OK(replayed.join(from_address));
        CHECK_OK(replayed.join(troll_back));
    }
    SECTION("banned again from another address: only the new ban holds") {
        REQUIRE_OK(c.act(host, ban_address("troll_42", {"addr-u"}), at_min(8)));
        CHECK_OK(c.s.join(from_address));
        CHECK_ERR(c.s.join(from_new_address), error_code::banned);
        auto replayed = c.replay(through_json);
        CHECK(replayed.is_banned("troll_42"));
        CHECK_OK(replayed.join(from_address));
        CHECK_ERR(replayed.join(from_new_address), error_code::banned);
        CHECK_ERR(replayed.join(troll_back), error_code::banned);
    }
}

TEST_CASE("replay gives the same slow-down clock as the live session", "[moderation]") {
    core::session_options options;
    options.premoderation = true;
    options.slowdown_seconds = 60;
    mod_chat c(options);
    const auto lee = c.enter("ms_lee");
    const auto host = c.enter("host", true);
    c.tick(at_min(6));
    const auto n1 = c.pending_post(lee, "p1", "A1: one", at_min(6));
    c.pending_post(lee, "p2", "A1: two", at_min(7));
    // The older post is approved after the newer one was sent.
    REQUIRE_OK(c.act(host, on_pending(mod_action::approve, n1), at_min(7, 30000)));

    auto replayed = c.replay(false);
    const auto now = at_min(8, 10000);
    auto live = c.s.handle(lee, post("p3", "A1: three"), now);
    auto again = replayed.handle(lee, post("p3", "A1: three"), now);
    CHECK(test::describe(live) == test::describe(again));
    if (!live.ok() && !again.ok()) CHECK(live.err().retry_after_ms == again.err().retry_after_ms);
}
