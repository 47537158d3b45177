// One session's place in the server: the core state machine, its members' connections and the
// serialized log. Runs on its own strand; the core decides, the room persists (group commit via
// the committer), then broadcasts each event's one serialization to every member.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "archive/transcript.hpp"
#include "core/session.hpp"
#include "protocol/client_messages.hpp"
#include "server/clock.hpp"
#include "server/committer.hpp"
#include "server/connection.hpp"
#include "server/metrics.hpp"
#include "store/store.hpp"

namespace hashchat::server {

// What the archive lists show of a session.
struct room_summary {
    core::session_config config;
    archive::chat_state state = archive::chat_state::scheduled;
    std::optional<core::instant> started_at;  // the first part began
    std::optional<core::instant> ended_at;    // it closed
    core::seq_t head = 0;
};

struct room_deps {
    const clock& time;
    committer& commits;
    metrics& stats;
    store::store& db;           // for configuration changes (moderator keys)
    std::size_t queue_bytes;    // a connection's send-queue bound
    std::size_t backlog_bytes;  // most bytes of backlog handed to a connection at once
    std::size_t max_waiting;    // commands waiting for fan-out; past this, rate_limited
    int fanout_interval_ms;     // a busy session's broadcasts start at most this often
};

class room : public std::enable_shared_from_this<room> {
  public:
    static constexpr std::size_t backlog_chunk = 500;
    static constexpr std::int64_t retry_after_ms = 1000;
    // A long queue that has not moved for this long belongs to a reader that stopped reading:
    // it does not hold the session back (it is dropped at its bound instead).
    static constexpr std::int64_t stalled_after_ms = 5000;

    room(boost::asio::any_io_executor strand, core::session s, room_deps deps);

    const std::string& id() const { return id_; }

    // Rebuilds the state from the store; call before the room is shared.
    // `reindex`, if given, receives the search index entries of the whole log (after an upgrade
    // of a store that had no index).
    // Replays the stored log; adds to `reindex` the search index operations of the events
    // after `indexed_upto` (what the index has not read yet).
    void load(const std::vector<core::member>& members,
              const std::vector<store::stored_event>& events,
              const std::vector<std::string>& mod_entries, core::seq_t indexed_upto,
              std::vector<store::post_index_op>& reindex);

    // Thread-safe entry points (each posts to the room's strand).
    void start();  // releases what is due and sets the timer
    void join(std::shared_ptr<connection> c, protocol::hello_msg hello,
              std::optional<std::string> rid);
    void command(std::shared_ptr<connection> c, core::command cmd, std::optional<std::string> rid,
                 std::optional<std::string> cid);
    void fetch(std::shared_ptr<connection> c, core::seq_t from, std::size_t max_bytes);
    void leave(std::uint64_t connection_id);
    void tick(std::function<void()> done);  // `done` runs once the changes are committed and sent
    void close_all(std::uint16_t code);
    // A member's long queue has drained: waiting commands may go on.
    void drained();
    // Shutdown: takes on every waiting command, then closes each member with `code` once all
    // it was sent is durable and acknowledged; `done` runs then.
    void drain(std::uint16_t code, std::function<void()> done);
    // After the I/O threads have stopped: lets go of the connections (they refer back to it).
    void release_members() {
        members_.clear();
        viewers_ = 0;
    }

    // Moderator keys over HTTP. `owner_hash` is the SHA-256 of the bearer key; the answer is an
    // error or the JSON body. Thread-safe; `done` runs on the room's strand.
    using key_reply = std::function<void(core::result<std::string>)>;
    void create_key(std::string owner_hash, std::string label, key_reply done);
    void list_keys(std::string owner_hash, key_reply done);
    void revoke_key(std::string owner_hash, std::string key_id, key_reply done);
    // PATCH /api/sessions/{id} with any moderator key: answers the new public view.
    void patch(std::string key_hash, std::string body, key_reply done);

    // Any thread: the session's configuration.
    core::session_config config();

    // Any thread: the public view with the committed head.
    std::string view_json();
    // Any thread: what archive lists show.
    room_summary summary();
    // Thread-safe: the committed public log (each event's serialization); `done` runs on the
    // room's strand and should hand heavy work elsewhere.
    void committed_log(std::function<void(std::vector<frame_ptr>)> done);
    // Any thread: for sorting lists.
    core::instant created_at() const { return created_at_; }

  private:
    struct member_entry {
        std::shared_ptr<connection> conn;
        core::actor who;
        bool live = false;    // caught up: receives broadcasts
        std::string key_id;   // the moderator key it joined with
        bool viewer = false;  // watches read-only (a pub screen): no handle, counts nowhere
    };

