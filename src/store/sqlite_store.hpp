// The embedded store: SQLite in WAL mode, one file in --data-dir. A writer connection (the
// committer's) and a reader connection (WAL: reads do not wait for the writer), the search
// index in FTS5.
#pragma once

#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "store/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace hashchat::store {

// A consistent copy of the SQLite file `from` in `to` (SQLite's online backup), taken while a
// server may be writing it. Restore: stop the server, put the copy in place of the file.
void sqlite_backup(const std::filesystem::path& from, const std::filesystem::path& to);

class sqlite_store final : public store {
  public:
    // `cache_mb`: the writer's page cache (PRAGMA cache_size).
    sqlite_store(const std::filesystem::path& file, durability d, int cache_mb = 64);
    ~sqlite_store() override;

    bool create_session(const std::string& id, const std::string& config_json,
                        const std::string& key_hash, std::int64_t created_ms) override;
    std::vector<stored_session> sessions() override;
    std::vector<core::member> members(const std::string& session_id) override;
    std::vector<stored_event> events(const std::string& session_id) override;
    std::vector<stored_event> events_after(const std::string& session_id, core::seq_t seq) override;
    log_marks marks(const std::string& session_id) override;
    std::vector<std::string> mod_entries(const std::string& session_id) override;
    bool create_series(const std::string& id, const std::string& config_json,
                       const std::string& key_hash, std::int64_t created_ms) override;
    std::vector<stored_series> series() override;
    // Ranked by BM25 with the term statistics of the window; search_error if FTS5 refuses it.
    search_result search(const search_request& req) override;
    std::map<std::string, post_counts> counts(const std::vector<std::string>& session_ids) override;
    std::set<std::string> authors(const std::vector<std::string>& session_ids) override;
    std::map<std::string, core::seq_t> index_watermarks() override;
    void commit(const write_batch& batch) override;

  private:
    void exec(const char* sql);
    void write_index(const std::vector<post_index_op>& ops);  // inside commit's transaction
    // The commit path's statements, prepared once (keyed by their SQL literal; under mutex_).
    sqlite3_stmt* prepared(const char* sql);

    std::mutex mutex_;
    sqlite3* db_ = nullptr;
    std::unordered_map<const char*, sqlite3_stmt*> prepared_;
    // Reads go through their own connection (WAL: readers do not block the writer).
    std::mutex read_mutex_;
    sqlite3* reader_ = nullptr;
};

}  // namespace hashchat::store
