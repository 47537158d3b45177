#include <sqlite3.h>

#include <filesystem>

#include "store/sqlite_store.hpp"

namespace hashchat::store {

void sqlite_backup(const std::filesystem::path& from, const std::filesystem::path& to) {
    sqlite3* src = nullptr;
    sqlite3* dst = nullptr;
    auto close = [&] {
        sqlite3_close(dst);
        sqlite3_close(src);
    };
    if (!std::filesystem::exists(from)) throw store_error("no store at " + from.string());
    const auto partial = std::filesystem::path(to.string() + ".partial");
    std::error_code ec;
    std::filesystem::remove(partial, ec);
    if (sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
        sqlite3_open_v2(partial.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK) {
        const std::string msg = sqlite3_errmsg(dst ? dst : src);
        close();
        throw store_error("backup: " + msg);
    }
    sqlite3_busy_timeout(src, 5000);
    // One step copies every page under one read transaction: a consistent copy, taken while
    // the server writes (WAL: the writer does not wait for it).
    sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == nullptr) {
        const std::string msg = sqlite3_errmsg(dst);
        close();
        throw store_error("backup: " + msg);
    }
    const int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        const std::string msg = sqlite3_errstr(rc);
        close();
        std::filesystem::remove(partial, ec);
        throw store_error("backup: " + msg);
    }
    close();
    std::filesystem::rename(partial, to, ec);
    if (ec) throw store_error("backup: cannot write " + to.string() + ": " + ec.message());
}

}  // namespace hashchat::store
