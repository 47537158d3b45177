// What the store's files (store*.cpp) share: a prepared statement, and the ranking function
// that searches need on their connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "store/sqlite_store.hpp"

namespace hashchat::store::detail {

// A prepared statement that finalizes itself.
class statement {
  public:
    statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
            throw store_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
        }
    }
    // Borrows a statement the store keeps prepared; it is reset, not finalized, at the end.
    statement(sqlite3* db, sqlite3_stmt* kept) : db_(db), stmt_(kept), owned_(false) {}
    ~statement() {
        if (owned_) {
            sqlite3_finalize(stmt_);
        } else {
            reset();
        }
    }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    statement& bind(int i, const std::string& s) {
        check(sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC));
        return *this;
    }
    statement& bind_null(int i) {
        check(sqlite3_bind_null(stmt_, i));
        return *this;
    }
    statement& bind(int i, std::int64_t v) {
        check(sqlite3_bind_int64(stmt_, i, v));
        return *this;
    }
    // True while there is a row.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw store_error(std::string("sqlite step: ") + sqlite3_errmsg(db_));
    }
    int step_raw() { return sqlite3_step(stmt_); }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::string text(int col) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                 : std::string();
    }

  private:
    void check(int rc) const {
        if (rc != SQLITE_OK) throw store_error(std::string("sqlite bind: ") + sqlite3_errmsg(db_));
    }

    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    bool owned_ = true;
};

// Makes term_stats(posts_fts), the statistics a search ranks by, callable on `db`.
void register_term_stats(sqlite3* db);

}  // namespace hashchat::store::detail
