// A stored session as the server knows it whether or not its room is loaded: its configuration,
// its keys and where its log stands (head, phase, started, ended), without the log itself; and
// its room while one is loaded. HTTP reads come here: from the room if it is loaded, else from
// what is stored; they never build a room.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/session.hpp"
#include "server/room.hpp"
#include "store/store.hpp"

namespace hashchat::server {

// The hashes of the keys not revoked (what a core::session is made with).
std::vector<std::string> valid_key_hashes(const std::vector<core::moderator_key>& keys);

class session_entry {
  public:
    // From the store: the configuration, the keys and the log's marks (head, phase events).
    session_entry(core::session_config config, std::vector<core::moderator_key> keys,
                  const store::log_marks& marks);
    // A session just created: nothing logged yet.
    session_entry(core::session_config config, std::vector<core::moderator_key> keys);

    const std::string& id() const { return id_; }
    core::instant created_at() const { return created_at_; }

    // Any thread: from the loaded room, else from what is stored.
    core::session_config config();
    std::string view_json();
    room_summary summary();
    // With no room loaded: when one must be built because something falls due (the timetable).
    std::optional<core::instant> next_due();
    // What is stored of it (configuration, keys, marks), to build its room from.
    room_standing standing();

    // The hub's side (under the hub's lock for the room pointer's changes).
    std::shared_ptr<room> loaded();
    void set_room(std::shared_ptr<room> r);
    // The room is let go: what it stood at is kept.
    void unload(room_standing s);

  private:
    void note(const room_standing& s);

    const std::string id_;
    const core::instant created_at_;
    std::mutex mutex_;
    std::shared_ptr<room> room_;
    // With no room loaded: a session holding the configuration, the keys and the last phase
    // (no members, no posts), and the log's head.
    core::session bare_;
    room_standing standing_;
};

}  // namespace hashchat::server
