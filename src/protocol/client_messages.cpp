#include "protocol/client_messages.hpp"

#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>

namespace hashchat::protocol {

namespace {

using core::error_code;
using nlohmann::json;

constexpr std::uint64_t max_seq = 9007199254740991ULL;  // 2^53 - 1: exact in every client

// A user-supplied name quoted in an error message, cut to a readable length.
std::string shorten(const std::string& s) { return s.size() <= 40 ? s : s.substr(0, 40) + "..."; }

core::error bad(std::string message) {
    return core::make_error(error_code::bad_request, std::move(message));
}

}  // namespace

bool json_too_deep(std::string_view s, std::size_t limit) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit) return true;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return false;
}

namespace {

// Reads the fields of one message; the first problem found is kept.
class reader {
  public:
    explicit reader(const json& j) : j_(j) {}

    std::optional<core::error> problem;

    void allow_only(std::initializer_list<const char*> names) {
        for (const auto& [key, value] : j_.items()) {
            bool known = key == "type" || key == "rid";
            for (const char* n : names) known = known || key == n;
            if (!known) fail(bad("Unknown field \"" + shorten(key) + "\"."));
        }
    }

    std::optional<std::string> str(const char* name, bool required) {
        auto it = j_.find(name);
        if (it == j_.end() || (it->is_null() && !required)) {
            if (required) fail(bad(std::string("Field \"") + name + "\" is missing."));
            return std::nullopt;
        }
        if (!it->is_string()) {
            fail(bad(std::string("Field \"") + name + "\" must be a string."));
            return std::nullopt;
        }
        return it->get<std::string>();
    }

    std::optional<std::uint64_t> uint(const char* name, bool required, std::uint64_t max) {
        auto it = j_.find(name);
        if (it == j_.end() || (it->is_null() && !required)) {
            if (required) fail(bad(std::string("Field \"") + name + "\" is missing."));
            return std::nullopt;
        }
        if (!it->is_number_integer() ||
            (it->is_number_integer() && !it->is_number_unsigned() && it->get<std::int64_t>() < 0) ||
            it->get<std::uint64_t>() > max) {
            fail(bad(std::string("Field \"") + name + "\" must be a whole number from 0 to " +
                     std::to_string(max) + "."));
            return std::nullopt;
        }
        return it->get<std::uint64_t>();
    }

    void fail(core::error e) {
        if (!problem) problem = std::move(e);
    }

