// One session's place in the server: the strand and executor of its room_machine. Every input
// goes to the strand, is given the time on both clocks and handed to the machine; the actions it
// returns are performed here (persist through the committer, send to connections, arm timers).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/session.hpp"
#include "protocol/client_messages.hpp"
#include "server/clock.hpp"
#include "server/committer.hpp"
#include "server/connection.hpp"
#include "server/metrics.hpp"
#include "server/room_machine.hpp"
#include "store/store.hpp"

namespace hashchat::server {

class room;

// A member moving with its connection to the session's next room on this node.
struct moving_member {
    std::shared_ptr<connection> conn;
    room_machine::moving_member state;
};

struct room_deps {
    const clock& time;
    committer& commits;
    metrics& stats;
    room_limits limits;
    // A room with nothing in flight and nothing due within this long (domain clock) may be let
    // go: `idle` is told (on the room's strand), and decides.
    core::duration idle_after = std::chrono::minutes(5);
    std::function<void(const std::shared_ptr<room>&)> idle{};
    // Where an input that reaches a room already let go is sent again: the session's room,
    // built anew if need be.
    std::function<void(const std::string&, std::function<void(std::shared_ptr<room>)>)> reload{};
    // The room wrote its session and another node took its lease over, or the store could not
    // be reached (`store_lost`); it has closed its members (they reconnect, to a room built
    // again from the store) and is let go.
    std::function<void(const std::shared_ptr<room>&, bool store_lost)> lost{};
    // Several nodes: the room stepped down (its lease taken over): its members, still connected,
    // go on in the session's next room, which follows the new writer (room::adopt).
    // The room then gets its successor (room::succeeded_by), null if none could be built.
    std::function<void(const std::shared_ptr<room>&, std::vector<moving_member> members)> rehome{};
    // Several nodes: reads the session's configuration and keys from the store (another node
    // changed them a moment ago), then `then` (on another thread; the room has them by then).
    std::function<void(const std::shared_ptr<room>&, std::function<void()> then)> reread_keys{};
    // Several nodes: this node's members in the session changed (presence across nodes).
    std::function<void(const std::string& session, std::size_t online)> report_presence{};
    // Several nodes, following: takes this node's handed-over commands to the session back from
    // the store (those no writer took) and gives them to `done` (on another thread).
    std::function<void(const std::string& session,
                       std::function<void(std::vector<store::handoff_row>)> done)>
        withdraw{};
};

// Several nodes: where a room stands, for the cluster thread.
struct room_position {
    bool writer = false;
    std::int64_t epoch = 0;
    core::seq_t logged = 0;  // events it has (durable or not)
    std::uint64_t mod_logged = 0;
    std::int64_t handoffs_taken = 0;
    std::size_t members = 0;
    bool due = false;  // its timetable has something due now
};

class room : public std::enable_shared_from_this<room> {
  public:
    room(boost::asio::any_io_executor strand, core::session s, room_deps deps);

    const std::string& id() const { return id_; }

    // Replays the stored log; adds to `reindex` the search index operations of the events
    // after `indexed_upto` (what the index has not read yet). Call before the room is shared.
    void load(const std::vector<core::member>& members,
              const std::vector<store::stored_event>& events,
              const std::vector<std::string>& mod_entries, core::seq_t indexed_upto,
              std::vector<store::post_index_op>& reindex);

    // Thread-safe entry points (each posts to the room's strand).
    void start();  // releases what is due and sets the timer
    void join(std::shared_ptr<connection> c, protocol::hello_msg hello,
              std::optional<std::string> rid, bool key_rechecked = false);
    // `text`: the client's message (a following room hands it over to the writer).
    void command(std::shared_ptr<connection> c, core::command cmd, std::optional<std::string> rid,
                 std::optional<std::string> cid, std::string text = {});
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
    void release_members();

    // Moderator keys over HTTP. `owner_hash` is the SHA-256 of the bearer key; the answer is an
    // error or the JSON body, once durable. Thread-safe; `done` runs on the room's strand.
    using key_reply = room_machine::key_reply;
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

