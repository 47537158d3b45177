// One session's room as a state machine without I/O (as Boost.MySQL's sansio_connection_node):
// it owns the core session, the members by connection id, the serialized log, the commands
// waiting under load and what waits for a commit. Each input (a join, a command, a commit that
// became durable, a batch the members took, a tick of the clock...) returns the actions the shell
// performs: persist a batch, send to a connection, broadcast events, close, arm a timer, run a
// completion. Time comes in with the inputs: `now` on the domain clock (the server's, or the
// test clock), `steady` microseconds for transport matters. Single-threaded: the room's strand
// calls it, under the room's lock.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "archive/listing.hpp"
#include "archive/transcript.hpp"
#include "core/session.hpp"
#include "protocol/client_messages.hpp"
#include "server/connection.hpp"
#include "server/metrics.hpp"
#include "store/store.hpp"

namespace hashchat::server {

using connection_id = std::uint64_t;

// Everything a room does outside itself.
namespace act {
struct send {  // a message of its own to one connection (welcome, reply, error, presence...)
    connection_id to = 0;
    frame_ptr frame;
};
struct broadcast {  // durable events to live members, each with the replies that waited for them
    event_batch batch;  // the shell adds `taken`, whose release is fanout_taken()
    std::vector<std::pair<connection_id, std::vector<frame_ptr>>> to;
};
struct send_backlog {
    connection_id to = 0;
    std::vector<frame_ptr> frames;
    core::seq_t next = 0;
    bool live = false;
};
struct joined {  // the connection's further commands go to this room
    connection_id to = 0;
};
struct close {
    connection_id to = 0;
    std::uint16_t code = 0;
};
struct persist {  // to the committer; its completion is committed(number, ...)
    store::write_batch batch;
    std::uint64_t number = 0;
    core::seq_t upto = 0;
    std::uint64_t mod_upto = 0;
    std::int64_t origin_ms = 0;
};
struct arm_timer {  // the domain clock's next due instant (none: cancel)
    std::optional<core::instant> due;
};
struct arm_fanout {  // the next broadcast of a busy session, after this many steady µs
    std::int64_t after_us = 0;
};
struct arm_recheck {  // look at waiting commands again after this many steady ms
    std::int64_t after_ms = 0;
};
struct presence_later {  // call presence() after what is queued on the strand (coalescing)
};
struct arm_handoff_check {  // following: look at the handed-over commands after this many ms
    std::int64_t after_ms = 0;
};
struct withdraw_handoffs {  // following: take back what no writer took (then withdrawn())
};
struct report_presence {  // several nodes: this node's members in the session now
    std::size_t online = 0;
};
struct recheck_key {  // following: a join's key is unknown here; read the keys, then join again
    connection_id to = 0;
    protocol::hello_msg hello;
    std::optional<std::string> rid;
};
struct run {  // a completion that waited for durability (an HTTP reply, a test clock's tick)
    std::function<void()> fn;
};
}  // namespace act

using room_action =
    std::variant<act::send, act::broadcast, act::send_backlog, act::joined, act::close,
                 act::persist, act::arm_timer, act::arm_fanout, act::arm_recheck,
                 act::presence_later, act::arm_handoff_check, act::withdraw_handoffs,
                 act::report_presence, act::recheck_key, act::run>;
using room_actions = std::vector<room_action>;

struct room_limits {
    std::size_t queue_bytes = 1 << 20;     // a connection's send-queue bound
    std::size_t backlog_bytes = 1 << 18;   // most bytes of backlog handed out at once
    std::size_t max_waiting = 1024;        // commands waiting for fan-out; past this, rate_limited
    int fanout_interval_ms = 10;           // a busy session broadcasts at most this often
    std::int64_t stalled_after_ms = 5000;  // a long queue that has not moved: a stopped reader
    std::int64_t recheck_ms = 500;         // waiting commands are looked at again this often
    // Several nodes: how long a command handed over to the writer may wait for its reply (no
    // writer: a failover is under way); past it, it is taken back and its sender asked to send
    // it again in `handoff_retry_ms` (rate_limited).
    std::int64_t handoff_bound_ms = 8000;
    std::int64_t handoff_retry_ms = 4000;
};

// Where a session stands: what is kept of it when its room is let go (no members, no posts).
struct room_standing {
    core::session_config config;
    std::vector<core::moderator_key> keys;
    std::optional<core::event> last_phase;  // the log's last phase event
    core::seq_t head = 0;
    core::chat_marks marks;  // started, ended
    // A phase event of the log, in order.
    void note_phase(const core::event& e);
};

// What archive lists show of a session.
using room_summary = archive::session_summary;

// When an input happens, on both clocks: `now` on the domain clock (the timetable, the test
// clock), `steady_us` for transport deadlines (fan-out coalescing, stalled readers), and how busy
// the process's CPUs are (the fan-out interval stretches with it).
struct moment {
    core::instant now;
    std::int64_t steady_us = 0;
    std::int64_t cpu_busy_permille = 0;
    std::int64_t steady_ms() const { return steady_us / 1000; }
};

class room_machine {
  public:
    static constexpr std::size_t backlog_chunk = 500;
    static constexpr std::int64_t retry_after_ms = 1000;

