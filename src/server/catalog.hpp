// The chat series, and the making of new sessions and series: the id each takes (its base from
// the hashtag and title, then base-2, base-3 ...), held while its rows are committed through the
// committer; its owner key; and, for a series, where its next sessions start. A session or a
// series exists for the server (and its id answers) once its rows are durable.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "protocol/series_json.hpp"
#include "server/clock.hpp"
#include "server/committer.hpp"
#include "server/registry.hpp"
#include "server/session_entry.hpp"
#include "store/store.hpp"

namespace hashchat::server {

struct created_session {
    std::string id;
    std::string moderator_key;
};

struct created_series {
    std::string id;
    std::string moderator_key;  // the owner key of the series and each of its sessions
    std::vector<std::string> sessions;
};

class catalog : public std::enable_shared_from_this<catalog> {
  public:
    // Answers go through `done` (on the committer's thread) once what was made is durable, or
    // at once with an error, having held nothing.
    template <class T>
    using reply = std::function<void(core::result<T>)>;

    catalog(const clock& time, store::store& db, committer& commits,
            std::shared_ptr<registry> sessions, std::size_t max_text);

    // At start, the stored series.
    void load(const std::vector<store::store::stored_series>& stored);

    void create(std::string_view body, reply<created_session> done);
    void create_series(std::string_view body, reply<created_series> done);
    // The series' next `count` sessions after its last one, made or being made (the series key
    // is the owner's).
    void extend_series(const std::string& id, const std::string& key, int count,
                       reply<std::vector<std::string>> done);

    std::optional<protocol::series_config> find_series(const std::string& id);
    // Its stored sessions, by start.
    std::vector<std::shared_ptr<session_entry>> sessions_of_series(const std::string& id);

  private:
    // Under mutex_: the series, read from the store if another node made it; or none.
    struct series_state;
    series_state* find_locked(const std::string& id);
    // Under mutex_: holds a free id for each configuration (its id set), adds its rows to
    // `batch` and its state to `made`. On failure nothing stays held.
    core::result<std::vector<std::string>> hold_sessions(std::vector<core::session_config> configs,
                                                         const std::string& key_hash,
                                                         store::write_batch& batch,
                                                         std::vector<core::session>& made);
    // Claims the id across nodes (store::claim_id): false if taken, an error if the store
    // cannot be reached.
    core::result<bool> claim(std::string_view kind, const std::string& id);
    // Commits what was made; the sessions exist once it is durable, then `done` runs.
    // If the store cannot be reached, the ids are let go and `failed` runs instead.
    void commit_new(store::write_batch batch, std::vector<core::session> made,
                    std::function<void()> done, std::function<void(const core::error&)> failed);

    const clock& time_;
    store::store& db_;
    committer& commits_;
    std::shared_ptr<registry> sessions_;
    std::size_t max_text_;

    std::mutex mutex_;
    struct series_state {
        protocol::series_config config;
        std::string key_hash;
        // The start of its last session being made, until it is stored (for the next extend).
        std::optional<core::instant> last_held;
    };
    std::unordered_map<std::string, series_state> series_;
};

}  // namespace hashchat::server
