// One chat session as a pure state machine: (state, command, now) -> events | error. The shell
// persists and broadcasts the events; replaying them with apply() rebuilds the same state.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "core/events.hpp"
#include "core/time.hpp"
#include "core/timetable.hpp"

namespace hashchat::core {

struct limits {
    std::size_t max_text = 1000;  // code points of a post or announcement
    std::size_t max_name = 50;    // code points of a display name
};

struct session_options {
    bool premoderation = false;
    int slowdown_seconds = 0;
};

struct session_config {
    std::string id;
    std::string hashtag;
    std::string title;
    std::string description;
    std::string mode = "live";
    std::string timezone = "UTC";
    live_timetable timetable;
    session_options options;
    // Slow chats: the rule the releases were computed from (kept to show and to edit).
    std::optional<std::string> release_time;
    std::optional<int> release_every_hours;
    std::optional<std::string> series;  // the series it belongs to (may start without questions)
    instant created_at;
};

// A moderator key of a session. Only its hash is kept. The owner's key (made at creation) manages
// the others; a revoked key joins no more.
struct moderator_key {
    std::string id;  // "k1", "k2", ...
    std::string hash;
    std::string label;
    bool owner = false;
    bool revoked = false;
    instant created_at;
};

// A handle registered in a session. Only the hash of its resume token is kept.
struct member {
    std::string handle;
    std::string name;
    std::string token_hash;
};

// Who sends a command on a joined connection.
struct actor {
    std::string handle;
    std::string name;
    role who = role::participant;
};

struct join_request {
    std::string handle;
    std::string name;
    std::optional<std::string> token_hash;  // hash of the token the client presented
    std::optional<std::string> key_hash;    // hash of the moderator key the client presented
    std::string new_token_hash;             // used if this join registers the handle
    bool token_strong = false;  // the presented token is long enough to register a new handle
    seq_t since = 0;
    std::string address_hash;  // hash of the client's network address
};

struct join_result {
    actor who;
    std::string key_id;  // the moderator key it joined with, if any
    member registered;   // the member as it is now (persist when `member_changed`)
    bool issued_token = false;
    bool member_changed = false;
};

struct post_cmd {
    std::string cid;
    std::string text;
    std::optional<int> round;
    std::optional<seq_t> reply_to;
};
struct like_cmd {
    seq_t target = 0;
    bool like = true;
};
struct edit_cmd {
    seq_t target = 0;
    std::string text;
};
struct delete_cmd {
    seq_t target = 0;
};
struct control_cmd {
    control_action action = control_action::start;
    int minutes = 0;
};
struct announce_cmd {
    std::string text;
};
struct moderate_cmd {
    mod_action action = mod_action::hide;
    std::optional<seq_t> target;              // hide, unhide, pin, unpin
    std::optional<std::string> handle;        // mute, unmute, ban, unban
    std::optional<std::uint64_t> pending;     // approve, reject
    bool ban_address = false;                 // ban: refuse the handle's network addresses too
    std::vector<std::string> address_hashes;  // filled by the shell: the handle's addresses
};

using command =
    std::variant<post_cmd, like_cmd, edit_cmd, delete_cmd, control_cmd, announce_cmd, moderate_cmd>;

struct outcome {
    std::vector<event> events;             // new public events, already applied, in seq order
    std::vector<mod_entry> mod;            // new moderators' log entries, already applied
    std::optional<seq_t> duplicate_of;     // a post whose cid was already used: its seq
    std::optional<std::uint64_t> pending;  // the post waits for a moderator: its number
};

class session {
  public:
    session(session_config config, std::vector<std::string> moderator_key_hashes, limits lim = {});

    const session_config& config() const { return config_; }
    const live_schedule& schedule() const { return schedule_; }
    const phase_state& phase() const { return phase_; }
    seq_t head() const { return head_; }
    std::size_t member_count() const { return members_.size(); }

    // Moderator keys (configuration, not events: the shell stores them).
    const std::vector<moderator_key>& keys() const { return keys_; }
    void set_keys(std::vector<moderator_key> keys) { keys_ = std::move(keys); }
    // The valid key with this hash, if any.
    const moderator_key* key_by_hash(const std::string& hash) const;
    // The owner's key (made with the session), which alone manages the others; or why not.
    result<moderator_key> owner_key(const std::string& hash) const;
    // A new co-moderator key's record (id chosen here); the caller stores it, then add_key().
    moderator_key next_key(std::string hash, std::string label, instant now) const;
    void add_key(moderator_key k) { keys_.push_back(std::move(k)); }
    result<moderator_key> revoke_key(const std::string& id);

