// Secrets: random tokens and keys, and the hashes that are all the store ever keeps of them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hashchat::server {

// `bytes` random bytes from the operating system's CSPRNG, base64url without padding.
std::string random_token(std::size_t bytes = 24);

// SHA-256 as lowercase hex.
std::string sha256_hex(std::string_view data);

}  // namespace hashchat::server