    room_machine(core::session s, room_limits limits, metrics& stats);

    // Rebuilds the state from the store. Adds to `reindex` the search index operations of the
    // events after `indexed_upto` (what the index has not read yet).
    void load(const std::vector<core::member>& members,
              const std::vector<store::stored_event>& events,
              const std::vector<std::string>& mod_entries, core::seq_t indexed_upto,
              std::vector<store::post_index_op>& reindex);

    // ---- inputs -------------------------------------------------------------------------------
    struct joining {
        connection_id id = 0;
        std::string address_hash;                 // SHA-256 of the client's network address
        std::shared_ptr<const flow_probe> probe;  // its send queue
        std::string new_token;                    // a fresh random token, issued if needed
    };
    // Following (several nodes), a key this room does not know may have been made on the
    // writer a moment ago: unless `key_rechecked`, the join is not refused but recheck_key'd
    // (the shell reads the session's keys from the store and joins again).
    room_actions join(joining c, const protocol::hello_msg& hello,
                      const std::optional<std::string>& rid, const moment& at,
                      bool key_rechecked = false);
    // `arrived_ms`: steady ms the command reached the room (for delivery latency); `text`: the
    // client's message, which a following room hands over.
    room_actions command(connection_id c, const core::command& cmd,
                         const std::optional<std::string>& rid,
                         const std::optional<std::string>& cid, std::int64_t arrived_ms,
                         const moment& at, const std::string& text = {});
    room_actions fetch(connection_id c, core::seq_t from, std::size_t max_bytes);
    room_actions leave(connection_id c, const moment& at);
    // Releases what is due; `done` (if any) runs once that is committed and sent.
    room_actions tick(const moment& at, std::function<void()> done = {});
    // A persist action's batch is durable.
    room_actions committed(std::uint64_t number, core::seq_t upto, std::uint64_t mod_upto,
                           std::int64_t origin_ms, const moment& at);
    // Several nodes, in a room of a session that another node writes: events and moderators'
    // log entries (their stored bodies) that node committed, read from the store after what this
    // room has. Each is applied and goes to the members as a committed event does, once and in
    // order: what the room has already is skipped, and a gap ends the input (the caller reads
    // again from committed_head()). Nothing is persisted or indexed: the writer did that.
    room_actions replicated(const std::vector<store::stored_event>& events,
                            const std::vector<std::string>& mod_entries, const moment& at);

    using key_reply = std::function<void(core::result<std::string>)>;

