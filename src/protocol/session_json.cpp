#include "protocol/session_json.hpp"

#include <nlohmann/json.hpp>

#include "core/session_rules.hpp"
#include "protocol/client_messages.hpp"
#include "protocol/event_json.hpp"
#include "protocol/time_format.hpp"

namespace hashchat::protocol {

namespace {

using core::error_code;
using nlohmann::json;

core::error bad(std::string message) {
    return core::make_error(error_code::bad_request, std::move(message));
}

// Reads optional fields of known types; the first problem found is kept.
struct field_reader {
    const json& j;
    std::optional<core::error> problem;

    void fail(std::string message) {
        if (!problem) problem = bad(std::move(message));
    }

    void text(const char* name, std::string& out) {
        auto it = j.find(name);
        if (it == j.end() || it->is_null()) return;
        if (!it->is_string()) return fail(std::string("\"") + name + "\" must be a string.");
        out = it->get<std::string>();
    }

    void minutes(const char* name, int& out) {
        auto it = j.find(name);
        if (it == j.end() || it->is_null()) return;
        if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > 100000) {
            return fail(std::string("\"") + name + "\" must be a whole number of minutes.");
        }
        out = it->get<int>();
    }

    void only(std::initializer_list<const char*> names) {
        for (const auto& [key, value] : j.items()) {
            bool known = false;
            for (const char* n : names) known = known || key == n;
            if (!known) fail("Unknown field \"" + key.substr(0, 40) + "\".");
        }
    }
};

std::optional<core::error> read_questions(const json& j, core::live_timetable& tt) {
    auto it = j.find("questions");
    if (it == j.end() || !it->is_array()) {
        return bad("\"questions\" must be a list of questions.");
    }
    for (const auto& q : *it) {
        core::question out;
        if (q.is_string()) {
            out.text = q.get<std::string>();
        } else if (q.is_object()) {
            field_reader r{q, std::nullopt};
            r.only({"text", "talk_minutes", "round_minutes"});
            if (!q.contains("text")) r.fail("Every question needs \"text\".");
            r.text("text", out.text);
            int talk = -1, round = -1;
            r.minutes("talk_minutes", talk);
            r.minutes("round_minutes", round);
            if (r.problem) return r.problem;
            if (talk >= 0) out.talk_minutes = talk;
            if (round >= 0) out.round_minutes = round;
        } else {
            return bad("A question is a string or {\"text\":...}.");
        }
        tt.questions.push_back(std::move(out));
    }
    return std::nullopt;
}

// A slow chat's release rule, turned into the instants of its releases.
std::optional<core::error> read_slow_rule(const json& j, core::session_config& c) {
    auto& tt = c.timetable;
    tt.slow = true;
    if (!tt.start) {
        return bad("A slow chat needs \"start\": the local time of its first release.");
    }
    std::optional<std::string> release_time;
    std::optional<int> every_hours;
    if (auto it = j.find("release_time"); it != j.end() && !it->is_null()) {
        if (!it->is_string()) return bad("\"release_time\" must be a local time like 07:00.");
        release_time = it->get<std::string>();
    }
    if (auto it = j.find("release_every_hours"); it != j.end() && !it->is_null()) {
        if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > 168) {
            return bad("\"release_every_hours\" must be 1 to 168.");
        }
        every_hours = it->get<int>();
    }
    if (release_time && every_hours) {
        return bad("Give \"release_time\" (daily) or \"release_every_hours\", not both.");
    }
    if (auto it = j.find("close_after_hours"); it != j.end() && !it->is_null()) {
        if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > 720) {
            return bad("\"close_after_hours\" must be 1 to 720.");
        }
        tt.close_after = std::chrono::hours(it->get<int>());
    }
    auto releases =
        slow_releases(*tt.start, c.timezone, release_time, every_hours, tt.questions.size());
    if (!releases) return releases.err();
    tt.releases = std::move(*releases);
    c.release_time = release_time;
    c.release_every_hours = every_hours;
    return std::nullopt;
}

}  // namespace

namespace {

core::result<json> parse_body(std::string_view body) {
    if (body.size() > 256 * 1024) return bad("The request is too large.");
    if (json_too_deep(body)) return bad("The request is nested too deeply.");
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) return bad("The request is not valid JSON.");
    if (!j.is_object()) return bad("The request must be a JSON object.");
    return j;
}

