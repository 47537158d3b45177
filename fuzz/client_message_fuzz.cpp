// libFuzzer: any frame a client can send, parsed and (when it is a command) run against a live
// session. Nothing may crash, and a refused command must leave the session as it was.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/session.hpp"
#include "protocol/client_messages.hpp"
#include "protocol/event_json.hpp"
#include "protocol/server_messages.hpp"

using namespace hashchat;

namespace {

core::session make_session() {
    core::session_config c;
    c.id = "fuzz";
    c.hashtag = "#Fuzz";
    c.title = "Fuzz";
    c.timetable.questions = {{"Q1", std::nullopt, std::nullopt}, {"Q2", 2, 3}};
    c.options.premoderation = false;
    core::session s(c, {"owner-key-hash"});
    s.set_member({"alice", "Alice", "token-hash"});
    s.set_member({"host", "Host", "token-hash-2"});
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view frame(reinterpret_cast<const char*>(data), size);
    auto msg = protocol::parse_client_message(frame);
    if (const auto* e = msg.error()) {
        (void)protocol::error_message(*e, msg.rid, msg.cid);
        return 0;
    }
    const auto* cmd = std::get_if<core::command>(&msg.body);
    if (!cmd) return 0;
    static core::session base = make_session();
    core::session s = base;
    const auto now = core::instant{} + std::chrono::hours(24 * 365 * 56);
    (void)s.tick(now);
    const core::seq_t head = s.head();
    for (const auto& actor : {core::actor{"alice", "Alice", core::role::participant},
                              core::actor{"host", "Host", core::role::moderator}}) {
        auto r = s.handle(actor, *cmd, now);
        if (!r) {
            if (s.head() != head) __builtin_trap();  // a refusal changed the log
            continue;
        }
        for (const auto& e : r->events) {
            // Every event must survive the wire and the store.
            auto back = protocol::parse_event(protocol::serialize_event(e), "");
            if (!back || back->seq != e.seq) __builtin_trap();
        }
        for (const auto& m : r->mod) {
            if (!protocol::parse_mod(protocol::store_mod(m))) __builtin_trap();
        }
    }
    return 0;
}
