#include "protocol/event_json.hpp"

#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "protocol/time_format.hpp"

namespace hashchat::protocol {

namespace {

using nlohmann::json;

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};

json opt(const std::optional<int>& v) { return v ? json(*v) : json(nullptr); }
json opt(const std::optional<core::seq_t>& v) { return v ? json(*v) : json(nullptr); }
json opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
json opt(const std::optional<core::instant>& v) {
    return v ? json(format_instant(*v)) : json(nullptr);
}

std::optional<int> opt_int(const json& j, const char* k) {
    auto it = j.find(k);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return it->get<int>();
}

std::optional<std::string> opt_str(const json& j, const char* k) {
    auto it = j.find(k);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return it->get<std::string>();
}

std::optional<core::instant> opt_instant(const json& j, const char* k) {
    auto s = opt_str(j, k);
    if (!s) return std::nullopt;
    return parse_instant(*s);
}

}  // namespace

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json phase_json(const core::phase_state& s, std::optional<int> round,
                const std::optional<std::string>& question) {
    json j{{"phase", core::to_string(s.phase)}, {"round", opt(round)},
           {"question", opt(question)},         {"started_at", opt(s.started_at)},
           {"ends_at", opt(s.ends_at)},         {"segment", s.segment}};
    if (s.phase == core::phase_kind::paused) {
        j["remaining_ms"] = s.remaining.count();
        j["resume_phase"] = core::to_string(s.resume_phase);
    }
    return j;
}

