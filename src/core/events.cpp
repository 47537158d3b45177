#include "core/events.hpp"

namespace hashchat::core {

std::string_view to_string(role r) { return r == role::moderator ? "moderator" : "participant"; }

std::optional<role> role_from_string(std::string_view s) {
    if (s == "moderator") return role::moderator;
    if (s == "participant") return role::participant;
    return std::nullopt;
}

namespace {
template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
}  // namespace

std::string_view to_string(mod_action a) {
    switch (a) {
        case mod_action::hide:
            return "hide";
        case mod_action::unhide:
            return "unhide";
        case mod_action::pin:
            return "pin";
        case mod_action::unpin:
            return "unpin";
        case mod_action::mute:
            return "mute";
        case mod_action::unmute:
            return "unmute";
        case mod_action::ban:
            return "ban";
        case mod_action::unban:
            return "unban";
        case mod_action::approve:
            return "approve";
        case mod_action::reject:
            return "reject";
    }
    return "unknown";
}

std::optional<mod_action> mod_action_from_string(std::string_view s) {
    for (auto a : {mod_action::hide, mod_action::unhide, mod_action::pin, mod_action::unpin,
                   mod_action::mute, mod_action::unmute, mod_action::ban, mod_action::unban,
                   mod_action::approve, mod_action::reject}) {
        if (to_string(a) == s) return a;
    }
    return std::nullopt;
}

std::string_view kind_of(const event_body& body) {
    return std::visit(
        overloaded{
            [](const post_event&) -> std::string_view { return "post"; },
            [](const edit_event&) -> std::string_view { return "edit"; },
            [](const delete_event&) -> std::string_view { return "delete"; },
            [](const like_event& e) -> std::string_view { return e.like ? "like" : "unlike"; },
            [](const announce_event&) -> std::string_view { return "announce"; },
            [](const phase_event& p) -> std::string_view {
                return p.scheduled_at ? "release" : "phase";
            },
            [](const moderation_event& e) -> std::string_view { return to_string(e.action); },
        },
        body);
}

std::ostream& operator<<(std::ostream& os, const event& e) {
    os << "#" << e.seq << " " << kind_of(e.body);
    std::visit(overloaded{
                   [&](const post_event& p) {
                       os << " @" << p.author << " round=";
                       if (p.round)
                           os << *p.round;
                       else
                           os << "null";
                       os << " \"" << p.text << "\"";
                   },
                   [&](const edit_event& p) { os << " target=" << p.target; },
                   [&](const delete_event& p) { os << " target=" << p.target; },
                   [&](const like_event& p) { os << " target=" << p.target << " n=" << p.count; },
                   [&](const announce_event& p) { os << " \"" << p.text << "\""; },
                   [&](const phase_event& p) { os << " " << p.state; },
                   [&](const moderation_event& m) {
                       if (m.target) os << " target=" << *m.target;
                       if (m.handle) os << " handle=" << *m.handle;
                   },
               },
               e.body);
    return os;
}

}  // namespace hashchat::core