    // ---- several nodes (server/cluster.hpp) ---------------------------------------------------
    // Before load: this room is on node `node` (its instance name) of a cluster; it writes the
    // session if `epoch` is set (the lease it holds), else it follows the node that does: it
    // keeps its members and sends them what that node appends (replicated), hands their
    // commands over to it as rows and sends them its replies (writer_replied); its timetable
    // runs there, not here.
    void set_cluster(std::string node, std::optional<std::int64_t> epoch);
    bool writer() const { return writer_; }
    // Following: the lease was taken (the room caught up first, with replicated()): from now
    // on this room writes, starting with what fell due.
    room_actions promote(std::int64_t epoch, const moment& at);
    // Writing: commands other nodes handed over (store rows, in order; those already taken
    // are skipped). Each is executed as if its sender were here; what it appends, its row's
    // removal and the replies to its node are one transaction.
    room_actions handed_over(const std::vector<store::handoff_row>& rows, const moment& at);
    // Following: the writer's reply (an empty body: none) to a command this room handed over
    // for connection `c`, sent once the room has the events up to `after`.
    room_actions writer_replied(connection_id c, core::seq_t after, const std::string& body,
                                const moment& at);
    // Following: the check armed by arm_handoff_check. If commands handed over have waited past
    // the bound with no reply, they are taken back (withdraw_handoffs).
    room_actions handoff_check(const moment& at);
    // Following: the commands of this node taken back from the store before any writer took
    // them; each sender is asked to send it again later (rate_limited with retry_after_ms;
    // an HTTP write gets 429 with Retry-After). Those not among them were taken: their replies
    // come as usual.
    room_actions withdrawn(const std::vector<store::handoff_row>& rows, const moment& at);
    std::int64_t handoffs_taken() const { return handoff_taken_; }
    // Following: the session's configuration and moderator keys as the writer stored them;
    // the connections of a key revoked there are closed (policy) as on the writer.
    room_actions session_changed(core::session_config config, std::vector<core::moderator_key> keys,
                                 const moment& at);
    // Writing: where the reply to an HTTP write handed over by node `node` goes (the room
    // sends it back as http_replied). Set by the room before the first handed_over.
    using http_replier = std::function<key_reply(std::string node, std::uint64_t conn)>;
    void set_http_replier(http_replier r) { http_replier_ = std::move(r); }
    // Writing: the answer to a handed-over HTTP write, for its node, once durable.
    room_actions http_replied(const std::string& node, std::uint64_t conn,
                              const core::result<std::string>& r, const moment& at);
    // Every member's connection has taken the last broadcast.
    room_actions fanout_taken(const moment& at);
    room_actions fanout_timer(const moment& at);
    // A member's long queue drained, or the recheck timer fired: waiting commands may go on.
    room_actions drained(const moment& at);
    // The domain timer (arm_timer) fell due.
    room_actions timer_fired(const moment& at);
    room_actions presence();
    // Several nodes: the members the other nodes have in the session; presence counts them.
    room_actions others_online(std::size_t n);
    room_actions close_all(std::uint16_t code);
    // The room stops: its state went beyond the store, because another node took the session
    // over (`store_lost` false) or the store cannot be reached (true). The HTTP writes waiting
    // for a commit are answered with an error to try again (rate_limited or store_unavailable);
    // if the store was lost, every member is told (store_unavailable) before the room's shell
    // closes them (1013). What they sent and was not acknowledged they send again.
    room_actions lost(bool store_lost);
    // A member as it moves to another room of the session with its connection (a writer whose
    // lease was taken over steps down: its members go on in a room that follows): who it is,
    // and the last event it was sent.
    struct moving_member {
        connection_id id = 0;
        core::actor who;
        std::string key_id;
        bool viewer = false;
        std::string address_hash;
        std::shared_ptr<const flow_probe> probe;
        core::seq_t since = 0;
        std::uint64_t mod_since = 0;  // a moderator: the moderators' log entries it was sent
    };
    // After lost(false): every member, to move.
    std::vector<moving_member> members_moving() const;
    // Members moving in from the session's previous room on this node: they are members here
    // without a hello (their join was checked there) and are sent what they miss after `since`,
    // then live events. Their connections are told this room takes their commands (joined).
    room_actions adopt(const std::vector<moving_member>& moving, const moment& at);
    // Shutdown: takes on every waiting command, then closes each member with `code` once all
    // it was sent is durable and acknowledged; `done` runs then.
    room_actions drain(std::uint16_t code, std::function<void()> done, const moment& at);

    // HTTP, with a moderator key's hash. `done` gets an error or the JSON body, once durable.
    // Following (several nodes), they are handed over to the writer, whose answer `done` gets.
    room_actions create_key(const std::string& owner_hash, const std::string& label,
                            const std::string& new_key, const moment& at, key_reply done);
    // The writer's part of create_key: the new key's hash only (a following room hands this
    // over; the key itself never leaves the node the moderator asked).
    room_actions add_key(const std::string& owner_hash, const std::string& label,
                         const std::string& key_hash, const moment& at, key_reply done);
    room_actions list_keys(const std::string& owner_hash, key_reply done);
    room_actions revoke_key(const std::string& owner_hash, const std::string& key_id,
                            key_reply done);
    room_actions patch(const std::string& key_hash, const std::string& body, const moment& at,
                       key_reply done);

