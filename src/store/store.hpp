// The durable store's interface and what goes through it: each session's configuration,
// moderator key hashes, members, append-only event log and search index, and the series.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.hpp"
#include "core/search_terms.hpp"
#include "core/session.hpp"

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

// Where a stored session's log stands, read without its events: its head and its phase events.
struct log_marks {
    core::seq_t head = 0;
    std::vector<stored_event> phases;  // in seq order
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

// Keeps the search index (table `posts` and its FTS5 index) in step with the log: a post is
// added, its text edited, hidden, shown again or deleted.
struct post_index_op {
    enum class kind { add, edit, hide, unhide, remove };
    kind what = kind::add;
    std::string session_id;
    core::seq_t seq = 0;  // the post
    std::int64_t at_ms = 0;
    std::string author;  // add
    std::string name;    // add
    std::optional<int> round;
    std::optional<core::seq_t> reply_to;
    std::string text;   // add, edit
    std::string scope;  // add: post_scope() of its session
};

// A moderator key made (stored with its hash) or revoked.
struct key_change {
    std::string session_id;
    core::moderator_key key;
    bool revoke = false;  // else add
};

// A session or a series made, with its owner key's hash.
struct new_row {
    std::string id;
    std::string config_json;
    std::string key_hash;
    std::int64_t created_ms = 0;
};

// Several nodes: a command a node's client sent to a session another node writes, handed over
// as a row (table `handoffs`); `body` is protocol::handoff_json (the client's message and who
// sent it). The writer takes it in the transaction that commits what it did.
struct handoff_row {
    std::int64_t id = 0;  // assigned by the store
    std::string session_id;
    std::string node;  // the instance whose client sent it
    std::uint64_t conn = 0;
    std::string body;
};

// Several nodes: the writer's answer (an ack, an error...) to a handed-over command, for the
// client's node, to be sent once that node's room has the events up to `after_seq`.
struct reply_row {
    std::string node;
    std::string session_id;
    std::uint64_t conn = 0;
    core::seq_t after_seq = 0;
    std::string body;
};

struct write_batch {
    std::vector<new_row> new_series;
    std::vector<new_row> new_sessions;  // each with its owner key (k1)
    std::vector<event_row> events;
    std::vector<post_index_op> index;
    // The search index now covers these sessions' logs up to these seqs (index_watermarks).
    std::vector<std::pair<std::string, core::seq_t>> indexed;
    std::vector<member_row> members;
    std::vector<mod_row> mods;
    std::vector<std::pair<std::string, std::string>> configs;  // session id -> new config JSON
    std::vector<key_change> keys;
    // Several nodes (PostgreSQL): the sessions this batch writes for, each with the epoch of the
    // lease its writer holds. If another node has taken a lease over since, nothing of the
    // batch is written (store::fenced). One node (SQLite): none.
    std::vector<std::pair<std::string, std::int64_t>> fences;
    // Several nodes: commands handed over to a session's writer, those it took (session, row
    // id: deleted) and its replies. One node: none.
    std::vector<handoff_row> handoffs;
    std::vector<std::pair<std::string, std::int64_t>> taken;
    std::vector<reply_row> replies;
    bool empty() const {
        return new_series.empty() && new_sessions.empty() && events.empty() && members.empty() &&
               mods.empty() && configs.empty() && keys.empty() && index.empty() &&
               indexed.empty() && handoffs.empty() && taken.empty() && replies.empty();
    }
};

// A full-text search: the terms of what the reader typed (archive::parse_query), matched
// against the posts' text; `hashtag` and `series`, if set, keep it to those.
struct search_request {
    std::vector<core::search_term> terms;
    std::optional<std::string> hashtag;
    std::optional<std::string> series;
    std::size_t limit = 20;
    std::size_t offset = 0;
};

struct search_hit {
    std::string session_id;
    core::seq_t seq = 0;
    std::int64_t at_ms = 0;
    std::string author;
    std::string name;
    std::optional<int> round;
    std::string snippet;  // the matched words between \x02 and \x03, cuts marked with \x04
};

struct search_result {
    std::vector<search_hit> hits;
    std::size_t matched = 0;  // matches, up to store::ranked_window
    bool more = false;        // there may be more than that
};

// Per session, from the search index: visible posts and the people who wrote them.
struct post_counts {
    std::size_t posts = 0;
    std::size_t authors = 0;
};

// Failures of the machine (disk full, corrupt file) are thrown as store_error.
class store_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A batch was refused because these sessions' leases were taken over by another node: their
// writer must step down. Nothing of the batch was written.
class fenced : public store_error {
  public:
    explicit fenced(std::vector<std::string> sessions)
        : store_error("a session's lease was taken over by another node"),
          sessions_(std::move(sessions)) {}
    const std::vector<std::string>& sessions() const { return sessions_; }

