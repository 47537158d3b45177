// The search benchmark: a store of 1,000,000 posts over 400 sessions (made once, reused while
// its parameters are the same), searched with the committed query set through the same path as
// GET /api/search: archive::fts_query, then store::search, with and without a hashtag filter.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace hashchat::bench {

struct search_options {
    std::filesystem::path data_dir;
    std::filesystem::path queries;
    std::size_t posts = 1'000'000;
    std::size_t sessions = 400;
    int repetitions = 5;
    std::uint64_t seed = 7;
    std::string filter_tag = "#PubPD";
    // Searched in PostgreSQL instead (the same store, copied with `hashchat migrate`); the
    // SQLite store is still made and counts every match.
    std::string database;
};

nlohmann::json run_search(const search_options& o);

}  // namespace hashchat::bench
