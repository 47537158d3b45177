#include "app/tools.hpp"

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "server/store_copy.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"

namespace hashchat::app {

namespace {

constexpr const char* usage = R"(Usage:
  hashchat migrate --from=FILE --to=URL
      copies a SQLite store (FILE: DATA_DIR/hashchat.sqlite3) into an empty PostgreSQL database
      (URL: a libpq connection string), then compares the two; exit 0 once they are equal.
      Stop the server first.
  hashchat backup --to=FILE [--data-dir=DIR]
      a consistent copy of DIR/hashchat.sqlite3 (default var) in FILE, taken while the server
      runs. PostgreSQL: use pg_dump (docs/operations.md).
)";

// --name=value or --name value, after the command word.
bool parse(int argc, char** argv, std::map<std::string, std::string>& out) {
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0) return false;
        arg = arg.substr(2);
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            out[arg.substr(0, eq)] = arg.substr(eq + 1);
        } else if (i + 1 < argc) {
            out[arg] = argv[++i];
        } else {
            return false;
        }
    }
    return true;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "hashchat: %s\n", message.c_str());
    return 1;
}

int migrate(const std::map<std::string, std::string>& o) {
    if (!o.count("from") || !o.count("to") || o.size() != 2) {
        std::fputs(usage, stderr);
        return 2;
    }
    const std::filesystem::path from = o.at("from");
    if (!std::filesystem::exists(from)) return fail("no SQLite store at " + from.string());
    store::sqlite_store source(from, store::durability::full);
    store::pg_store target(o.at("to"));
    const auto report = server::copy_store(source, target, [](const std::string& id) {
        std::fprintf(stderr, "hashchat: copied session %s\n", id.c_str());
    });
    const auto differences = server::compare_stores(source, target);
    if (!differences.empty()) {
        for (const auto& d : differences)
            std::fprintf(stderr, "hashchat: differs: %s\n", d.c_str());
        return fail("the copy differs from the original (above); do not use it");
    }
    std::printf(
        "hashchat: migrated and verified %zu series, %zu sessions, %zu events, %zu members, "
        "%zu moderators' log entries, %zu moderator keys\n",
        report.series, report.sessions, report.events, report.members, report.mod_entries,
        report.keys);
    return 0;
}

int backup(const std::map<std::string, std::string>& o) {
    if (!o.count("to") || o.size() > 2 || (o.size() == 2 && !o.count("data-dir"))) {
        std::fputs(usage, stderr);
        return 2;
    }
    const std::filesystem::path dir = o.count("data-dir") ? o.at("data-dir") : "var";
    store::sqlite_backup(dir / "hashchat.sqlite3", o.at("to"));
    std::printf("hashchat: backed up %s to %s\n", (dir / "hashchat.sqlite3").c_str(),
                o.at("to").c_str());
    return 0;
}

}  // namespace

int run_tool(int argc, char** argv) {
    for (int i = 2; i < argc; ++i) {
        if (std::string(argv[i]) == "--help") {
            std::fputs(usage, stdout);
            return 0;
        }
    }
    std::map<std::string, std::string> o;
    if (!parse(argc, argv, o)) {
        std::fputs(usage, stderr);
        return 2;
    }
    try {
        return std::string(argv[1]) == "migrate" ? migrate(o) : backup(o);
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}

}  // namespace hashchat::app