  private:
    std::vector<std::string> sessions_;
};

// The store cannot be reached (PostgreSQL stopped, the connection was lost): nothing of the
// batch may be acknowledged, and whether a transaction in flight was committed is unknown. The
// next commit tries to connect again.
class unavailable : public store_error {
  public:
    using store_error::store_error;
};

// SQLite refused a search expression.
class search_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The durable store, behind one interface: sqlite_store (store/sqlite_store.hpp), the default,
// an embedded file for one machine. Every write is one transaction, made by the committer
// thread only; reads may come from any thread.
class store {
  public:
    virtual ~store() = default;
    store(const store&) = delete;
    store& operator=(const store&) = delete;

    // False if the id is taken.
    virtual bool create_session(const std::string& id, const std::string& config_json,
                                const std::string& key_hash, std::int64_t created_ms) = 0;
    virtual std::vector<stored_session> sessions() = 0;
    // One session, or none (several nodes: a session another node made, asked for before its
    // notification came).
    virtual std::optional<stored_session> session(const std::string& id) {
        for (auto& s : sessions()) {
            if (s.id == id) return std::move(s);
        }
        return std::nullopt;
    }
    // A session's members, log and moderators' log; they do not wait for the committer's
    // transactions.
    virtual std::vector<core::member> members(const std::string& session_id) = 0;
    virtual std::vector<stored_event> events(const std::string& session_id) = 0;
    // The events after `seq`, in order (what the search index has not read yet).
    virtual std::vector<stored_event> events_after(const std::string& session_id,
                                                   core::seq_t seq) = 0;
    virtual log_marks marks(const std::string& session_id) = 0;
    virtual std::vector<std::string> mod_entries(const std::string& session_id) = 0;  // in order

    // Chat series: false if the id is taken.
    virtual bool create_series(const std::string& id, const std::string& config_json,
                               const std::string& key_hash, std::int64_t created_ms) = 0;
    struct stored_series {
        std::string id;
        std::string config_json;
        std::string key_hash;
    };
    virtual std::vector<stored_series> series() = 0;
    // One series, or none (several nodes: one another node made).
    virtual std::optional<stored_series> one_series(const std::string& id) {
        for (auto& s : series()) {
            if (s.id == id) return std::move(s);
        }
        return std::nullopt;
    }

    // Several nodes: claims the id of a session or series about to be made (`kind` "session"
    // or "series"), once across every node sharing the store; false if it was claimed or made
    // already. Claims are never given back (a make that fails leaves a gap, as a sequence
    // does). One machine: true; the server's own registry and catalog hold its ids.
    virtual bool claim_id(std::string_view kind, const std::string& id) {
        (void)kind;
        (void)id;
        return true;
    }

    // Search: the newest `ranked_window` matches, ranked with the term statistics of that
    // window. Throws search_error if the query is refused.
    static constexpr std::size_t ranked_window = 2000;
    virtual search_result search(const search_request& req) = 0;
    virtual std::map<std::string, post_counts> counts(
        const std::vector<std::string>& session_ids) = 0;
    // Lower-case handles of the authors of visible posts in these sessions.
    virtual std::set<std::string> authors(const std::vector<std::string>& session_ids) = 0;
    // How far the search index has read each session's log (absent: not at all). The server
    // indexes the rest when it starts, with commit() (index ops and `indexed`).
    virtual std::map<std::string, core::seq_t> index_watermarks() = 0;
    // One session's (0: not at all).
    virtual core::seq_t index_watermark(const std::string& session_id) {
        const auto all = index_watermarks();
        const auto it = all.find(session_id);
        return it == all.end() ? 0 : it->second;
    }
    // Whether the index operations of an event may be written twice with the same result
    // (PostgreSQL's index is the posts table, keyed by session and seq; FTS5 would hold a post
    // twice). If so, a room that starts writing a session indexes what the store has after the
    // session's watermark: what a node that died or lost the store had not indexed yet.
    virtual bool index_replayable() const { return false; }

    // Appends events, upserts members, stores keys and configurations in one transaction (a
    // group commit). The committer thread is the only caller.
    virtual void commit(const write_batch& batch) = 0;

  protected:
    store() = default;
};

}  // namespace hashchat::store
