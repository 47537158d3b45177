// A session under test and the helpers that drive it, shared by the session tests.
#pragma once

#include <string>
#include <vector>

#include "core/session.hpp"
#include "test_support.hpp"

namespace hashchat::test {

inline const std::string moderator_key_hash = "hash-of-moderator-key";

inline core::join_request join_req(std::string handle, std::string name = "Someone") {
    core::join_request r;
    r.handle = std::move(handle);
    r.name = std::move(name);
    r.new_token_hash = "token-hash-of-" + r.handle;
    return r;
}

// A session with the sample timetable (intro 0-5, Q1 5-13, Q2 13-21, Q3 21-29, wrap-up 29-34)
// and the events it has produced so far.
struct chat {
    core::session s{test::sample_config(), {moderator_key_hash}};
    std::vector<core::event> log;

    core::actor join(const std::string& handle, bool moderator = false) {
        auto req = join_req(handle, "Name of " + handle);
        if (moderator) req.key_hash = moderator_key_hash;
        auto r = s.join(req);
        INFO("join " << handle);
        REQUIRE_OK(r);
        if (r->member_changed) s.set_member(r->registered);
        return r->who;
    }

    void tick(core::instant now) {
        for (auto& e : s.tick(now)) log.push_back(e);
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

    // A post that must succeed; its event.
    core::post_event post_ok(const core::actor& who, core::post_cmd cmd, core::instant now,
                             core::seq_t* seq = nullptr) {
        auto r = run(who, cmd, now);
        INFO("post cid=" << cmd.cid << " text=\"" << cmd.text << "\"");
        REQUIRE_OK(r);
        REQUIRE(r->events.size() == 1);
        INFO("event: " << r->events[0]);
        const auto* p = std::get_if<core::post_event>(&r->events[0].body);
        REQUIRE(p != nullptr);
        if (seq) *seq = r->events[0].seq;
        return *p;
    }

    core::seq_t post_seq(const core::actor& who, const std::string& cid, const std::string& text,
                         core::instant now) {
        core::seq_t seq = 0;
        post_ok(who, core::post_cmd{cid, text, {}, {}}, now, &seq);
        return seq;
    }
};

inline core::post_cmd post(std::string cid, std::string text) {
    return core::post_cmd{std::move(cid), std::move(text), {}, {}};
}

inline std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace hashchat::test
