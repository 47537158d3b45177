// WebSocket framing (RFC 6455) as a client speaks it, without I/O: frames to the server are
// masked, frames from the server are not. Parsing works in place on a receive buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hashchat::bench::load {

enum class opcode : std::uint8_t {
    continuation = 0,
    text = 1,
    binary = 2,
    close = 8,
    ping = 9,
    pong = 10,
};

// Appends one masked frame (FIN set) carrying `payload` to `out`.
void append_frame(std::vector<char>& out, opcode op, std::string_view payload, std::uint32_t mask);

// A close frame's payload: the code, big-endian.
void append_close(std::vector<char>& out, std::uint16_t code, std::uint32_t mask);

struct frame {
    opcode op = opcode::text;
    bool fin = true;
    std::string_view payload;
};

enum class decode_status { frame, need_more, error };

// Reads the frame at the start of `data`: on `frame`, `used` is its size in bytes. Refuses masked
// or reserved-bit frames, control frames over 125 bytes and payloads over `max_payload`.
decode_status decode_frame(std::string_view data, frame& out, std::size_t& used,
                           std::uint64_t max_payload);

// The close code of a close frame's payload (1005 when it has none).
std::uint16_t close_code_of(std::string_view payload);

}  // namespace hashchat::bench::load