  private:
    const json& j_;
};

std::variant<core::error, hello_msg, ping_msg, core::command> parse_body(const json& j,
                                                                         const std::string& type) {
    reader r(j);
    auto done = [&](auto value) -> std::variant<core::error, hello_msg, ping_msg, core::command> {
        if (r.problem) return *r.problem;
        return value;
    };
    if (type == "hello") {
        hello_msg m;
        if (auto view = j.find("view"); view != j.end()) {
            // A viewer (a pub screen) watches without a handle: no token, no key, no member.
            r.allow_only({"session", "since", "view"});
            if (!view->is_boolean() || !view->get<bool>()) {
                r.fail(bad("Field \"view\" must be true (or left out to join with a handle)."));
            }
            m.view = true;
        } else {
            r.allow_only({"session", "handle", "name", "token", "since", "key"});
            m.handle = r.str("handle", true).value_or("");
            m.name = r.str("name", true).value_or("");
            m.token = r.str("token", false);
            m.key = r.str("key", false);
        }
        m.session = r.str("session", true).value_or("");
        m.since = r.uint("since", false, max_seq).value_or(0);
        return done(m);
    }
    if (type == "ping") {
        r.allow_only({});
        return done(ping_msg{});
    }
    if (type == "post") {
        r.allow_only({"cid", "text", "round", "reply_to"});
        core::post_cmd c;
        c.cid = r.str("cid", true).value_or("");
        c.text = r.str("text", true).value_or("");
        if (auto round = r.uint("round", false, 1000)) c.round = static_cast<int>(*round);
        c.reply_to = r.uint("reply_to", false, max_seq);
        return done(core::command{c});
    }
    if (type == "like" || type == "unlike") {
        r.allow_only({"seq"});
        core::like_cmd c;
        c.target = r.uint("seq", true, max_seq).value_or(0);
        c.like = type == "like";
        return done(core::command{c});
    }
    if (type == "edit") {
        r.allow_only({"seq", "text"});
        core::edit_cmd c;
        c.target = r.uint("seq", true, max_seq).value_or(0);
        c.text = r.str("text", true).value_or("");
        return done(core::command{c});
    }
    if (type == "delete") {
        r.allow_only({"seq"});
        core::delete_cmd c;
        c.target = r.uint("seq", true, max_seq).value_or(0);
        return done(core::command{c});
    }
    if (type == "control") {
        r.allow_only({"action", "minutes"});
        core::control_cmd c;
        const auto action = r.str("action", true);
        c.minutes = static_cast<int>(r.uint("minutes", false, 100000).value_or(0));
        if (action) {
            auto a = core::control_from_string(*action);
            if (!a) {
                r.fail(bad("Unknown control action \"" + shorten(*action) +
                           "\"; use start, next, extend, pause, resume or end."));
            } else {
                c.action = *a;
                if ((c.action == core::control_action::extend ||
                     c.action == core::control_action::postpone) &&
                    !j.contains("minutes")) {
                    r.fail(bad("\"" + *action + "\" needs \"minutes\"."));
                }
            }
        }
        return done(core::command{c});
    }
    if (type == "announce") {
        r.allow_only({"text"});
        core::announce_cmd c;
        c.text = r.str("text", true).value_or("");
        return done(core::command{c});
    }
    if (type == "moderate") {
        r.allow_only({"action", "seq", "handle", "pending", "ban_address"});
        core::moderate_cmd c;
        const auto action = r.str("action", true);
        c.target = r.uint("seq", false, max_seq);
        c.handle = r.str("handle", false);
        c.pending = r.uint("pending", false, max_seq);
        if (auto it = j.find("ban_address"); it != j.end()) {
            if (!it->is_boolean()) {
                r.fail(bad("Field \"ban_address\" must be true or false."));
            } else {
                c.ban_address = it->get<bool>();
            }
        }
        if (action) {
            auto a = core::mod_action_from_string(*action);
            if (!a) {
                r.fail(bad("Unknown moderation action \"" + shorten(*action) +
                           "\"; use hide, unhide, pin, unpin, mute, unmute, ban, unban, approve "
                           "or reject."));
            } else {
                c.action = *a;
            }
        }
        return done(core::command{c});
    }
    return core::make_error(error_code::unknown_type,
                            "Unknown message type \"" + shorten(type) + "\".");
}

}  // namespace

client_message parse_client_message(std::string_view frame) {
    client_message out;
    if (json_too_deep(frame, max_json_depth)) {
        out.body = bad("The message is nested too deeply.");
        return out;
    }
    json j = json::parse(frame, nullptr, false);
    if (j.is_discarded()) {
        out.body = bad("The message is not valid JSON.");
        return out;
    }
    if (!j.is_object()) {
        out.body = bad("A message must be a JSON object.");
        return out;
    }
    if (auto it = j.find("rid"); it != j.end()) {
        if (!it->is_string() || it->get_ref<const std::string&>().empty() ||
            it->get_ref<const std::string&>().size() > 64) {
            out.body = bad("\"rid\" must be a string of 1 to 64 characters.");
            return out;
        }
        out.rid = it->get<std::string>();
    }
    auto type = j.find("type");
    if (type == j.end() || !type->is_string()) {
        out.body = bad("A message needs a \"type\" string.");
        return out;
    }
    const auto& type_name = type->get_ref<const std::string&>();
    if (type_name == "post") {
        if (auto cid = j.find("cid");
            cid != j.end() && cid->is_string() && cid->get_ref<const std::string&>().size() <= 64) {
            out.cid = cid->get<std::string>();
        }
    }
    out.body = parse_body(j, type_name);
    return out;
}

}  // namespace hashchat::protocol
