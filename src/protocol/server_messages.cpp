#include "protocol/server_messages.hpp"

#include <nlohmann/json.hpp>

#include "protocol/event_json.hpp"
#include "protocol/session_json.hpp"
#include "protocol/time_format.hpp"

namespace hashchat::protocol {

using nlohmann::json;

namespace {
void add_rid(json& j, const std::optional<std::string>& rid) {
    if (rid) j["rid"] = *rid;
}
}  // namespace

namespace {
std::string welcome_with(const core::session& s, json who, std::size_t online, core::instant now,
                         const std::optional<std::string>& rid) {
    json j{{"type", "welcome"},          {"protocol", protocol_version},
           {"now", format_instant(now)}, {"head", s.head()},
           {"you", std::move(who)},      {"session", session_view(s, online)}};
    add_rid(j, rid);
    return dump(j);
}
}  // namespace

std::string welcome_message(const core::session& s, const core::actor& you,
                            const std::optional<std::string>& issued_token, std::size_t online,
                            core::instant now, const std::optional<std::string>& rid) {
    json who{{"handle", you.handle}, {"name", you.name}, {"role", core::to_string(you.who)}};
    if (issued_token) who["token"] = *issued_token;
    return welcome_with(s, std::move(who), online, now, rid);
}

std::string viewer_welcome_message(const core::session& s, std::size_t online, core::instant now,
                                   const std::optional<std::string>& rid) {
    return welcome_with(s, json{{"role", "viewer"}}, online, now, rid);
}

std::string ack_message(const std::string& cid, core::seq_t seq,
                        const std::optional<std::string>& rid) {
    json j{{"type", "ack"}, {"cid", cid}, {"seq", seq}};
    add_rid(j, rid);
    return dump(j);
}

std::string pending_ack_message(const std::string& cid, std::uint64_t pending,
                                const std::optional<std::string>& rid) {
    json j{{"type", "ack"}, {"cid", cid}, {"pending", pending}};
    add_rid(j, rid);
    return dump(j);
}

std::string ok_message(const std::optional<std::string>& rid, std::optional<core::seq_t> seq) {
    json j{{"type", "ok"}};
    add_rid(j, rid);
    if (seq) j["seq"] = *seq;
    return dump(j);
}

std::string error_message(const core::error& e, const std::optional<std::string>& rid,
                          const std::optional<std::string>& cid) {
    json j{{"type", "error"}, {"code", core::to_string(e.code)}, {"message", e.message}};
    add_rid(j, rid);
    if (cid) j["cid"] = *cid;
    if (e.retry_after_ms) j["retry_after_ms"] = *e.retry_after_ms;
    return dump(j);
}

std::string pong_message(const std::optional<std::string>& rid) {
    json j{{"type", "pong"}};
    add_rid(j, rid);
    return dump(j);
}

std::string presence_message(std::size_t online) {
    return dump(json{{"type", "presence"}, {"online", online}});
}

std::string http_error_body(std::string_view code, std::string_view message) {
    return dump(json{{"error", code}, {"message", message}});
}

}  // namespace hashchat::protocol
