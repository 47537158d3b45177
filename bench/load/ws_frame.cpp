#include "ws_frame.hpp"

namespace hashchat::bench::load {

void append_frame(std::vector<char>& out, opcode op, std::string_view payload, std::uint32_t mask) {
    const std::size_t n = payload.size();
    out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(op)));
    if (n < 126) {
        out.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xffff) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xff));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xff));
        }
    }
    const char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16),
                         static_cast<char>(mask >> 8), static_cast<char>(mask)};
    out.insert(out.end(), key, key + 4);
    const std::size_t at = out.size();
    out.resize(at + n);
    for (std::size_t i = 0; i < n; ++i) out[at + i] = static_cast<char>(payload[i] ^ key[i & 3]);
}

void append_close(std::vector<char>& out, std::uint16_t code, std::uint32_t mask) {
    const char body[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
    append_frame(out, opcode::close, std::string_view(body, 2), mask);
}

decode_status decode_frame(std::string_view data, frame& out, std::size_t& used,
                           std::uint64_t max_payload) {
    if (data.size() < 2) return decode_status::need_more;
    const auto b0 = static_cast<std::uint8_t>(data[0]);
    const auto b1 = static_cast<std::uint8_t>(data[1]);
    if ((b0 & 0x70) != 0 || (b1 & 0x80) != 0) return decode_status::error;
    const auto op = static_cast<std::uint8_t>(b0 & 0x0f);
    const bool control = (op & 0x08) != 0;
    if ((op > 2 && op < 8) || op > 10) return decode_status::error;
    std::uint64_t len = b1 & 0x7f;
    std::size_t header = 2;
    if (len == 126) {
        if (data.size() < 4) return decode_status::need_more;
        len = (std::uint64_t{static_cast<std::uint8_t>(data[2])} << 8) |
              static_cast<std::uint8_t>(data[3]);
        header = 4;
    } else if (len == 127) {
        if (data.size() < 10) return decode_status::need_more;
        len = 0;
        for (std::size_t i = 2; i < 10; ++i) len = (len << 8) | static_cast<std::uint8_t>(data[i]);
        header = 10;
    }
    if (control && (len > 125 || (b0 & 0x80) == 0)) return decode_status::error;
    if (len > max_payload) return decode_status::error;
    if (data.size() - header < len) return decode_status::need_more;
    out.op = static_cast<opcode>(op);
    out.fin = (b0 & 0x80) != 0;
    out.payload = data.substr(header, static_cast<std::size_t>(len));
    used = header + static_cast<std::size_t>(len);
    return decode_status::frame;
}

std::uint16_t close_code_of(std::string_view payload) {
    if (payload.size() < 2) return 1005;
    return static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                      static_cast<std::uint8_t>(payload[1]));
}

}  // namespace hashchat::bench::load
