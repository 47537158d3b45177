// hashchat-archive-bench: the archive's performance targets (docs/performance.md), measured.
//   export [--posts N] [--runs N] [--json FILE]
//   search --data-dir DIR --queries FILE [--posts N] [--sessions N] [--reps N] [--tag T]
//          [--database URL]   (searched in PostgreSQL: the store copied by hashchat migrate)
//          [--json FILE]
//   store-export --data-dir DIR   (writes the export chat into a store; prints its id)
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "export_bench.hpp"
#include "search_bench.hpp"

namespace {

using namespace hashchat::bench;

int usage() {
    std::fputs(
        "usage: hashchat-archive-bench export [--posts N] [--runs N] [--json FILE]\n"
        "       hashchat-archive-bench search --data-dir DIR --queries FILE [--posts N]\n"
        "                                     [--sessions N] [--reps N] [--tag T] [--json FILE]\n"
        "                                     [--database URL]\n"
        "       hashchat-archive-bench store-export --data-dir DIR [--posts N]\n",
        stderr);
    return 2;
}

void write_json(const std::string& file, const nlohmann::json& j) {
    if (file.empty()) return;
    std::ofstream(file) << j.dump(2) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string mode = argv[1];
    std::map<std::string, std::string> opt;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--", 0) != 0 || i + 1 >= argc) return usage();
        opt[a.substr(2)] = argv[++i];
    }
    auto number = [&](const std::string& name, std::size_t fallback) {
        return opt.count(name) != 0 ? static_cast<std::size_t>(std::stoull(opt[name])) : fallback;
    };
    try {
        if (mode == "export") {
            export_options o;
            o.posts = number("posts", o.posts);
            o.runs = static_cast<int>(number("runs", static_cast<std::size_t>(o.runs)));
            write_json(opt["json"], run_export(o));
        } else if (mode == "search") {
            search_options o;
            if (opt["data-dir"].empty() || opt["queries"].empty()) return usage();
            o.data_dir = opt["data-dir"];
            o.queries = opt["queries"];
            o.posts = number("posts", o.posts);
            o.sessions = number("sessions", o.sessions);
            o.repetitions = static_cast<int>(number("reps", 5));
            if (opt.count("tag") != 0) o.filter_tag = opt["tag"];
            if (opt.count("database") != 0) o.database = opt["database"];
            write_json(opt["json"], run_search(o));
        } else if (mode == "store-export") {
            if (opt["data-dir"].empty()) return usage();
            export_options o;
            o.posts = number("posts", o.posts);
            std::printf("%s\n", store_export_chat(opt["data-dir"], o).c_str());
        } else {
            return usage();
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hashchat-archive-bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
