// Server-to-client messages other than events: welcome, ack, ok, error, pong, presence.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/events.hpp"
#include "core/session.hpp"

namespace hashchat::protocol {

inline constexpr int protocol_version = 1;

std::string welcome_message(const core::session& s, const core::actor& you,
                            const std::optional<std::string>& issued_token, std::size_t online,
                            core::instant now, const std::optional<std::string>& rid);
// A read-only viewer's welcome: `you` is {"role":"viewer"} (no handle, no token).
std::string viewer_welcome_message(const core::session& s, std::size_t online, core::instant now,
                                   const std::optional<std::string>& rid);
std::string ack_message(const std::string& cid, core::seq_t seq,
                        const std::optional<std::string>& rid);
std::string pending_ack_message(const std::string& cid, std::uint64_t pending,
                                const std::optional<std::string>& rid);
std::string ok_message(const std::optional<std::string>& rid, std::optional<core::seq_t> seq);
std::string error_message(const core::error& e, const std::optional<std::string>& rid,
                          const std::optional<std::string>& cid);
std::string pong_message(const std::optional<std::string>& rid);
std::string presence_message(std::size_t online);

// {"error":CODE,"message":TEXT} for HTTP.
std::string http_error_body(std::string_view code, std::string_view message);

}  // namespace hashchat::protocol
