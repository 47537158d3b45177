// The facts of a session's public log. Every change is one event with a gap-free seq.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/time.hpp"
#include "core/timetable.hpp"

namespace hashchat::core {

using seq_t = std::uint64_t;

enum class role { participant, moderator };
std::string_view to_string(role r);
std::optional<role> role_from_string(std::string_view s);

struct post_event {
    std::string author;
    std::string name;
    role author_role = role::participant;
    std::string text;
    std::optional<int> round;
    std::optional<seq_t> reply_to;
    std::vector<std::string> mentions;
    std::string cid;  // the author's id for the post: kept in the store, not shown to others
};

struct edit_event {
    seq_t target = 0;
    std::string author;
    std::string text;
    std::vector<std::string> mentions;
};

struct delete_event {
    seq_t target = 0;
    std::string author;
};

struct like_event {
    seq_t target = 0;
    std::string author;
    int count = 0;
    bool like = true;  // false: unlike
};

struct announce_event {
    std::string author;
    std::string name;
    std::string text;
};

struct phase_event {
    phase_state state;
    std::optional<int> round;
    std::optional<std::string> question;
};

using event_body =
    std::variant<post_event, edit_event, delete_event, like_event, announce_event, phase_event>;

struct event {
    seq_t seq = 0;
    instant at;
    event_body body;
};

std::string_view kind_of(const event_body& body);
std::ostream& operator<<(std::ostream& os, const event& e);

}  // namespace hashchat::core
