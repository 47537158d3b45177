// libFuzzer: anything typed into the search box. Nothing may crash, and every query fts_query
// accepts must be one SQLite's FTS5 runs without a syntax error.
#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "archive/search_query.hpp"

using namespace hashchat;

namespace {

sqlite3* index_db() {
    static sqlite3* db = [] {
        sqlite3* d = nullptr;
        if (sqlite3_open(":memory:", &d) != SQLITE_OK ||
            sqlite3_exec(d,
                         "CREATE VIRTUAL TABLE t USING fts5(text, tokenize='unicode61 "
                         "remove_diacritics 2', prefix='2 3');"
                         "INSERT INTO t(text) VALUES('exit tickets at the end'),"
                         "('émigré \"quoted\" NEAR(x) AND OR NOT *'),('🙂 mini whiteboards');",
                         nullptr, nullptr, nullptr) != SQLITE_OK) {
            __builtin_trap();
        }
        return d;
    }();
    return db;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto query = archive::fts_query(text);
    if (!query) return 0;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(index_db(), "SELECT rowid FROM t WHERE t MATCH ?", -1, &stmt, nullptr) !=
        SQLITE_OK) {
        __builtin_trap();
    }
    sqlite3_bind_text(stmt, 1, query->data(), static_cast<int>(query->size()), SQLITE_STATIC);
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW) rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) __builtin_trap();  // FTS5 refused a query fts_query made
    return 0;
}
