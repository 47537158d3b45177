// A transcript in each format it is downloaded in. Every user-written string is escaped for the
// format. Links are absolute, from `base_url` (e.g. "https://chat.example.org").
#pragma once

#include <string>

#include "archive/transcript.hpp"

namespace hashchat::archive {

// The version of the JSON export's schema (docs/transcript-schema.md).
constexpr int json_schema_version = 1;

struct export_context {
    std::string base_url;
    core::instant generated_at;
};

// A self-contained page: no scripts, styles inline, printable, indexable.
std::string to_html(const transcript& t, const export_context& ctx);
std::string to_markdown(const transcript& t, const export_context& ctx);
// One row per post, RFC 4180, UTF-8 with a byte order mark (so spreadsheets read emoji).
std::string to_csv(const transcript& t, const export_context& ctx);
std::string to_json(const transcript& t, const export_context& ctx);
// The activity over time as a standalone SVG image; empty if the chat has not begun.
std::string activity_svg(const transcript& t);

// "/archive/{id}#p{seq}"
std::string permalink(const std::string& session_id, core::seq_t seq);

}  // namespace hashchat::archive
