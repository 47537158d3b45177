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

std::string_view kind_of(const event_body& body) {
    return std::visit(
        overloaded{
            [](const post_event&) -> std::string_view { return "post"; },
            [](const edit_event&) -> std::string_view { return "edit"; },
            [](const delete_event&) -> std::string_view { return "delete"; },
            [](const like_event& e) -> std::string_view { return e.like ? "like" : "unlike"; },
            [](const announce_event&) -> std::string_view { return "announce"; },
            [](const phase_event&) -> std::string_view { return "phase"; },
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
               },
               e.body);
    return os;
}

}  // namespace hashchat::core