    void do_join(const std::shared_ptr<connection>& c, const protocol::hello_msg& hello,
                 const std::optional<std::string>& rid);
    void do_command(const std::shared_ptr<connection>& c, const core::command& cmd,
                    const std::optional<std::string>& rid, const std::optional<std::string>& cid,
                    std::int64_t arrived_ms);
    void join_viewer(const std::shared_ptr<connection>& c, core::seq_t since,
                     const std::optional<std::string>& rid);
    // Sends the welcome `message()` makes (with the committed head), then the backlog.
    void welcome(const std::shared_ptr<connection>& c, core::seq_t since,
                 const std::function<std::string()>& message);
    void do_fetch(const std::shared_ptr<connection>& c, core::seq_t from, std::size_t max_bytes);
    void do_tick(std::function<void()> done);
    void execute(const std::shared_ptr<connection>& c, const core::actor& who,
                 const core::command& cmd, const std::optional<std::string>& rid,
                 const std::optional<std::string>& cid);
    bool overloaded() const;
    void process_waiting();

    // Serializes, keeps and submits events, moderators' log entries and member rows as one batch.
    void persist(const std::vector<core::event>& events, std::vector<core::member> members = {},
                 const std::vector<core::mod_entry>& mods = {},
                 std::vector<std::pair<std::string, std::string>> configs = {});
    void on_committed(std::uint64_t batch, core::seq_t upto, std::uint64_t mod_upto,
                      std::int64_t origin_ms);
    // Hands what is durable and not yet broadcast to every live member, as one batch.
    void fan_out();
    // After a moderation outcome is durable: tell authors, close banned members.
    void after_moderation(const std::vector<core::mod_entry>& mods);
    void send_mod_log(const std::shared_ptr<connection>& c);
    std::vector<std::string> address_hashes_of(const std::string& handle) const;
    // Runs `fn` once everything submitted so far is durable.
    void when_durable(std::function<void()> fn);
    void reply_when_durable(const std::shared_ptr<connection>& c, frame_ptr reply);
    void send_error(const std::shared_ptr<connection>& c, const core::error& e,
                    const std::optional<std::string>& rid, const std::optional<std::string>& cid);
    void presence_changed();
    // Keeps started_at_/ended_at_ up to date (on the strand, or while loading).
    void note_phase(const core::event& e);
    void arm_timer();

    boost::asio::any_io_executor strand_;
    room_deps deps_;
    std::string id_;
    core::instant created_at_;

    std::mutex state_mutex_;  // guards session_ for readers on other threads (view_json)
    core::session session_;
    std::optional<core::instant> started_at_;  // guarded by state_mutex_
    std::optional<core::instant> ended_at_;

    std::vector<frame_ptr> log_;      // log_[seq - 1]: every event's serialization
    std::vector<frame_ptr> mod_log_;  // mod_log_[n - 1]: the moderators' log, as sent
    std::uint64_t mod_committed_ = 0;
    std::atomic<core::seq_t> committed_{0};  // events up to here are durable and broadcast
    core::seq_t durable_ = 0;                // events up to here are durable
    bool fanout_busy_ = false;               // members' connections have not all taken a batch
    std::int64_t pending_origin_ms_ = 0;     // origin of the oldest durable event not broadcast
    std::uint64_t fanned_batches_ = 0;       // commit batches durable and broadcast
    std::uint64_t submitted_batches_ = 0;
    std::uint64_t completed_batches_ = 0;
    // Work waiting for a commit batch to be durable and broadcast: a function, or a reply to
    // one connection (an ack, an ok), which goes to a live member with the events it follows.
    struct after_commit {
        std::uint64_t batch = 0;
        std::function<void()> fn;
        std::shared_ptr<connection> to;
        frame_ptr reply;
    };
    std::deque<after_commit> after_commit_;

    std::unordered_map<std::uint64_t, member_entry> members_;
    std::size_t viewers_ = 0;  // members_ that are viewers
    bool presence_pending_ = false;

    struct waiting_command {
        std::shared_ptr<connection> conn;
        core::command cmd;
        std::optional<std::string> rid;
        std::optional<std::string> cid;
        std::int64_t arrived_ms = 0;
    };
    std::deque<waiting_command> waiting_;
    // Steady ms the command being executed reached the room (0: a timer or the server), for the
    // delivery latency of the events it makes.
    std::int64_t origin_ms_ = 0;
    // Push-back: bytes of events persisted but not yet broadcast, and the longest queue among
    // live members that are still reading (as last seen).
    std::size_t pending_bytes_ = 0;
    std::size_t fanout_backlog_ = 0;
    void rescan_members();
    boost::asio::steady_timer recheck_;
    bool fanout_timer_armed_ = false;
    std::int64_t last_fanout_us_ = 0;
    std::int64_t fanout_interval_us_ = 0;     // before the next broadcast (fanout_interval.hpp)
    boost::asio::steady_timer fanout_timer_;  // the next broadcast of a busy session
    bool draining_ = false;
    std::atomic<std::size_t> online_{0};

    boost::asio::steady_timer timer_;
    std::optional<core::instant> armed_for_;
};

}  // namespace hashchat::server
