// Errors of the domain are values: a stable code for programs and a sentence for people.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace hashchat::core {

enum class error_code {
    bad_request,
    unknown_type,
    not_joined,
    bad_handle,
    handle_taken,
    bad_token,
    bad_key,
    bad_since,
    too_long,
    empty,
    not_allowed,
    not_found,
    muted,
    banned,
    closed,
    rate_limited,
    store_unavailable,
};

std::string_view to_string(error_code code);
// The code named by to_string's text, or none.
std::optional<error_code> error_code_from(std::string_view text);
std::ostream& operator<<(std::ostream& os, error_code code);

struct error {
    error_code code;
    std::string message;
    std::optional<long long> retry_after_ms = std::nullopt;  // rate_limited: when to try again
};

inline bool operator==(const error& a, const error& b) {
    return a.code == b.code && a.message == b.message;
}
std::ostream& operator<<(std::ostream& os, const error& e);

// A value or an error; the small part of std::expected (C++23) that the project needs.
template <typename T>
class result {
  public:
    result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    result(error e) : v_(std::move(e)) {}      // NOLINT(google-explicit-constructor)

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    const error& err() const { return std::get<1>(v_); }

  private:
    std::variant<T, error> v_;
};

inline error make_error(error_code code, std::string message) {
    return error{code, std::move(message)};
}

// The store (PostgreSQL) cannot be reached: nothing was changed; the client tries again.
inline error store_unavailable_error() {
    return make_error(error_code::store_unavailable,
                      "The chat's store cannot be reached; try again in a moment.");
}

}  // namespace hashchat::core
