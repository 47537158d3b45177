// iCalendar (RFC 5545) for a session: its events in local time with their VTIMEZONE, a stable
// UID, and the join link.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/session.hpp"

namespace hashchat::protocol {

// `base_url` is where participants reach the server (e.g. "http://192.168.1.20:8080"). A live
// chat is one event from its start to its planned end; a slow chat has one event per release. A
// chat without a scheduled start has nothing to put in a calendar (not_found).
core::result<std::string> session_calendar(const core::session_config& config,
                                           std::string_view base_url, core::instant now);

// Several sessions in one calendar (a series): `name` names it. Sessions without a start are
// left out; none at all is not_found.
core::result<std::string> sessions_calendar(const std::vector<core::session_config>& configs,
                                            std::string_view name, std::string_view base_url,
                                            core::instant now);

// TEXT value escaping (backslash, semicolon, comma, line breaks), RFC 5545 3.3.11.
std::string ical_escape(std::string_view text);

// Folds a content line at 75 octets without splitting a UTF-8 sequence (RFC 5545 3.1).
std::string ical_fold(std::string_view line);

}  // namespace hashchat::protocol
