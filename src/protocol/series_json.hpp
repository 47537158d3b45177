// Chat series (a recurring chat: a weekly or every-N-weeks rule in a time zone) as JSON: the
// create request, the stored form, and the creation requests of its sessions.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"

namespace hashchat::protocol {

struct series_config {
    std::string id;
    std::string hashtag;
    std::string title;
    std::string description;
    std::string timezone = "UTC";
    int weekday = 4;  // 0 Sunday ... 6 Saturday
    std::string time = "20:00";
    int every_weeks = 1;
    core::instant created_at;
    std::string session_defaults;  // JSON: minutes and options for its sessions
};

struct series_request {
    series_config series;
    std::vector<std::string> session_bodies;  // creation requests of its first sessions
};

// Parses and validates POST /api/series. The id is left empty (see series_id_base).
core::result<series_request> parse_series_request(std::string_view body, core::instant now);

// Creation requests of the next `count` sessions on the series' rule, from the first matching
// weekday on or after `from_date` ("YYYY-MM-DD", local) whose start is not before `now`.
std::vector<std::string> next_sessions(const series_config& s, const std::string& from_date,
                                       core::instant now, int count);

// Where a series' next sessions are looked for ("YYYY-MM-DD" in its zone): the day after its last
// session's start, or today if it has none (or its last had no start).
std::string next_series_day(const series_config& s, std::optional<core::instant> last_start,
                            core::instant now);

// "#ukedchat" -> "ukedchat".
std::string series_id_base(const series_config& s);

std::string series_to_json(const series_config& s);
std::optional<series_config> series_from_json(std::string_view text);

// The public view, with its sessions' views (oldest first).
nlohmann::json series_view(const series_config& s, nlohmann::json sessions);

}  // namespace hashchat::protocol
