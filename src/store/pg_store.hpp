// The shared store: PostgreSQL through libpq, for several nodes (or one machine whose district
// already runs PostgreSQL). A writer connection (the committer's; each group commit is one
// pipelined transaction, acknowledged only once committed with synchronous_commit on) and a
// reader connection; the search index in PostgreSQL's full-text search (a tsvector column and a
// GIN index), with the same query language as the SQLite store.
#pragma once

#include <memory>
#include <mutex>

#include "store/store.hpp"

namespace hashchat::store {

namespace pg {
class connection;
}

class pg_store final : public store {
  public:
    // `url`: a libpq connection string or URL. Makes or upgrades the schema (one node at a time,
    // under an advisory lock). Throws store_error if PostgreSQL cannot be reached.
    // `cluster`: one of several nodes sharing the database (each session written by the node
    // holding its lease); else the only server on it, which another cannot join.
    explicit pg_store(const std::string& url, bool cluster = false);
    ~pg_store() override;

    bool create_session(const std::string& id, const std::string& config_json,
                        const std::string& key_hash, std::int64_t created_ms) override;
    std::vector<stored_session> sessions() override;
    std::vector<core::member> members(const std::string& session_id) override;
    std::vector<stored_event> events(const std::string& session_id) override;
    std::vector<stored_event> events_after(const std::string& session_id, core::seq_t seq) override;
    log_marks marks(const std::string& session_id) override;
    std::optional<stored_session> session(const std::string& id) override;
    std::vector<std::string> mod_entries(const std::string& session_id) override;
    bool create_series(const std::string& id, const std::string& config_json,
                       const std::string& key_hash, std::int64_t created_ms) override;
    std::vector<stored_series> series() override;
    std::optional<stored_series> one_series(const std::string& id) override;
    // In the id_claims table (INSERT ... ON CONFLICT DO NOTHING), on the reader's connection.
    bool claim_id(std::string_view kind, const std::string& id) override;
    // Ranked by cover density (ts_rank_cd) within the newest `ranked_window` matches.
    search_result search(const search_request& req) override;
    std::map<std::string, post_counts> counts(const std::vector<std::string>& session_ids) override;
    std::set<std::string> authors(const std::vector<std::string>& session_ids) override;
    std::map<std::string, core::seq_t> index_watermarks() override;
    core::seq_t index_watermark(const std::string& session_id) override;
    bool index_replayable() const override { return true; }
    void commit(const write_batch& batch) override;

  private:
    void migrate();
    // The writer's connection, its lock (lone or one of several nodes) and statements.
    void set_up_writer();
    void prepare_writer();
    void write(const write_batch& batch);

    const std::string url_;
    const bool cluster_;
    bool writer_lost_ = false;  // under mutex_: connect again before the next commit

    std::mutex mutex_;
    std::unique_ptr<pg::connection> writer_;
    std::mutex read_mutex_;
    std::unique_ptr<pg::connection> reader_;
};

}  // namespace hashchat::store