    // ---- several nodes (server/cluster.hpp), thread-safe --------------------------------------
    // Before load: on node `node`, writing under a lease of `epoch`, or following.
    void set_cluster(std::string node, std::optional<std::int64_t> epoch);
    room_position position();
    // Following: what the writer appended (room_machine::replicated).
    void replicate(std::vector<store::stored_event> events, std::vector<std::string> mods);
    // Following: the session's configuration and keys changed on the writer.
    void session_changed(core::session_config config, std::vector<core::moderator_key> keys);
    // Following: the lease is taken; the room catches up with these (read after the take-over),
    // writes from now on and takes the commands handed over.
    void promote(std::int64_t epoch, std::vector<store::stored_event> events,
                 std::vector<std::string> mods, std::vector<store::handoff_row> handed);
    // Writing: commands handed over by other nodes.
    void handed_over(std::vector<store::handoff_row> rows);
    // Following: the writer's reply to a command handed over for connection `c`.
    void writer_replied(connection_id c, core::seq_t after, std::string body);
    // Writing: the lease was taken over (a batch was fenced, or a renewal failed), or the store
    // cannot be reached (`store_lost`): the room lets go of what it holds beyond the store
    // (room_machine::lost) and is let go (deps.lost). Taken over, it steps down and keeps its
    // clients: they go on, connected, in a room that follows the new writer (deps.rehome), and
    // send again what was not acknowledged. The store lost, it closes them with 1013 (try again
    // later).
    void lost(bool store_lost = false);
    // Several nodes: the members the other nodes have in the session.
    void others_online(std::size_t n);
    // Members of the session's previous room on this node, with their connections.
    void adopt(std::vector<moving_member> members);
    // Stepped down: the room its members moved to (null: none could be built); what reached
    // this room meanwhile goes there now.
    void succeeded_by(std::shared_ptr<room> next);

    // On the room's strand, from `idle`: whether it is still idle, and if so, it is let go: it
    // takes no more input (what reaches it is sent to its successor) and says where it stood.
    std::optional<room_standing> retire();

  private:
    // The time of an input, on both clocks.
    moment now() const;
    // Calls the machine under the lock, then performs what it returns (outside the lock: a
    // completion may read the room). `caller` receives what is addressed to a connection that
    // is not (or no longer) a member, such as the refusal of its join.
    // `let_go`: false for the first tick of a room just built, whose inputs (a join, an HTTP
    // write) are on their way: it would be let go before they arrive, again and again.
    template <class Input>
    void step(Input&& input, const std::shared_ptr<connection>& caller = nullptr,
              bool let_go = true) {
        // Let go: its successor owns the session; a timer or a write's completion that still
        // reaches this room changes nothing (what can change state was sent on: forward()).
        if (retired_) return;
        room_actions actions;
        bool idle = false;
        {
            std::lock_guard lock(mutex_);
            actions = input(machine_);
            idle = let_go && may_retire();
        }
        perform(actions, caller);
        if (idle && idle_) idle_(shared_from_this());
    }
    // Under the lock: nothing in flight, nothing due soon.
    bool may_retire() const;
    void perform(room_actions& actions, const std::shared_ptr<connection>& caller);
    // An input that reached this room after it was let go goes to the session's next room.
    // `none` runs instead if the next room cannot be built (the store cannot be reached).
    void forward(std::function<void(std::shared_ptr<room>)> input, std::function<void()> none = {});
    // The member's connection, or null; no reference is taken (a broadcast looks up every
    // member), so use it at once, on the strand.
    connection* find(connection_id id, const std::shared_ptr<connection>& caller) const;
    void arm_timer(std::optional<core::instant> due);

    boost::asio::any_io_executor strand_;
    const clock& time_;
    committer& commits_;
    metrics& stats_;
    std::string id_;
    core::instant created_at_;

    core::duration idle_after_;
    std::function<void(const std::shared_ptr<room>&)> idle_;
    std::function<void(const std::string&, std::function<void(std::shared_ptr<room>)>)> reload_;
    std::function<void(const std::shared_ptr<room>&, bool)> lost_;
    bool retired_ = false;  // strand only: let go; inputs go to the session's next room

    std::mutex mutex_;  // guards machine_ for readers on other threads (views, summaries)
    room_machine machine_;
    // The connections of members, for performing the machine's actions (strand only).
    std::unordered_map<connection_id, std::shared_ptr<connection>> connections_;

    boost::asio::steady_timer timer_;          // the domain clock's next due instant
    boost::asio::steady_timer fanout_timer_;   // the next broadcast of a busy session
    boost::asio::steady_timer recheck_;        // waiting commands looked at again
    boost::asio::steady_timer handoff_timer_;  // handed-over commands looked at again
    std::function<void(const std::string&, std::function<void(std::vector<store::handoff_row>)>)>
        withdraw_;
    std::function<void(const std::shared_ptr<room>&, std::vector<moving_member>)> rehome_;
    // Stepped down (strand only): until the room its members moved to is known, what reaches
    // this room waits here, so that it follows their adoption there.
    bool awaiting_successor_ = false;
    std::vector<std::pair<std::function<void(std::shared_ptr<room>)>, std::function<void()>>>
        held_for_successor_;
    std::function<void(const std::string&, std::size_t)> report_presence_;
    std::function<void(const std::shared_ptr<room>&, std::function<void()>)> reread_keys_;
};

}  // namespace hashchat::server
