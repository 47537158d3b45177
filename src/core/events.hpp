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

// What moderators can do. The public log shows the effect (hide..unban, as their own kinds);
// who did it, approvals and rejections go to the moderators' log (mod_entry).
enum class mod_action { hide, unhide, pin, unpin, mute, unmute, ban, unban, approve, reject };
std::string_view to_string(mod_action a);
std::optional<mod_action> mod_action_from_string(std::string_view s);

struct moderation_event {
    mod_action action = mod_action::hide;
    std::optional<seq_t> target;        // hide, unhide, pin, unpin
    std::optional<std::string> handle;  // mute, unmute, ban, unban
};

struct phase_event {
    phase_state state;
    std::optional<int> round;
    std::optional<std::string> question;
    // Slow mode: this change released a question, scheduled for this instant (kind "release").
    std::optional<instant> scheduled_at = std::nullopt;
};

using event_body = std::variant<post_event, edit_event, delete_event, like_event, announce_event,
                                phase_event, moderation_event>;

struct event {
    seq_t seq = 0;
    instant at;
    event_body body;
};

std::string_view kind_of(const event_body& body);

// One entry of a session's moderators' log, with its own counter `n`: who took each moderator
// action, and the posts waiting in pre-moderation. Never shown to participants.
struct mod_entry {
    std::uint64_t n = 0;
    instant at;
    std::string kind;  // pending, approve, reject, a mod_action, delete, control
    std::string by;    // the moderator (for pending: the author)
    std::optional<seq_t> target;
    std::optional<std::string> handle;
    std::optional<std::uint64_t> pending;     // the waiting post's number (its pending entry's n)
    std::optional<seq_t> seq;                 // the public event the action made
    std::optional<std::string> detail;        // control: the action
    std::optional<post_event> post;           // pending, approve, reject: the post
    bool ban_address = false;                 // ban: the network address too
    std::vector<std::string> address_hashes;  // ban: hashes of those addresses (never sent)
};
std::ostream& operator<<(std::ostream& os, const event& e);

}  // namespace hashchat::core
