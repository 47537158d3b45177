// Events as JSON: the one serialization that is sent to every member and kept in the store.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/events.hpp"
#include "core/session.hpp"
#include "core/timetable.hpp"

namespace hashchat::protocol {

// {"type":"event","seq":..,"at":..,"kind":..,...}; the post's cid is not included.
std::string serialize_event(const core::event& e);
// The same, always through nlohmann::json: the reference serialize_event is tested against.
std::string serialize_event_with_library(const core::event& e);

// Appends `s` as a JSON string, byte for byte as nlohmann::json's dump (see `dump`) writes it.
void append_json_string(std::string& out, std::string_view s);

// The inverse of serialize_event, for replaying the store. `cid` comes from its own column.
std::optional<core::event> parse_event(std::string_view json_text, std::string cid);

// A moderators' log entry as sent to moderators ({"type":"mod",...}, no address hashes), and
// as kept in the store (with them), and back from the store.
std::string serialize_mod(const core::mod_entry& m);
std::string store_mod(const core::mod_entry& m);
std::optional<core::mod_entry> parse_mod(std::string_view json_text);

// The phase object of an event or of the session view.
nlohmann::json phase_json(const core::phase_state& s, std::optional<int> round,
                          const std::optional<std::string>& question);

// Compact serialization that never throws (invalid UTF-8 is replaced).
std::string dump(const nlohmann::json& j);

}  // namespace hashchat::protocol
