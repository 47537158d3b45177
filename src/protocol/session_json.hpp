// Sessions as JSON: the create request, the stored configuration and the public view.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/session.hpp"

namespace hashchat::protocol {

// Parses and validates POST /api/sessions. The id is left empty; see id_base().
core::result<core::session_config> parse_create_request(std::string_view body, core::instant now);

// A session of a series: like a creation request, but it may have no questions yet.
core::result<core::session_config> parse_series_session(std::string_view body, core::instant now,
                                                        const std::string& series);

// PATCH /api/sessions/{id}: the configuration with the request's fields replaced, validated like
// a new one (hashtag and mode cannot change; an unchanged start may be in the past).
core::result<core::session_config> apply_patch(const core::session_config& current,
                                               std::string_view patch, core::instant now);

// "pubpd-2026-11-26": the hashtag's slug and the start's local date (or today's, unscheduled).
std::string id_base(const core::session_config& config);

// Full-fidelity configuration for the store, and back.
std::string config_to_json(const core::session_config& config);
std::optional<core::session_config> config_from_json(std::string_view text);

// The public view of a session (no secrets).
nlohmann::json session_view(const core::session& s, std::size_t online);

}  // namespace hashchat::protocol
