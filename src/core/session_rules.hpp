// What a well-formed session is: the ranges of its settings and how its id is made.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/session.hpp"

namespace hashchat::core {

// Checks every field of a new session; the first problem found, in words a moderator understands.
std::optional<error> validate(const session_config& config);

// "#PubPD" -> "pubpd"; anything but letters and digits becomes a single '-'.
std::string slug_of(std::string_view hashtag);

// "#PubPD" or "PubPD": 1-40 letters, digits or underscores after an optional '#'.
bool valid_hashtag(std::string_view hashtag);

}  // namespace hashchat::core
