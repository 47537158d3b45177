// Rules the room applies around the session: whose commands wait while fan-out is behind, which
// resume tokens are strong enough to register a handle, whom a ban closes. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/events.hpp"
#include "core/session.hpp"

namespace hashchat::core {

// A client-made resume token long enough to register a new handle with (22 to 128 characters:
// at least 128 bits in base64url), so that a handle cannot be claimed with a guessable one.
bool strong_token(std::string_view token);

// While fan-out is behind, participants' commands wait in the room's queue (their acks come
// later); moderators' never do, so the people running the chat keep control of it.
bool waits_under_load(role r);

// Whether a ban entry closes a connection: every connection of the banned handle, and with an
// address ban every participant's from those addresses. Moderators (who may sit in the same pub
// or school) and viewers (`who` null: a pub screen) stay.
bool ban_closes(const mod_entry& ban, const actor* who, const std::string& address_hash);

}  // namespace hashchat::core