core::result<core::session_config> parse_request(const json& j, core::instant now,
                                                 bool check_past_start,
                                                 const std::optional<std::string>& series) {
    core::session_config c;
    c.series = series;
    c.created_at = now;
    c.timezone = "UTC";
    field_reader r{j, std::nullopt};
    r.only({"hashtag", "title", "description", "mode", "timezone", "start", "questions",
            "intro_minutes", "round_minutes", "talk_minutes", "wrapup_minutes", "options",
            "release_time", "release_every_hours", "close_after_hours"});
    if (!j.contains("hashtag")) r.fail("\"hashtag\" is missing.");
    if (!j.contains("title")) r.fail("\"title\" is missing.");
    r.text("hashtag", c.hashtag);
    r.text("title", c.title);
    r.text("description", c.description);
    r.text("mode", c.mode);
    r.text("timezone", c.timezone);
    r.minutes("intro_minutes", c.timetable.intro_minutes);
    r.minutes("round_minutes", c.timetable.round_minutes);
    r.minutes("talk_minutes", c.timetable.talk_minutes);
    r.minutes("wrapup_minutes", c.timetable.wrapup_minutes);
    if (r.problem) return *r.problem;
    if (auto it = j.find("options"); it != j.end() && !it->is_null()) {
        if (!it->is_object()) return bad("\"options\" must be an object.");
        field_reader o{*it, std::nullopt};
        o.only({"premoderation", "slowdown_seconds"});
        if (auto p = it->find("premoderation"); p != it->end()) {
            if (!p->is_boolean())
                o.fail("\"premoderation\" must be true or false.");
            else
                c.options.premoderation = p->get<bool>();
        }
        o.minutes("slowdown_seconds", c.options.slowdown_seconds);
        if (o.problem) return *o.problem;
    }
    if (!known_zone(c.timezone)) {
        return bad("Unknown time zone \"" + c.timezone.substr(0, 64) +
                   "\"; use an IANA name such as Europe/London.");
    }
    if (auto it = j.find("start"); it != j.end() && !it->is_null()) {
        if (!it->is_string()) return bad("\"start\" must be a local time like 2026-11-26T19:00.");
        auto start = local_to_instant(it->get<std::string>(), c.timezone);
        if (!start) return start.err();
        if (check_past_start && *start < now) {
            return bad("\"start\" is in the past; leave it out to start the chat by hand.");
        }
        c.timetable.start = *start;
    }
    if (auto e = read_questions(j, c.timetable)) return *e;
    if (c.mode == "slow") {
        if (auto e = read_slow_rule(j, c)) return *e;
    } else if (j.contains("release_time") || j.contains("release_every_hours") ||
               j.contains("close_after_hours")) {
        return bad(
            "\"release_time\", \"release_every_hours\" and \"close_after_hours\" belong "
            "to slow chats (\"mode\": \"slow\").");
    }
    if (auto e = core::validate(c)) return *e;
    if (!c.hashtag.empty() && c.hashtag.front() != '#') c.hashtag.insert(0, "#");
    return c;
}

// The creation-request form of a configuration (local start time in its zone).
json request_of(const core::session_config& c) {
    json j = json::parse(config_to_json(c));
    j.erase("id");
    j.erase("created_at");
    j.erase("releases");
    j.erase("series");
    if (c.timetable.start) {
        auto local = local_time_text(*c.timetable.start, c.timezone);
        if (local) j["start"] = *local;
    }
    if (!c.timetable.slow) {
        j.erase("release_time");
        j.erase("release_every_hours");
        j.erase("close_after_hours");
    }
    return j;
}

}  // namespace

core::result<core::session_config> parse_create_request(std::string_view body, core::instant now) {
    auto j = parse_body(body);
    if (!j) return j.err();
    return parse_request(*j, now, true, std::nullopt);
}

core::result<core::session_config> parse_series_session(std::string_view body, core::instant now,
                                                        const std::string& series) {
    auto j = parse_body(body);
    if (!j) return j.err();
    return parse_request(*j, now, true, series);
}

core::result<core::session_config> apply_patch(const core::session_config& current,
                                               std::string_view patch, core::instant now) {
    auto p = parse_body(patch);
    if (!p) return p.err();
    json merged = request_of(current);
    for (const auto& [key, value] : p->items()) {
        if (key == "mode" || key == "hashtag" || key == "id") {
            return bad("\"" + key + "\" cannot change; make a new session instead.");
        }
        merged[key] = value;
    }
    // A start that is not being changed may lie in the past (the chat is running).
    return parse_request(merged, now, p->contains("start"), current.series);
}

std::string id_base(const core::session_config& config) {
    // A slow chat is named after its first release, which may fall on the day after its start.
    const auto first = config.timetable.slow && !config.timetable.releases.empty()
                           ? config.timetable.releases.front()
                           : config.timetable.start.value_or(config.created_at);
    const auto day = local_date(first, config.timezone);
    return core::slug_of(config.hashtag) + "-" + (day ? *day : std::string("day"));
}

