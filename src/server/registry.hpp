// Every stored session (a session_entry each), and the rooms of those that are live: a room is
// built when first needed (a join, a command, an HTTP write, a timer falling due) and let go when
// it has no connections, nothing in flight and nothing due within --room-idle-seconds. At start
// only the list of sessions and where each log stands are read, not the logs.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/clock.hpp"
#include "server/committer.hpp"
#include "server/metrics.hpp"
#include "server/room.hpp"
#include "server/session_entry.hpp"
#include "store/store.hpp"

namespace hashchat::server {

class cluster;

struct registry_options {
    room_limits limits;
    // Several nodes: this node's part (rooms take leases, follow or write); null: one node.
    cluster* nodes = nullptr;
    std::size_t max_text = 1000;
    core::duration idle_after = std::chrono::minutes(5);
};

class registry : public std::enable_shared_from_this<registry> {
  public:
    using room_callback = std::function<void(std::shared_ptr<room>)>;

    registry(boost::asio::io_context& ioc, const clock& time, store::store& db, committer& commits,
             metrics& stats, registry_options opts);

    // At start: every stored session's entry (its configuration, keys and log marks), the search
    // index brought up to date, and the rooms of sessions with something already due.
    void load();

    std::shared_ptr<session_entry> find(const std::string& id);
    // Several nodes: `then` once a session this node does not know has been looked for in the
    // store (made on another node, its notification not come yet); at once if it is known or
    // there is one node. `then` runs on any thread.
    void lookup(const std::string& id, std::function<void()> then);
    std::vector<std::shared_ptr<session_entry>> all();  // newest first
    // Holds an id for a session being made (false if it is taken or held).
    bool reserve(const std::string& id);
    // Gives back an id held for a session that will not be made.
    void unreserve(const std::string& id);
    // A new session, now stored (its id reserved): its entry; no room until one is needed.
    void add(core::session s);

    // Calls `fn` with the session's room, built first if need be (off the I/O threads), or with
    // null if there is no such session. `fn` runs on any thread.
    void with_room(const std::string& id, room_callback fn);
    std::vector<std::shared_ptr<room>> loaded();

    // Test clock: builds the rooms whose timetable fell due, ticks every room; `done` once every
    // change is committed and sent.
    void advance(std::function<void()> done);
    // Graceful stop: every loaded room commits and acknowledges what it has received, then
    // closes its members with `code`; `done` once all have.
    void drain(std::uint16_t code, std::function<void()> done);
    // After the I/O threads have stopped.
    void release();

    // ---- several nodes: from the cluster thread ----------------------------------------------
    std::shared_ptr<room> loaded_room(const std::string& id);
    // A session made on another node, or whose configuration or keys another node changed.
    void learn(const store::stored_session& s, const store::log_marks& marks);
    // Another node appended to a session whose room is not loaded here: what its entry shows
    // (head, phase) is read again.
    void stale(const std::string& id);
    // This node starts writing the session (a room built with its lease, or promoted): the
    // search index gets what the store has after the session's watermark (a node that died, or
    // lost the store, may not have indexed it), if the store's index may be written twice
    // (store::index_replayable). Off this thread.
    void catch_up_index(const std::string& id);

  private:
    void open_room(const std::string& id, room_callback fn);
    std::shared_ptr<room> make_room(core::session s);
    void build(const std::shared_ptr<session_entry>& e);
    void on_idle(const std::shared_ptr<room>& r);
    void on_lost(const std::shared_ptr<room>& r);
    // A following room met a key it does not know: the session's keys are read from the store
    // and given to it, then `then`.
    void reread_keys(const std::shared_ptr<room>& r, std::function<void()> then);
    // A room that stepped down: its members go on in the session's next room.
    void rehome(const std::shared_ptr<room>& old, std::vector<moving_member> members);
    // Adds to `batch` the search index operations of the session's events after `upto`.
    void index_after(const std::string& id, const core::session_config& config, core::seq_t upto,
                     store::write_batch& batch);
    // On builders_: the entry of `id`, if its room is still `r` (null: none), is made again
    // with its log's marks read from the store. False if it changed meanwhile.
    bool reread(const std::string& id, const std::shared_ptr<room>& r);
    // Under mutex_: when the entry's room must be built next (it has none), or not.
    void schedule(const std::shared_ptr<session_entry>& e);
    void arm_due_timer();
    void on_due();
    // A session fell due with no room here: its room is built (several nodes: if this node
    // claims it by taking its lease; else `fn` gets none).
    void open_due(const std::string& id, room_callback fn);
    // The sessions with no room whose timetable falls due by `now`, no longer scheduled.
    std::vector<std::string> take_due(core::instant now);

    boost::asio::io_context& ioc_;
    const clock& time_;
    store::store& db_;
    committer& commits_;
    metrics& stats_;
    registry_options opts_;

    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<session_entry>> entries_;
    std::unordered_map<std::string, std::vector<room_callback>> building_;  // id -> waiting
    std::set<std::string> reserved_;  // ids of sessions being made
    std::set<std::string> stale_;     // several nodes: entries whose marks are being read again
    std::set<std::pair<core::instant, std::string>> due_;  // sessions with no room, by due
    std::unordered_map<std::string, core::instant> due_of_;
    boost::asio::strand<boost::asio::io_context::executor_type> timer_strand_;
    boost::asio::steady_timer due_timer_;
    std::optional<core::instant> due_armed_;
    std::atomic<bool> trim_queued_{false};  // a malloc_trim is waiting on builders_
    boost::asio::thread_pool builders_{1};  // rooms are built here, off the I/O threads
};

}  // namespace hashchat::server
