// The durable store: SQLite in WAL mode holding each session's configuration, moderator key
// hashes, members and append-only event log. Every write is one transaction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/events.hpp"
#include "core/session.hpp"

struct sqlite3;

namespace hashchat::store {

enum class durability { full, normal };  // PRAGMA synchronous

struct stored_session {
    std::string id;
    std::string config_json;
    std::vector<std::string> key_hashes;    // of keys not revoked, owner first
    std::vector<core::moderator_key> keys;  // all, with their ids and labels
};

struct event_row {
    std::string session_id;
    core::seq_t seq = 0;
    std::int64_t at_ms = 0;
    std::string kind;
    std::string cid;
    std::shared_ptr<const std::string> body;  // the serialized event, as sent to clients
};

struct stored_event {
    std::string body;
    std::string cid;
};

struct member_row {
    std::string session_id;
    core::member m;
};

// An entry of a session's moderators' log.
struct mod_row {
    std::string session_id;
    std::uint64_t n = 0;
    std::int64_t at_ms = 0;
    std::string kind;
    std::string body;  // the entry as the store keeps it (protocol::store_mod)
};

struct write_batch {
    std::vector<event_row> events;
    std::vector<member_row> members;
    std::vector<mod_row> mods;
    std::vector<std::pair<std::string, std::string>> configs;  // session id -> new config JSON
    bool empty() const {
        return events.empty() && members.empty() && mods.empty() && configs.empty();
    }
};

// Failures of the machine (disk full, corrupt file) are thrown as store_error.
class store_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class store {
  public:
    store(const std::filesystem::path& file, durability d);
    ~store();
    store(const store&) = delete;
    store& operator=(const store&) = delete;

    // False if the id is taken.
    bool create_session(const std::string& id, const std::string& config_json,
                        const std::string& key_hash, std::int64_t created_ms);
    std::vector<stored_session> sessions();
    std::vector<core::member> members(const std::string& session_id);
    std::vector<stored_event> events(const std::string& session_id);
    std::vector<std::string> mod_entries(const std::string& session_id);  // bodies, in order

    // Chat series: false if the id is taken.
    bool create_series(const std::string& id, const std::string& config_json,
                       const std::string& key_hash, std::int64_t created_ms);
    struct stored_series {
        std::string id;
        std::string config_json;
        std::string key_hash;
    };
    std::vector<stored_series> series();

    void add_key(const std::string& session_id, const core::moderator_key& key);
    void revoke_key(const std::string& session_id, const std::string& key_id);

    // Appends events and upserts members in one transaction (a group commit).
    void commit(const write_batch& batch);

  private:
    void exec(const char* sql);

    std::mutex mutex_;
    sqlite3* db_ = nullptr;
};

}  // namespace hashchat::store
