// A session's timetable and the phase it is in. Live: intro (A0) -> for each question an optional
// table-talk part and a posting part -> wrap-up -> closed. Slow: each question released at its
// scheduled instant (every released question stays open) -> closed some hours after the last.
// The phase at any instant is a pure function of the timetable, the moderator's control actions
// and the time.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"

namespace hashchat::core {

enum class phase_kind { scheduled, intro, talk, round, wrapup, closed, paused };

std::string_view to_string(phase_kind kind);
std::optional<phase_kind> phase_from_string(std::string_view s);
std::ostream& operator<<(std::ostream& os, phase_kind kind);

struct question {
    std::string text;
    std::optional<int> talk_minutes;   // table talk before posting; session default if unset
    std::optional<int> round_minutes;  // posting time; session default if unset

    friend bool operator==(const question&, const question&) = default;
};

struct live_timetable {
    std::optional<instant> start;  // unset: the moderator starts the chat
    int intro_minutes = 5;
    int round_minutes = 8;
    int talk_minutes = 0;
    int wrapup_minutes = 5;
    std::vector<question> questions;

    // Slow mode: question i is released at releases[i] (computed from the local-time rule in the
    // session's zone by the protocol layer, so the core needs no time zone database), and the
    // chat closes `close_after` after the last release.
    bool slow = false;
    std::vector<instant> releases;
    duration close_after = std::chrono::hours(24);

    friend bool operator==(const live_timetable&, const live_timetable&) = default;
};

// One timed part of the chat.
struct segment {
    phase_kind kind;
    std::optional<int> round;  // 0 for the intro, n for Qn's parts, unset for wrap-up
    int asked;                 // the highest question number shown by this part (0: none yet)
    duration length;
};

// Every timed part in order; the closed state is index size().
std::vector<segment> segments_of(const live_timetable& tt);

// Where the chat is. While paused, `segment` is the part that was interrupted.
struct phase_state {
    phase_kind phase = phase_kind::scheduled;
    int segment = -1;
    std::optional<instant> started_at;
    std::optional<instant> ends_at;
    duration remaining{0};                            // while paused: time left in the part
    phase_kind resume_phase = phase_kind::scheduled;  // while paused: the interrupted part's kind

    friend bool operator==(const phase_state&, const phase_state&) = default;
};

std::ostream& operator<<(std::ostream& os, const phase_state& s);

// A phase the chat entered and the instant it entered it.
struct phase_change {
    phase_state state;
    instant at;
};

enum class control_action { start, next, extend, pause, resume, end, release, postpone };

std::optional<control_action> control_from_string(std::string_view s);
std::string_view to_string(control_action a);

class live_schedule {
  public:
    explicit live_schedule(live_timetable tt);

    const live_timetable& timetable() const { return tt_; }
    const std::vector<segment>& segments() const { return segments_; }

    // The state of a chat that nothing has happened to yet.
    phase_state initial() const;

    // Every change that is due at or before `now`, in order, each at the instant it was due.
    std::vector<phase_change> advance(const phase_state& from, instant now) const;

    // The next instant at which advance() would produce a change, if any.
    std::optional<instant> next_due(const phase_state& s) const;

    // The state after a moderator's action at `now` (the caller has advanced to `now` first).
    result<phase_state> control(const phase_state& s, control_action action, int minutes,
                                instant now) const;

    // The round number shown for a state (0 intro, n for Qn) and its question text.
    std::optional<int> round_of(const phase_state& s) const;
    std::optional<std::string> question_of(const phase_state& s) const;
    // The highest question number asked so far (0 when only the intro has begun or nothing).
    int asked(const phase_state& s) const;
    // Slow mode: the scheduled instant of the release a state begins, if it begins one.
    std::optional<instant> scheduled_release(const phase_state& s) const;

  private:
    phase_state enter(int index, instant at) const;

    live_timetable tt_;
    std::vector<segment> segments_;
};

}  // namespace hashchat::core
