// Reads the few fields the load generator needs from hashchat's server messages by walking the
// JSON once, without building a tree or allocating: the views point into the received frame.
// It follows the grammar (strings with escapes, nested values), so a field name inside a string
// or a nested object is never mistaken for a top-level one; it does not validate numbers.
#pragma once

#include <cstdint>
#include <string_view>

namespace hashchat::bench::load {

// The top-level fields of one message, or of one event of an `events` batch. Strings are the raw
// JSON contents, escapes left as sent (the generator's own texts and cids have none).
struct message_fields {
    std::string_view type;
    std::string_view kind;
    std::string_view text;
    std::string_view cid;
    std::string_view code;
    std::int64_t seq = -1;
    std::string_view events;  // the `events` array, brackets included
};

// Scans one JSON object; false if `json` is not one.
bool scan_message(std::string_view json, message_fields& out);

// Calls `on_event(const message_fields&)` for each object of an `events` array, in order; false
// if the array is malformed (the events before the problem have been passed on).
template <class F>
bool for_each_event(std::string_view array, F&& on_event);

namespace detail {

class cursor {
  public:
    explicit cursor(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}
    const char* at() const { return p_; }
    bool done() const { return p_ >= end_; }
    void skip_ws() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }
    bool take(char c) {
        skip_ws();
        if (p_ < end_ && *p_ == c) {
            ++p_;
            return true;
        }
        return false;
    }
    char peek() {
        skip_ws();
        return p_ < end_ ? *p_ : '\0';
    }
    bool string(std::string_view& out);
    bool integer(std::int64_t& out);
    bool skip_value();
    bool object(message_fields& out);

  private:
    const char* p_;
    const char* end_;
};

}  // namespace detail

template <class F>
bool for_each_event(std::string_view array, F&& on_event) {
    detail::cursor c(array);
    if (!c.take('[')) return false;
    if (c.take(']')) return true;
    for (;;) {
        message_fields e;
        if (!c.object(e)) return false;
        on_event(static_cast<const message_fields&>(e));
        if (c.take(']')) return true;
        if (!c.take(',')) return false;
    }
}

}  // namespace hashchat::bench::load