std::string config_to_json(const core::session_config& c) {
    json questions = json::array();
    for (const auto& q : c.timetable.questions) {
        json jq{{"text", q.text}};
        if (q.talk_minutes) jq["talk_minutes"] = *q.talk_minutes;
        if (q.round_minutes) jq["round_minutes"] = *q.round_minutes;
        questions.push_back(std::move(jq));
    }
    json j{{"id", c.id},
           {"hashtag", c.hashtag},
           {"title", c.title},
           {"description", c.description},
           {"mode", c.mode},
           {"timezone", c.timezone},
           {"start", c.timetable.start ? json(format_instant(*c.timetable.start)) : json(nullptr)},
           {"intro_minutes", c.timetable.intro_minutes},
           {"round_minutes", c.timetable.round_minutes},
           {"talk_minutes", c.timetable.talk_minutes},
           {"wrapup_minutes", c.timetable.wrapup_minutes},
           {"questions", std::move(questions)},
           {"options",
            {{"premoderation", c.options.premoderation},
             {"slowdown_seconds", c.options.slowdown_seconds}}},
           {"created_at", format_instant(c.created_at)}};
    if (c.series) j["series"] = *c.series;
    if (c.timetable.slow) {
        json releases = json::array();
        for (auto r : c.timetable.releases) releases.push_back(format_instant(r));
        j["releases"] = std::move(releases);
        j["close_after_hours"] =
            std::chrono::duration_cast<std::chrono::hours>(c.timetable.close_after).count();
        j["release_time"] = c.release_time ? json(*c.release_time) : json(nullptr);
        j["release_every_hours"] =
            c.release_every_hours ? json(*c.release_every_hours) : json(nullptr);
    }
    return dump(j);
}

std::optional<core::session_config> config_from_json(std::string_view text) {
    try {
        const json j = json::parse(text);
        core::session_config c;
        c.id = j.at("id").get<std::string>();
        c.hashtag = j.at("hashtag").get<std::string>();
        c.title = j.at("title").get<std::string>();
        c.description = j.at("description").get<std::string>();
        c.mode = j.at("mode").get<std::string>();
        c.timezone = j.at("timezone").get<std::string>();
        if (!j.at("start").is_null()) {
            c.timetable.start = parse_instant(j.at("start").get<std::string>());
        }
        c.timetable.intro_minutes = j.at("intro_minutes").get<int>();
        c.timetable.round_minutes = j.at("round_minutes").get<int>();
        c.timetable.talk_minutes = j.at("talk_minutes").get<int>();
        c.timetable.wrapup_minutes = j.at("wrapup_minutes").get<int>();
        for (const auto& jq : j.at("questions")) {
            core::question q;
            q.text = jq.at("text").get<std::string>();
            if (jq.contains("talk_minutes")) q.talk_minutes = jq.at("talk_minutes").get<int>();
            if (jq.contains("round_minutes")) q.round_minutes = jq.at("round_minutes").get<int>();
            c.timetable.questions.push_back(std::move(q));
        }
        c.options.premoderation = j.at("options").at("premoderation").get<bool>();
        c.options.slowdown_seconds = j.at("options").at("slowdown_seconds").get<int>();
        if (auto it = j.find("releases"); it != j.end()) {
            c.timetable.slow = true;
            for (const auto& r : *it) {
                auto t = parse_instant(r.get<std::string>());
                if (!t) return std::nullopt;
                c.timetable.releases.push_back(*t);
            }
            c.timetable.close_after = std::chrono::hours(j.at("close_after_hours").get<int>());
            if (auto rt = j.find("release_time"); rt != j.end() && !rt->is_null()) {
                c.release_time = rt->get<std::string>();
            }
            if (auto eh = j.find("release_every_hours"); eh != j.end() && !eh->is_null()) {
                c.release_every_hours = eh->get<int>();
            }
        }
        if (auto it = j.find("series"); it != j.end() && it->is_string()) {
            c.series = it->get<std::string>();
        }
        auto created = parse_instant(j.at("created_at").get<std::string>());
        if (!created) return std::nullopt;
        c.created_at = *created;
        return c;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

json session_view(const core::session& s, std::size_t online) {
    const auto& c = s.config();
    json j = json::parse(config_to_json(c));
    json questions = json::array();
    int n = 0;
    for (const auto& q : c.timetable.questions) {
        ++n;
        questions.push_back(
            {{"round", n},
             {"text", q.text},
             {"talk_minutes", q.talk_minutes.value_or(c.timetable.talk_minutes)},
             {"round_minutes", q.round_minutes.value_or(c.timetable.round_minutes)}});
    }
    j["questions"] = std::move(questions);
    j["phase"] = phase_json(s.phase(), s.schedule().round_of(s.phase()),
                            s.schedule().question_of(s.phase()));
    j["head"] = s.head();
    j["online"] = online;
    return j;
}

}  // namespace hashchat::protocol
