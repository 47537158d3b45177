#include "protocol/series_json.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <array>
#include <nlohmann/json.hpp>

#include "core/session_rules.hpp"
#include "core/text.hpp"
#include "protocol/client_messages.hpp"
#include "protocol/event_json.hpp"
#include "protocol/time_format.hpp"

namespace hashchat::protocol {

namespace {

using nlohmann::json;

// "YYYY-MM-DD" exactly. (date::parse is not used: at -O2 gcc 12 reports a false
// maybe-uninitialized inside it.)
std::optional<date::year_month_day> parse_day(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    int fields[3] = {0, 0, 0};
    const std::size_t starts[3] = {0, 5, 8};
    const std::size_t lengths[3] = {4, 2, 2};
    for (int f = 0; f < 3; ++f) {
        for (std::size_t i = starts[f]; i < starts[f] + lengths[f]; ++i) {
            if (s[i] < '0' || s[i] > '9') return std::nullopt;
            fields[f] = fields[f] * 10 + (s[i] - '0');
        }
    }
    const date::year_month_day ymd{date::year{fields[0]},
                                   date::month{static_cast<unsigned>(fields[1])},
                                   date::day{static_cast<unsigned>(fields[2])}};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

constexpr std::array<const char*, 7> weekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                 "thursday", "friday", "saturday"};

core::error bad(std::string message) {
    return core::make_error(core::error_code::bad_request, std::move(message));
}

bool valid_hhmm(const std::string& t) {
    return t.size() == 5 && t[2] == ':' && std::isdigit(static_cast<unsigned char>(t[0])) &&
           std::isdigit(static_cast<unsigned char>(t[1])) &&
           std::isdigit(static_cast<unsigned char>(t[3])) &&
           std::isdigit(static_cast<unsigned char>(t[4])) && std::stoi(t.substr(0, 2)) < 24 &&
           std::stoi(t.substr(3, 2)) < 60;
}

std::optional<std::string> text_field(const json& j, const char* name, std::string& out) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) return std::string("\"") + name + "\" must be a string.";
    out = it->get<std::string>();
    return std::nullopt;
}

}  // namespace

core::result<series_request> parse_series_request(std::string_view body, core::instant now) {
    if (body.size() > 64 * 1024) return bad("The request is too large.");
    if (json_too_deep(body)) return bad("The request is nested too deeply.");
    const json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad("The request must be a JSON object.");
    static const std::array<const char*, 15> known = {
        "hashtag",       "title",        "description",    "timezone", "weekday",
        "time",          "every_weeks",  "first_date",     "count",    "intro_minutes",
        "round_minutes", "talk_minutes", "wrapup_minutes", "options",  "mode"};
    for (const auto& [key, value] : j.items()) {
        if (std::find_if(known.begin(), known.end(), [&](const char* k) { return key == k; }) ==
            known.end()) {
            return bad("Unknown field \"" + key.substr(0, 40) + "\".");
        }
    }
    series_request out;
    auto& s = out.series;
    s.created_at = now;
    std::string weekday = "thursday";
    std::string first_date;
    for (auto [name, target] :
         {std::pair{"hashtag", &s.hashtag}, std::pair{"title", &s.title},
          std::pair{"description", &s.description}, std::pair{"timezone", &s.timezone},
          std::pair{"time", &s.time}, std::pair{"weekday", &weekday},
          std::pair{"first_date", &first_date}}) {
        if (auto e = text_field(j, name, *target)) return bad(*e);
    }
    if (j.contains("mode") && j["mode"] != "live") {
        return bad("A series runs live chats (\"mode\": \"live\").");
    }
    if (!core::valid_hashtag(s.hashtag)) return bad("\"hashtag\" must be like #ukedchat.");
    if (s.hashtag.front() != '#') s.hashtag.insert(0, "#");
    const auto title_len = core::utf8_length(s.title);
    if (!title_len || *title_len == 0 || *title_len > 200 || core::is_blank(s.title)) {
        return bad("\"title\" must be 1 to 200 characters.");
    }
    if (!core::utf8_length(s.description) || s.description.size() > 8000) {
        return bad("\"description\" must be text of at most 2000 characters.");
    }
    if (!known_zone(s.timezone)) {
        return bad("Unknown time zone \"" + s.timezone.substr(0, 64) +
                   "\"; use an IANA name such as Europe/London.");
    }
    for (auto& c : weekday) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto wd = std::find(weekdays.begin(), weekdays.end(), weekday);
    if (wd == weekdays.end()) return bad("\"weekday\" must be a day such as \"thursday\".");
    s.weekday = static_cast<int>(wd - weekdays.begin());
    if (!valid_hhmm(s.time)) return bad("\"time\" must be a local time like 20:00.");
    auto int_field = [&](const char* name, int lo, int hi, int fallback) -> core::result<int> {
        auto it = j.find(name);
        if (it == j.end() || it->is_null()) return fallback;
        if (!it->is_number_integer() || it->get<long long>() < lo || it->get<long long>() > hi) {
            return bad(std::string("\"") + name + "\" must be " + std::to_string(lo) + " to " +
                       std::to_string(hi) + ".");
        }
        return it->get<int>();
    };
    auto every = int_field("every_weeks", 1, 4, 1);
    if (!every) return every.err();
    s.every_weeks = *every;
    auto count = int_field("count", 1, 12, 4);
    if (!count) return count.err();

    // Dates of the first sessions: the first such weekday (from first_date, or from today if the
    // time is still ahead), then every `every_weeks` weeks, at `time` local.
    const auto* tz = date::locate_zone(s.timezone);
    date::local_days day;
    if (!first_date.empty()) {
        const auto ymd = parse_day(first_date);
        if (!ymd) return bad("\"first_date\" must be a date like 2026-11-26.");
        day = date::local_days{*ymd};
        if (date::weekday{day}.c_encoding() != static_cast<unsigned>(s.weekday)) {
            return bad("\"first_date\" is not a " + weekday + ".");
        }
    } else {
        day = date::floor<date::days>(tz->to_local(now));
        while (date::weekday{day}.c_encoding() != static_cast<unsigned>(s.weekday)) {
            day += date::days(1);
        }
    }
    json defaults = json::object();
    for (const char* k :
         {"intro_minutes", "round_minutes", "talk_minutes", "wrapup_minutes", "options"}) {
        if (j.contains(k)) defaults[k] = j[k];
    }
    s.session_defaults = dump(defaults);
    out.session_bodies = next_sessions(s, date::format("%Y-%m-%d", day), now, *count);
    return out;
}

