// libpq, wrapped for the PostgreSQL store: a connection, its results, the parameters of a
// statement, and a pipeline that sends one transaction's statements in one round trip.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

struct pg_conn;
struct pg_result;

namespace hashchat::store::pg {

// A failure PostgreSQL reported, with its SQLSTATE ("23505": unique violation; empty when the
// connection itself failed).
class error : public store_error {
  public:
    error(const std::string& what, std::string sqlstate, std::string detail = {})
        : store_error(what), sqlstate_(std::move(sqlstate)), detail_(std::move(detail)) {}
    const std::string& sqlstate() const { return sqlstate_; }
    const std::string& detail() const { return detail_; }  // PG_DIAG_MESSAGE_DETAIL
    bool connection_lost() const { return sqlstate_.empty() || sqlstate_.starts_with("08"); }

  private:
    std::string sqlstate_;
    std::string detail_;
};

class result {
  public:
    explicit result(pg_result* r) : r_(r) {}
    ~result();
    result(result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
    result& operator=(result&& o) noexcept;
    result(const result&) = delete;
    result& operator=(const result&) = delete;

    int rows() const;
    bool null(int row, int col) const;
    std::string text(int row, int col) const;
    std::int64_t integer(int row, int col) const;
    bool boolean(int row, int col) const;  // 't' or 'f'
    // Rows an INSERT, UPDATE or DELETE changed.
    std::int64_t changed() const;

  private:
    pg_result* r_;
};

// A statement's parameters, sent as text. A borrowed string must outlive the call that sends it.
class params {
  public:
    params& add(const std::string& s) {
        values_.push_back(s.c_str());
        return *this;
    }
    params& add(std::string&& s) {
        values_.push_back(owned_.emplace_back(std::move(s)).c_str());
        return *this;
    }
    params& add(const char* s) {
        values_.push_back(s);
        return *this;
    }
    params& add(std::int64_t v) { return add(std::to_string(v)); }
    params& add(bool b) { return add(b ? "t" : "f"); }
    params& null() {
        values_.push_back(nullptr);
        return *this;
    }
    template <class T>
    params& add(const std::optional<T>& v) {
        return v ? add(static_cast<std::int64_t>(*v)) : null();
    }
    int size() const { return static_cast<int>(values_.size()); }
    const char* const* values() const { return values_.data(); }

  private:
    std::deque<std::string> owned_;  // a deque: adding does not move what the pointers point at
    std::vector<const char*> values_;
};

// A PostgreSQL array literal of texts ("{\"a\",\"b\"}"), for `= ANY($1::text[])`.
std::string text_array(const std::vector<std::string>& items);

// An array literal built element by element: one column of many rows, sent as one parameter
// (INSERT ... SELECT * FROM unnest($1::text[], $2::bigint[], ...) writes them in one statement).
class array {
  public:
    array& add(std::string_view text);
    array& add(std::int64_t v);
    array& null();
    template <class T>
    array& add(const std::optional<T>& v) {
        return v ? add(static_cast<std::int64_t>(*v)) : null();
    }
    std::string done() { return std::move(out_) + "}"; }

  private:
    void next() { out_ += out_.size() > 1 ? "," : ""; }
    std::string out_ = "{";
};

class connection {
  public:
    // Connects to a libpq connection string or URL; durable commits (synchronous_commit on).
    explicit connection(const std::string& url);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // SQL without parameters; several statements may be separated by ';'.
    void exec(const char* sql);
    result query(const char* sql, const params& p = {});
    // A read that changes nothing: if the connection was lost (PostgreSQL restarted, an idle
    // connection closed), it reconnects and runs it once more. Never for writes: one in flight
    // when the connection broke may have been committed.
    result read(const char* sql, const params& p = {});
    void prepare(const char* name, const char* sql);
    result run(const char* prepared_name, const params& p = {});

    pg_conn* raw() { return c_; }
    // The connection is gone (its socket closed, or the server ended it).
    bool broken() const;

  private:
    friend class pipeline;
    void set_up();
    result check(pg_result* r, const char* what);

    pg_conn* c_ = nullptr;
};

// One transaction sent as a pipeline: BEGIN, the statements, COMMIT, in one round trip. Nothing
// is committed until commit() returns; on any failure it rolls back and throws pg::error (the
// first statement's error that failed).
class pipeline {
  public:
    explicit pipeline(connection& c);
    ~pipeline();
    pipeline(const pipeline&) = delete;
    pipeline& operator=(const pipeline&) = delete;

    void send(const char* prepared_name, const params& p);
    // Returns each statement's result, in the order sent (BEGIN and COMMIT left out).
    std::vector<result> commit();

  private:
    void send_sql(const char* sql);
    void flush();

    connection& c_;
    int sent_ = 0;
    bool done_ = false;
};

}  // namespace hashchat::store::pg
