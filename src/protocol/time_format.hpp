// Instants on the wire: ISO 8601 in UTC with milliseconds, and local times in IANA zones.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"

namespace hashchat::protocol {

// "2026-11-26T19:00:00.000Z"
std::string format_instant(core::instant t);

// Accepts "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z" or "+HH:MM"/"-HH:MM".
std::optional<core::instant> parse_instant(std::string_view s);

// A local wall time "YYYY-MM-DDTHH:MM[:SS]" in an IANA zone. A time that does not exist (skipped
// by a daylight-saving change) is an error; an ambiguous one takes the earlier instant.
core::result<core::instant> local_to_instant(std::string_view local, std::string_view zone);

// The local wall time ("YYYY-MM-DDTHH:MM:SS") of an instant in an IANA zone.
core::result<std::string> local_time_text(core::instant t, std::string_view zone);

// The local calendar date ("YYYY-MM-DD") of an instant in an IANA zone.
core::result<std::string> local_date(core::instant t, std::string_view zone);

// Slow chats: the instants of `count` releases from `start`. Either every `every_hours` hours,
// or once a day at the local time `release_time` ("HH:MM"; default: start's local time of day)
// in `zone`, from the first such instant at or after `start`: the same wall-clock time every day
// across daylight-saving changes (a time the clocks skip becomes the instant they jump).
core::result<std::vector<core::instant>> slow_releases(
    core::instant start, std::string_view zone, const std::optional<std::string>& release_time,
    std::optional<int> every_hours, std::size_t count);

// True if the IANA zone is known to the system's time zone database.
bool known_zone(std::string_view zone);

}  // namespace hashchat::protocol
