#include "core/rate_limit.hpp"

#include <catch2/catch.hpp>

using hashchat::core::bucket_rule;
using hashchat::core::duration;
using hashchat::core::instant;
using hashchat::core::token_bucket;

namespace {
instant at_ms(long long ms) { return instant{duration{ms}}; }
}  // namespace

TEST_CASE("a token bucket allows its burst, then one per interval", "[rate_limit]") {
    token_bucket b(bucket_rule{3, 2});  // 3 at once, then 2 a second
    for (int i = 0; i < 3; ++i) CHECK_FALSE(b.take(at_ms(1000)).has_value());
    const auto wait = b.take(at_ms(1000));
    REQUIRE(wait.has_value());
    CHECK(wait->count() == 500);
    CHECK(b.take(at_ms(1499)).has_value());        // not yet: 0.998 tokens
    CHECK_FALSE(b.take(at_ms(1500)).has_value());  // one token back after 500 ms
    CHECK(b.take(at_ms(1500)).has_value());
}

TEST_CASE("a token bucket refills to its burst and no further", "[rate_limit]") {
    token_bucket b(bucket_rule{2, 1});
    CHECK_FALSE(b.take(at_ms(0)).has_value());
    CHECK_FALSE(b.take(at_ms(0)).has_value());
    CHECK(b.take(at_ms(0)).has_value());
    // An hour later: full again, but only to 2.
    CHECK_FALSE(b.take(at_ms(3600000)).has_value());
    CHECK_FALSE(b.take(at_ms(3600000)).has_value());
    const auto wait = b.take(at_ms(3600000));
    REQUIRE(wait.has_value());
    CHECK(wait->count() == 1000);
}

TEST_CASE("a refused take costs nothing and time going backwards gives nothing", "[rate_limit]") {
    token_bucket b(bucket_rule{1, 1});
    CHECK_FALSE(b.take(at_ms(5000)).has_value());
    for (int i = 0; i < 100; ++i) CHECK(b.take(at_ms(5000)).has_value());
    CHECK(b.take(at_ms(4000)).has_value());
    CHECK_FALSE(b.take(at_ms(6000)).has_value());
}

TEST_CASE("an unlimited rule never refuses", "[rate_limit]") {
    token_bucket b(bucket_rule{0, 0});
    for (int i = 0; i < 10000; ++i) CHECK_FALSE(b.take(at_ms(0)).has_value());
}

TEST_CASE("a sliding window allows its limit, then the next as the oldest leaves", "[rate_limit]") {
    using hashchat::core::window_limit;
    using std::chrono::minutes;
    window_limit w(3, minutes(60));  // 3 an hour
    const auto t = at_ms(0);
    CHECK_FALSE(w.take(t).has_value());
    CHECK_FALSE(w.take(t + minutes(10)).has_value());
    CHECK_FALSE(w.take(t + minutes(20)).has_value());
    const auto wait = w.take(t + minutes(30));
    REQUIRE(wait.has_value());
    CHECK(*wait == minutes(30));                 // the first leaves the window at t + 60
    CHECK(w.take(t + minutes(59)).has_value());  // a refusal is not counted
    CHECK_FALSE(w.take(t + minutes(60)).has_value());
    CHECK(w.take(t + minutes(61)).has_value());
}
