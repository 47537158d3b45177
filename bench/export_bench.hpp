// The export benchmark: a 50,000-post live chat, parsed from its serialized frames, built into a
// transcript and rendered in every download format, as the server does for each request.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "live_chat.hpp"
#include "store/store.hpp"

namespace hashchat::bench {

struct export_options {
    std::size_t posts = 50'000;
    int runs = 5;
    std::uint64_t seed = 42;
};

live_chat export_chat(const export_options& o);

// Times parse, build and each format; prints a table and returns the results.
nlohmann::json run_export(const export_options& o);

// Writes the chat into a store in `dir` (for timing the server over HTTP); returns its id.
std::string store_export_chat(const std::filesystem::path& dir, const export_options& o);

// The store's rows for one event, as the server's room writes them (store::index_ops).
void add_event(store::write_batch& batch, const std::string& session_id, const std::string& scope,
               const core::event& e);

}  // namespace hashchat::bench