    // ---- reads (the room's lock held) ---------------------------------------------------------
    const std::string& id() const { return id_; }
    const core::session& session() const { return session_; }
    core::seq_t committed_head() const { return committed_; }
    std::uint64_t mod_head() const { return mod_log_.size(); }
    core::seq_t logged() const { return log_.size(); }  // durable or not
    std::int64_t epoch() const { return epoch_; }
    // Members online: here, and (several nodes) on the other nodes.
    std::size_t online() const { return local_online() + others_online_; }
    std::size_t local_online() const { return members_.size() - viewers_; }
    std::string view_json() const;
    room_summary summary() const;
    room_standing standing() const;
    // When the timetable has something due next (none: nothing).
    std::optional<core::instant> next_due() const { return session_.next_due(); }
    // The committed public log (each event's serialization).
    std::vector<frame_ptr> committed_log() const;
    // Nothing in flight: no member, no command waiting or being committed, nothing unsent.
    bool idle() const;
    std::size_t members() const { return members_.size(); }
    bool is_member(connection_id c) const { return members_.count(c) > 0; }
    // After the I/O threads have stopped: lets go of the connections' probes.
    void release_members() {
        members_.clear();
        viewers_ = 0;
    }
    std::size_t waiting() const { return waiting_.size(); }

  private:
    struct member_entry {
        core::actor who;
        bool live = false;    // caught up: receives broadcasts
        std::string key_id;   // the moderator key it joined with
        bool viewer = false;  // watches read-only (a pub screen): no handle, counts nowhere
        std::string address_hash;
        std::shared_ptr<const flow_probe> probe;
        core::seq_t backlog_sent = 0;  // not live: the backlog was handed out up to here
    };
    struct waiting_command {
        connection_id conn = 0;
        core::command cmd;
        std::optional<std::string> rid;
        std::optional<std::string> cid;
        std::int64_t arrived_ms = 0;
    };
    // Work waiting for a commit batch to be durable and broadcast: a function, or a reply to
    // one connection (an ack, an ok), which goes to a live member with the events it follows.
    struct after_commit {
        std::uint64_t batch = 0;
        std::function<void()> fn;
        connection_id to = 0;
        frame_ptr reply;
        key_reply http;  // an HTTP write's answer: told if the room is lost first (lost())
    };

    // A handed-over command's sender, while it is executed: what is addressed to it is kept.
    static constexpr connection_id remote_sender = ~connection_id{0};

    void join_viewer(const joining& c, core::seq_t since, const std::optional<std::string>& rid);
    void welcome(connection_id c, core::seq_t since, std::string message);
    void do_fetch(connection_id c, core::seq_t from, std::size_t max_bytes);
    void execute(connection_id c, const core::actor& who, const core::command& cmd,
                 const std::optional<std::string>& rid, const std::optional<std::string>& cid);
    void do_tick();
    bool overloaded() const;
    // A long queue that has not moved for a while: its reader stopped reading.
    bool stalled(const member_entry& m) const;
    void rescan_members();
    void process_waiting();
    void persist(const std::vector<core::event>& events, std::vector<core::member> members = {},
                 const std::vector<core::mod_entry>& mods = {},
                 std::vector<std::pair<std::string, std::string>> configs = {},
                 std::vector<store::key_change> keys = {});
    void fan_out();
    void broadcast(core::seq_t from, core::seq_t upto);
    void after_moderation(const std::vector<core::mod_entry>& mods);
    void send_mod_log(connection_id c, std::uint64_t after = 0);
    std::vector<std::string> address_hashes_of(const std::string& handle) const;
    void when_durable(std::function<void()> fn);
    // An HTTP write's answer once what it changed is durable (`answer` makes the body then).
    void answer_when_durable(key_reply done, std::function<std::string()> answer);
    void reply_when_durable(connection_id c, frame_ptr reply);
    void send(connection_id c, frame_ptr f) {
        if (c == remote_sender) return remote_replies_.push_back(std::move(f));
        emit(act::send{c, std::move(f)});
    }
    void hand_over(connection_id c, const member_entry& m, const core::command& cmd,
                   const std::string& text);
    void persist_handoff(std::uint64_t conn, std::string body);
    // Writing: a new batch of its own, under the lease, for rows that append nothing.
    store::write_batch& fenced_batch();
    void send_writer_replies();
    void send_error(connection_id c, const core::error& e, const std::optional<std::string>& rid,
                    const std::optional<std::string>& cid);
    void presence_changed();
    void note_phase(const core::event& e);
    void arm_timer();
    // An action for the shell (built in place in the list).
    template <class A>
    void emit(A&& a) {
        out_.emplace_back(std::in_place_type<std::decay_t<A>>, std::forward<A>(a));
    }
    // Every input starts here: the time it happens.
    void at(const moment& m) { at_ = m; }
    room_actions take() { return std::exchange(out_, {}); }

