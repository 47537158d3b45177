// Client-to-server messages: parsing a text frame into a core command, strictly (unknown
// fields, wrong types and out-of-range numbers are refused with a clear error).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/error.hpp"
#include "core/events.hpp"
#include "core/session.hpp"

namespace hashchat::protocol {

struct hello_msg {
    std::string session;
    std::string handle;
    std::string name;
    std::optional<std::string> token;
    std::optional<std::string> key;
    core::seq_t since = 0;
    bool view = false;  // a read-only viewer (handle, name, token and key are then absent)
};

struct ping_msg {};

struct client_message {
    std::optional<std::string> rid;
    std::optional<std::string> cid;  // of a post, echoed in its error
    std::variant<core::error, hello_msg, ping_msg, core::command> body;

    const core::error* error() const { return std::get_if<core::error>(&body); }
};

inline constexpr std::size_t max_json_depth = 8;

// True when brackets (outside strings) nest deeper than `limit`: such input is refused before it
// is parsed.
bool json_too_deep(std::string_view s, std::size_t limit = max_json_depth);

// Never throws; a frame that is not a valid message yields an error body.
client_message parse_client_message(std::string_view frame);

}  // namespace hashchat::protocol