void append_json_string(std::string& out, std::string_view s) {
    if (!core::utf8_length(s)) {
        out += dump(json(std::string(s)));  // the library replaces what is broken
        return;
    }
    out += '"';
    for (const char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    constexpr std::string_view hex = "0123456789abcdef";
                    out += "\\u00";
                    out += hex[static_cast<unsigned char>(c) >> 4];
                    out += hex[static_cast<unsigned char>(c) & 0xf];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

namespace {

// The library's output for a post and a like (its keys in their sorted order), written
// directly: these are nearly every event of a busy session, and building a json object for
// each cost a tenth of the I/O thread (tests/unit/event_json_test.cpp compares the two).
void append_field(std::string& out, std::string_view key) {
    out += ",\"";
    out += key;
    out += "\":";
}

void append_number(std::string& out, std::int64_t v) { out += std::to_string(v); }

std::string serialize_post(const core::event& e, const core::post_event& p) {
    std::string out;
    out.reserve(160 + p.text.size() + p.author.size() + p.name.size());
    out += "{\"at\":";
    append_json_string(out, format_instant(e.at));
    append_field(out, "author");
    append_json_string(out, p.author);
    out += ",\"kind\":\"post\",\"mentions\":[";
    for (std::size_t i = 0; i < p.mentions.size(); ++i) {
        if (i > 0) out += ',';
        append_json_string(out, p.mentions[i]);
    }
    out += ']';
    append_field(out, "name");
    append_json_string(out, p.name);
    append_field(out, "reply_to");
    if (p.reply_to) {
        append_number(out, static_cast<std::int64_t>(*p.reply_to));
    } else {
        out += "null";
    }
    append_field(out, "role");
    append_json_string(out, core::to_string(p.author_role));
    append_field(out, "round");
    if (p.round) {
        append_number(out, *p.round);
    } else {
        out += "null";
    }
    append_field(out, "seq");
    append_number(out, static_cast<std::int64_t>(e.seq));
    append_field(out, "text");
    append_json_string(out, p.text);
    out += ",\"type\":\"event\"}";
    return out;
}

std::string serialize_like(const core::event& e, const core::like_event& l) {
    std::string out = "{\"at\":";
    append_json_string(out, format_instant(e.at));
    append_field(out, "author");
    append_json_string(out, l.author);
    append_field(out, "count");
    append_number(out, l.count);
    out += l.like ? ",\"kind\":\"like\"" : ",\"kind\":\"unlike\"";
    append_field(out, "seq");
    append_number(out, static_cast<std::int64_t>(e.seq));
    append_field(out, "target");
    append_number(out, static_cast<std::int64_t>(l.target));
    out += ",\"type\":\"event\"}";
    return out;
}

}  // namespace

std::string serialize_event(const core::event& e) {
    if (const auto* p = std::get_if<core::post_event>(&e.body)) return serialize_post(e, *p);
    if (const auto* l = std::get_if<core::like_event>(&e.body)) return serialize_like(e, *l);
    return serialize_event_with_library(e);
}

std::string serialize_event_with_library(const core::event& e) {
    json j{{"type", "event"},
           {"seq", e.seq},
           {"at", format_instant(e.at)},
           {"kind", core::kind_of(e.body)}};
    std::visit(overloaded{
                   [&](const core::post_event& p) {
                       j["author"] = p.author;
                       j["name"] = p.name;
                       j["role"] = core::to_string(p.author_role);
                       j["text"] = p.text;
                       j["round"] = opt(p.round);
                       j["reply_to"] = opt(p.reply_to);
                       j["mentions"] = p.mentions;
                   },
                   [&](const core::edit_event& p) {
                       j["target"] = p.target;
                       j["author"] = p.author;
                       j["text"] = p.text;
                       j["mentions"] = p.mentions;
                   },
                   [&](const core::delete_event& p) {
                       j["target"] = p.target;
                       j["author"] = p.author;
                   },
                   [&](const core::like_event& p) {
                       j["target"] = p.target;
                       j["author"] = p.author;
                       j["count"] = p.count;
                   },
                   [&](const core::announce_event& p) {
                       j["author"] = p.author;
                       j["name"] = p.name;
                       j["text"] = p.text;
                   },
                   [&](const core::phase_event& p) {
                       j.update(phase_json(p.state, p.round, p.question));
                       if (p.scheduled_at) j["scheduled_at"] = format_instant(*p.scheduled_at);
                   },
                   [&](const core::moderation_event& m) {
                       if (m.target) j["target"] = *m.target;
                       if (m.handle) j["handle"] = *m.handle;
                   },
               },
               e.body);
    return dump(j);
}

namespace {

json post_json(const core::post_event& p) {
    return json{
        {"author", p.author},    {"name", p.name},        {"role", core::to_string(p.author_role)},
        {"text", p.text},        {"round", opt(p.round)}, {"reply_to", opt(p.reply_to)},
        {"mentions", p.mentions}};
}

json mod_json(const core::mod_entry& m) {
    json j{
        {"type", "mod"}, {"n", m.n}, {"at", format_instant(m.at)}, {"kind", m.kind}, {"by", m.by}};
    if (m.target) j["target"] = *m.target;
    if (m.handle) j["handle"] = *m.handle;
    if (m.pending) j["pending"] = *m.pending;
    if (m.seq) j["seq"] = *m.seq;
    if (m.detail) j["detail"] = *m.detail;
    if (m.post) j["post"] = post_json(*m.post);
    if (m.ban_address) j["ban_address"] = true;
    return j;
}

}  // namespace

std::string serialize_mod(const core::mod_entry& m) { return dump(mod_json(m)); }

std::string store_mod(const core::mod_entry& m) {
    json j = mod_json(m);
    if (m.post) j["post"]["cid"] = m.post->cid;
    if (!m.address_hashes.empty()) j["address_hashes"] = m.address_hashes;
    return dump(j);
}

std::optional<core::mod_entry> parse_mod(std::string_view json_text) {
    try {
        const json j = json::parse(json_text);
        core::mod_entry m;
        m.n = j.at("n").get<std::uint64_t>();
        auto at = parse_instant(j.at("at").get<std::string>());
        if (!at) return std::nullopt;
        m.at = *at;
        m.kind = j.at("kind").get<std::string>();
        m.by = j.at("by").get<std::string>();
        if (auto it = j.find("target"); it != j.end()) m.target = it->get<core::seq_t>();
        m.handle = opt_str(j, "handle");
        if (auto it = j.find("pending"); it != j.end()) m.pending = it->get<std::uint64_t>();
        if (auto it = j.find("seq"); it != j.end()) m.seq = it->get<core::seq_t>();
        m.detail = opt_str(j, "detail");
        if (auto it = j.find("post"); it != j.end()) {
            core::post_event p;
            p.author = it->at("author").get<std::string>();
            p.name = it->at("name").get<std::string>();
            p.author_role = core::role_from_string(it->at("role").get<std::string>())
                                .value_or(core::role::participant);
            p.text = it->at("text").get<std::string>();
            p.round = opt_int(*it, "round");
            if (auto r = it->find("reply_to"); r != it->end() && !r->is_null()) {
                p.reply_to = r->get<core::seq_t>();
            }
            p.mentions = it->at("mentions").get<std::vector<std::string>>();
            p.cid = it->value("cid", "");
            m.post = std::move(p);
        }
        m.ban_address = j.value("ban_address", false);
        if (auto it = j.find("address_hashes"); it != j.end()) {
            m.address_hashes = it->get<std::vector<std::string>>();
        }
        return m;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

std::optional<core::event> parse_event(std::string_view json_text, std::string cid) {
    try {
        const json j = json::parse(json_text);
        core::event e;
        e.seq = j.at("seq").get<core::seq_t>();
        auto at = parse_instant(j.at("at").get<std::string>());
        if (!at) return std::nullopt;
        e.at = *at;
        const auto kind = j.at("kind").get<std::string>();
        if (kind == "post") {
            core::post_event p;
            p.author = j.at("author").get<std::string>();
            p.name = j.at("name").get<std::string>();
            p.author_role = core::role_from_string(j.at("role").get<std::string>())
                                .value_or(core::role::participant);
            p.text = j.at("text").get<std::string>();
            p.round = opt_int(j, "round");
            if (auto it = j.find("reply_to"); it != j.end() && !it->is_null()) {
                p.reply_to = it->get<core::seq_t>();
            }
            p.mentions = j.at("mentions").get<std::vector<std::string>>();
            p.cid = std::move(cid);
            e.body = std::move(p);
        } else if (kind == "edit") {
            e.body = core::edit_event{
                j.at("target").get<core::seq_t>(), j.at("author").get<std::string>(),
                j.at("text").get<std::string>(), j.at("mentions").get<std::vector<std::string>>()};
        } else if (kind == "delete") {
            e.body = core::delete_event{j.at("target").get<core::seq_t>(),
                                        j.at("author").get<std::string>()};
        } else if (kind == "like" || kind == "unlike") {
            e.body = core::like_event{j.at("target").get<core::seq_t>(),
                                      j.at("author").get<std::string>(), j.at("count").get<int>(),
                                      kind == "like"};
        } else if (kind == "announce") {
            e.body = core::announce_event{j.at("author").get<std::string>(),
                                          j.at("name").get<std::string>(),
                                          j.at("text").get<std::string>()};
        } else if (kind == "phase" || kind == "release") {
            core::phase_state s;
            s.phase = core::phase_from_string(j.at("phase").get<std::string>())
                          .value_or(core::phase_kind::scheduled);
            s.segment = j.at("segment").get<int>();
            s.started_at = opt_instant(j, "started_at");
            s.ends_at = opt_instant(j, "ends_at");
            if (s.phase == core::phase_kind::paused) {
                s.remaining = core::duration{j.at("remaining_ms").get<long long>()};
                s.resume_phase = core::phase_from_string(j.at("resume_phase").get<std::string>())
                                     .value_or(core::phase_kind::round);
            }
            e.body = core::phase_event{s, opt_int(j, "round"), opt_str(j, "question"),
                                       opt_instant(j, "scheduled_at")};
        } else if (auto action = core::mod_action_from_string(kind)) {
            core::moderation_event m;
            m.action = *action;
            if (auto it = j.find("target"); it != j.end()) m.target = it->get<core::seq_t>();
            m.handle = opt_str(j, "handle");
            e.body = std::move(m);
        } else {
            return std::nullopt;
        }
        return e;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

}  // namespace hashchat::protocol