    room_limits limits_;
    metrics& stats_;
    std::string id_;
    core::session session_;
    room_standing marks_;  // its phase events' marks (started, ended, the last phase)

    std::vector<frame_ptr> log_;      // log_[seq - 1]: every event's serialization
    std::vector<frame_ptr> mod_log_;  // mod_log_[n - 1]: the moderators' log, as sent
    std::uint64_t mod_committed_ = 0;
    core::seq_t committed_ = 0;  // events up to here are durable and broadcast
    core::seq_t durable_ = 0;    // events up to here are durable
    bool fanout_busy_ = false;   // members' connections have not all taken a batch
    bool fanout_timer_armed_ = false;
    std::int64_t pending_origin_ms_ = 0;  // origin of the oldest durable event not broadcast
    std::uint64_t fanned_batches_ = 0;    // commit batches durable and broadcast
    std::uint64_t submitted_batches_ = 0;
    std::uint64_t completed_batches_ = 0;
    std::deque<after_commit> after_commit_;
    std::int64_t last_fanout_us_ = 0;
    std::int64_t fanout_interval_us_ = 0;  // before the next broadcast (fanout_interval.hpp)

    std::unordered_map<connection_id, member_entry> members_;
    std::size_t viewers_ = 0;
    bool presence_pending_ = false;
    std::size_t others_online_ = 0;               // several nodes: members on the other nodes
    std::optional<std::size_t> reported_online_;  // several nodes: last report_presence

    std::deque<waiting_command> waiting_;
    bool recheck_armed_ = false;
    // Steady ms the command being executed reached the room (0: a timer or the server).
    std::int64_t origin_ms_ = 0;
    // Push-back: bytes of events persisted but not yet broadcast, and the longest queue among
    // live members that are still reading (as last seen).
    std::size_t pending_bytes_ = 0;
    std::size_t fanout_backlog_ = 0;
    bool draining_ = false;
    std::optional<core::instant> armed_for_;

    // Several nodes: this instance's name (empty: one node), whether this room writes (else it
    // follows) and the epoch of its lease.
    std::string node_;
    bool writer_ = true;
    std::int64_t epoch_ = 0;
    std::int64_t handoff_taken_ = 0;             // writing: the last handed-over command taken
    std::vector<frame_ptr> remote_replies_;      // to a handed-over command's sender
    std::vector<std::string> remote_addresses_;  // its node's addresses of a handle it bans
    struct writer_reply {
        core::seq_t after = 0;
        connection_id to = 0;
        frame_ptr body;
    };
    std::deque<writer_reply> writer_replies_;  // following: replies waiting for their events
    std::size_t handed_ = 0;                   // following: commands with no reply yet
    std::int64_t handoff_since_ms_ = 0;  // steady ms of the last hand-over progress (or first)
    bool handoff_check_armed_ = false;
    std::int64_t last_key_recheck_ms_ = -1'000'000;  // following: steady ms of the last recheck_key
    void note_hand_over();  // a command handed over: the bound's check is armed
    // Following: HTTP writes handed over, by their number (above any connection's), waiting
    // for the writer's answer.
    std::map<std::uint64_t, key_reply> http_waiting_;
    std::uint64_t http_handed_ = std::uint64_t{1} << 62;
    http_replier http_replier_;  // writing
    room_actions hand_over_http(const std::string& op, key_reply done);
    room_actions run_http(const std::string& body, key_reply done, const moment& at);
    // Writing: a handed-over row is taken in the batch of what it appended (after index
    // `before` of out_), or in one of its own; with the replies to its node (`answer`: an empty
    // one if there is none).
    void take_row(const store::handoff_row& row, std::size_t before, bool answer);
    bool following() const { return !node_.empty() && !writer_; }

    moment at_;  // the current input's time
    room_actions out_;
};

}  // namespace hashchat::server
