// What a run measured, as a table for people and as JSON for scripts.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "conductor.hpp"
#include "options.hpp"
#include "thread_stats.hpp"

namespace hashchat::bench::load {

struct run_result {
    std::string setup_error;  // the run could not start (no server, sessions refused, ...)
    int clients_ready = 0;    // became ready (connected, and joined in hashchat mode)
    int clients_failed = 0;
    std::map<std::string, int> failures;  // why clients never became ready
    thread_stats stats;
    timeline time;
    std::int64_t posts_sent = 0;
    std::int64_t posts_acked = 0;
    std::int64_t posts_refused = 0;  // answered with an error
    std::int64_t lost = 0;
    std::int64_t duplicated = 0;
    std::int64_t out_of_order = 0;
    std::int64_t unknown_messages = 0;
    std::int64_t disconnected = 0;  // connections that ended without a close frame from the server
    std::map<std::string, std::int64_t> errors;  // error messages by code
    std::map<int, std::int64_t> closes;          // closes the server started, by code
};

struct judgement {
    std::vector<std::string> problems;  // empty: passed
};

judgement judge(const options& opts, const run_result& r);
void print_report(const options& opts, const run_result& r, const judgement& v);
nlohmann::json report_json(const options& opts, const run_result& r, const judgement& v);

}  // namespace hashchat::bench::load
