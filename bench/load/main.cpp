// hashchat-load: a WebSocket load generator that measures fan-out latency and checks that every
// client receives every message once and in order. `hashchat-load --help` lists the options;
// docs/performance.md describes what it measures.
#include <sys/resource.h>

#include <cstdio>
#include <fstream>

#include "options.hpp"
#include "report.hpp"
#include "run.hpp"

namespace {

using namespace hashchat::bench::load;

// Thousands of sockets need more descriptors than the usual soft limit of 1,024.
void raise_open_files_limit() {
    rlimit l{};
    if (getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
        l.rlim_cur = l.rlim_max;
        setrlimit(RLIMIT_NOFILE, &l);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const auto parsed = parse_options(argc, argv);
    if (parsed.help) {
        std::fputs(usage_text, stdout);
        return 0;
    }
    if (!parsed.error.empty()) {
        std::fprintf(stderr, "hashchat-load: %s (see --help)\n", parsed.error.c_str());
        return 2;
    }
    const options& opts = parsed.opts;
    raise_open_files_limit();
    const run_result r = run_load(opts);
    const judgement v = judge(opts, r);
    print_report(opts, r, v);
    if (!opts.json_file.empty()) {
        std::ofstream out(opts.json_file);
        out << report_json(opts, r, v).dump(2) << "\n";
        if (!out) {
            std::fprintf(stderr, "hashchat-load: cannot write %s\n", opts.json_file.c_str());
            return 2;
        }
    }
    if (!r.setup_error.empty()) return 2;
    return v.problems.empty() ? 0 : 1;
}
