#include "core/error.hpp"

namespace hashchat::core {

std::string_view to_string(error_code code) {
    switch (code) {
        case error_code::bad_request:
            return "bad_request";
        case error_code::unknown_type:
            return "unknown_type";
        case error_code::not_joined:
            return "not_joined";
        case error_code::bad_handle:
            return "bad_handle";
        case error_code::handle_taken:
            return "handle_taken";
        case error_code::bad_token:
            return "bad_token";
        case error_code::bad_key:
            return "bad_key";
        case error_code::bad_since:
            return "bad_since";
        case error_code::too_long:
            return "too_long";
        case error_code::empty:
            return "empty";
        case error_code::not_allowed:
            return "not_allowed";
        case error_code::not_found:
            return "not_found";
        case error_code::muted:
            return "muted";
        case error_code::banned:
            return "banned";
        case error_code::closed:
            return "closed";
        case error_code::rate_limited:
            return "rate_limited";
        case error_code::store_unavailable:
            return "store_unavailable";
    }
    return "unknown";
}

std::optional<error_code> error_code_from(std::string_view text) {
    for (int i = 0; i <= static_cast<int>(error_code::store_unavailable); ++i) {
        const auto code = static_cast<error_code>(i);
        if (to_string(code) == text) return code;
    }
    return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, error_code code) { return os << to_string(code); }

std::ostream& operator<<(std::ostream& os, const error& e) {
    return os << to_string(e.code) << ": " << e.message;
}

}  // namespace hashchat::core