    // The next instant at which tick() has something to do.
    std::optional<instant> next_due() const { return schedule_.next_due(phase_); }

    // Phase changes due at or before `now`, as applied events (each `at` the instant it was due).
    std::vector<event> tick(instant now);

    result<join_result> join(const join_request& req) const;
    // `bad_since` when the log is shorter than `since`: for a join, and for a read-only viewer
    // (a pub screen), which is no member, so `since` is all it can get wrong.
    std::optional<error> check_since(seq_t since) const;
    // Records a member (after a successful join, or when loading from the store).
    void set_member(member m);

    // A joined actor's command. Call tick(now) first so the command sees the current phase.
    result<outcome> handle(const actor& who, const command& cmd, instant now);

    // Applies an event of this session's log (from handle() or from the store when replaying).
    void apply(const event& e);
    // A moderator's edit of the session (PATCH). Before the chat starts anything may change and
    // the waiting phase follows the new timetable (a phase event if it moved); after, only the
    // title, description and options. The caller stores the new configuration with the events.
    result<std::vector<event>> reconfigure(session_config next, instant now);
    // Several nodes, following: the configuration another node's reconfigure stored (the
    // events it caused come in the log).
    void adopt(session_config next);

    // Applies an entry of the moderators' log (likewise).
    void apply(const mod_entry& m);

    std::uint64_t mod_head() const { return mod_head_; }
    bool is_banned(const std::string& handle) const;
    bool is_muted(const std::string& handle) const;
    // Posts waiting for a moderator, oldest first.
    std::vector<mod_entry> waiting_posts() const;

  private:
    struct post_state {
        std::string author_key;
        std::optional<int> round;
        bool deleted = false;
        bool hidden = false;
        bool pinned = false;
        std::set<std::string> likers;  // handle keys
    };

    result<outcome> post(const actor& who, const post_cmd& cmd, instant now);
    result<outcome> like(const actor& who, const like_cmd& cmd, instant now);
    result<outcome> edit(const actor& who, const edit_cmd& cmd, instant now);
    result<outcome> remove(const actor& who, const delete_cmd& cmd, instant now);
    result<outcome> control(const actor& who, const control_cmd& cmd, instant now);
    result<outcome> announce(const actor& who, const announce_cmd& cmd, instant now);
    result<outcome> moderate(const actor& who, const moderate_cmd& cmd, instant now);
    result<outcome> moderate_post(const actor& who, const moderate_cmd& cmd, instant now);
    result<outcome> moderate_member(const actor& who, const moderate_cmd& cmd, instant now);
    result<outcome> moderate_pending(const actor& who, const moderate_cmd& cmd, instant now);
    std::optional<error> check_voice(const actor& who) const;  // muted or banned
    bool address_banned(const std::string& address_hash) const;
    void apply_moderation(const moderation_event& m, seq_t seq);
    void note_post(const std::string& author_key, instant at);
    mod_entry make_mod(instant at, std::string kind, const actor& by);
    void record(outcome& out, mod_entry m);

    std::optional<error> check_text(const std::string& text) const;
    const post_state* visible_post(seq_t seq) const;
    result<std::optional<int>> round_for(const post_cmd& cmd) const;
    event make(instant at, event_body body);
    outcome emit(instant at, event_body body);
    bool closed() const { return phase_.phase == phase_kind::closed; }

    session_config config_;
    std::vector<moderator_key> keys_;
    limits limits_;
    live_schedule schedule_;
    phase_state phase_;
    seq_t head_ = 0;
    std::unordered_map<std::string, member> members_;  // by handle key
    std::map<seq_t, post_state> posts_;
    std::unordered_map<std::string, seq_t> cids_;  // handle key + '\n' + cid

    // Moderation.
    std::set<std::string> muted_;                                    // handle keys
    std::set<std::string> banned_;                                   // handle keys
    std::map<std::string, std::set<std::string>> banned_addresses_;  // handle key -> hashes
    std::map<std::string, seq_t> last_unban_;  // handle key -> seq of its latest unban
    std::uint64_t mod_head_ = 0;
    std::map<std::uint64_t, mod_entry> waiting_;                   // pre-moderation queue
    std::unordered_map<std::string, std::uint64_t> pending_cids_;  // cid key -> pending
    std::unordered_map<std::string, bool> decided_cids_;           // cid key -> rejected?
    std::unordered_map<std::string, instant> last_post_at_;        // handle key (slow-down)
};

// Compares two hashes without an early exit.
bool hashes_equal(const std::string& a, const std::string& b);

}  // namespace hashchat::core
