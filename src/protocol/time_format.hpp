// Instants on the wire: ISO 8601 in UTC with milliseconds, and local times in IANA zones.
#pragma once

#include <optional>
#include <string>
#include <string_view>

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

// The local calendar date ("YYYY-MM-DD") of an instant in an IANA zone.
core::result<std::string> local_date(core::instant t, std::string_view zone);

// True if the IANA zone is known to the system's time zone database.
bool known_zone(std::string_view zone);

}  // namespace hashchat::protocol