std::vector<std::string> next_sessions(const series_config& s, const std::string& from_date,
                                       core::instant now, int count) {
    const auto ymd = parse_day(from_date);
    if (!ymd) return {};
    date::local_days day{*ymd};
    while (date::weekday{day}.c_encoding() != static_cast<unsigned>(s.weekday)) {
        day += date::days(1);
    }
    const json defaults = json::parse(s.session_defaults);
    std::vector<std::string> out;
    for (int k = 0; static_cast<int>(out.size()) < count && k <= count; ++k) {
        const auto d = day + date::days(7 * s.every_weeks * k);
        const std::string start = date::format("%Y-%m-%d", d) + "T" + s.time + ":00";
        auto at = local_to_instant(start, s.timezone);
        if (at && *at < now) continue;  // today's is already over
        json session = defaults;
        session["hashtag"] = s.hashtag;
        session["title"] = s.title;
        session["description"] = s.description;
        session["timezone"] = s.timezone;
        session["start"] = start;
        session["questions"] = json::array();
        out.push_back(dump(session));
    }
    return out;
}

std::string next_series_day(const series_config& s, std::optional<core::instant> last_start,
                            core::instant now) {
    std::string from;
    if (auto today = local_time_text(now, s.timezone)) from = today->substr(0, 10);
    if (last_start) {
        if (auto day = local_time_text(*last_start + std::chrono::hours(24), s.timezone)) {
            from = day->substr(0, 10);
        }
    }
    return from;
}

std::string series_id_base(const series_config& s) { return core::slug_of(s.hashtag); }

std::string series_to_json(const series_config& s) {
    return dump(json{{"id", s.id},
                     {"hashtag", s.hashtag},
                     {"title", s.title},
                     {"description", s.description},
                     {"timezone", s.timezone},
                     {"weekday", weekdays[static_cast<std::size_t>(s.weekday)]},
                     {"time", s.time},
                     {"every_weeks", s.every_weeks},
                     {"created_at", format_instant(s.created_at)},
                     {"session_defaults", json::parse(s.session_defaults)}});
}

std::optional<series_config> series_from_json(std::string_view text) {
    try {
        const json j = json::parse(text);
        series_config s;
        s.id = j.at("id").get<std::string>();
        s.hashtag = j.at("hashtag").get<std::string>();
        s.title = j.at("title").get<std::string>();
        s.description = j.at("description").get<std::string>();
        s.timezone = j.at("timezone").get<std::string>();
        const auto wd =
            std::find(weekdays.begin(), weekdays.end(), j.at("weekday").get<std::string>());
        if (wd == weekdays.end()) return std::nullopt;
        s.weekday = static_cast<int>(wd - weekdays.begin());
        s.time = j.at("time").get<std::string>();
        s.every_weeks = j.at("every_weeks").get<int>();
        auto created = parse_instant(j.at("created_at").get<std::string>());
        if (!created) return std::nullopt;
        s.created_at = *created;
        s.session_defaults = dump(j.at("session_defaults"));
        return s;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

json series_view(const series_config& s, json sessions) {
    json j = json::parse(series_to_json(s));
    j.erase("session_defaults");
    j["sessions"] = std::move(sessions);
    return j;
}

}  // namespace hashchat::protocol
