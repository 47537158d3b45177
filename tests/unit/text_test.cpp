// Rules for user-written text: UTF-8, blank text, handles, answer prefixes and mentions.
#include "core/text.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace hashchat;
using core::utf8_length;

TEST_CASE("utf8_length counts code points of valid UTF-8", "[text]") {
    CHECK(utf8_length("") == std::size_t{0});
    CHECK(utf8_length("hello") == std::size_t{5});
    CHECK(utf8_length(std::string_view("a\0b", 3)) == std::size_t{3});
    CHECK(utf8_length("h\xC3\xA9llo") == std::size_t{5});              // é: 2 bytes
    CHECK(utf8_length("\xE6\x97\xA5\xE6\x9C\xAC") == std::size_t{2});  // 日本: 3 bytes each
    CHECK(utf8_length("\xF0\x9F\x98\x80") == std::size_t{1});          // U+1F600: 4 bytes
    CHECK(utf8_length("\xC2\x80") == std::size_t{1});                  // U+0080, smallest of 2
    CHECK(utf8_length("\xE0\xA0\x80") == std::size_t{1});              // U+0800, smallest of 3
    CHECK(utf8_length("\xF0\x90\x80\x80") == std::size_t{1});          // U+10000, smallest of 4
    CHECK(utf8_length("\xED\x9F\xBF") == std::size_t{1});              // U+D7FF, below surrogates
    CHECK(utf8_length("\xEE\x80\x80") == std::size_t{1});              // U+E000, above them
    CHECK(utf8_length("\xF4\x8F\xBF\xBF") == std::size_t{1});          // U+10FFFF, the last
}

TEST_CASE("utf8_length refuses invalid UTF-8", "[text]") {
    const std::vector<std::string> invalid = {
        "\x80",                      // a continuation byte alone
        "abc\xBF",                   // ... at the end
        "\xC0\xAF",                  // overlong '/'
        "\xC1\xBF",                  // overlong U+007F
        "\xE0\x80\xAF",              // overlong '/' in 3 bytes
        "\xE0\x9F\xBF",              // overlong U+07FF
        "\xF0\x80\x80\xAF",          // overlong '/' in 4 bytes
        "\xF0\x8F\xBF\xBF",          // overlong U+FFFF
        "\xED\xA0\x80",              // U+D800, a surrogate
        "\xED\xBF\xBF",              // U+DFFF
        "\xED\xA0\xBD\xED\xB8\x80",  // a surrogate pair (CESU-8)
        "\xC3",                      // truncated 2-byte sequence
        "\xE6\x97",                  // truncated 3-byte sequence
        "\xF0\x9F\x98",              // truncated 4-byte sequence
        "\xF0\x9F\x98 x",            // interrupted by ASCII
        "\xC3\x28",                  // bad continuation
        "\xF4\x90\x80\x80",          // U+110000, past the last code point
        "\xF7\xBF\xBF\xBF",          // U+1FFFFF
        "\xF8\x88\x80\x80\x80",      // 5-byte form
        "\xFC\x84\x80\x80\x80\x80",  // 6-byte form
        "\xFE",
        "\xFF",
    };
    for (const auto& s : invalid) {
        CAPTURE(s);
        CHECK_FALSE(utf8_length(s).has_value());
        CHECK_FALSE(utf8_length("ok " + s + " ok").has_value());
    }
}

TEST_CASE("is_blank sees only white space", "[text]") {
    CHECK(core::is_blank(""));
    CHECK(core::is_blank(" "));
    CHECK(core::is_blank(" \t\r\n\f\v"));
    CHECK(core::is_blank("\xC2\xA0"));      // no-break space
    CHECK(core::is_blank("\xE3\x80\x80"));  // ideographic space
    CHECK(core::is_blank("\xE2\x80\x8B"));  // zero-width space
    CHECK(core::is_blank("\xE2\x80\xAF"));  // narrow no-break space
    CHECK(core::is_blank(" \xC2\xA0 \xE2\x80\x8B\n"));
    CHECK_FALSE(core::is_blank("a"));
    CHECK_FALSE(core::is_blank("  .  "));
    CHECK_FALSE(core::is_blank("\xC2\xA0x"));
    CHECK_FALSE(core::is_blank("\xF0\x9F\x98\x80"));
    CHECK_FALSE(core::is_blank("\xC3\xA9"));
}

TEST_CASE("valid_handle: 1 to 20 of [A-Za-z0-9_]", "[text]") {
    for (const char* ok : {"a", "ms_lee", "MsLee", "_", "teacher42", "abcdefghijklmnopqrst"}) {
        CAPTURE(ok);
        CHECK(core::valid_handle(ok));
    }
    for (const char* bad : {"", "ms lee", "ms-lee", "ms.lee", "@ms_lee", "l\xC3\xA9",
                            "abcdefghijklmnopqrstu", "tab\t"}) {
        CAPTURE(bad);
        CHECK_FALSE(core::valid_handle(bad));
    }
    CHECK(core::handle_key("Ms_Lee") == "ms_lee");
    CHECK(core::handle_key("ms_lee") == core::handle_key("MS_LEE"));
}

TEST_CASE("a hashtag's identity ignores case and the '#'", "[text]") {
    CHECK(core::hashtag_key("#UKEdChat") == "#ukedchat");
    CHECK(core::hashtag_key("ukedchat") == "#ukedchat");
    CHECK(core::hashtag_key("#PubPD") == core::hashtag_key("pubpd"));
    CHECK(core::hashtag_key("") == "#");
}

TEST_CASE("answer_prefix reads a leading A<n> label", "[text]") {
    struct example {
        const char* text;
        std::optional<int> round;
    };
    const std::vector<example> examples = {
        {"A1: We start with a question", 1},
        {"A3 because", 3},
        {"a3) lower case", 3},
        {"A3. dot", 3},
        {"A3- dash", 3},
        {"A3", 3},
        {"a3", 3},
        {"A0: hi all", 0},
        {"a12)", 12},
        {"A12: twelve", 12},
        {"  A2: after spaces", 2},
        {"A2:no space", 2},
        {"A1C levels are high", std::nullopt},
        {"A1b", std::nullopt},
        {"Answer: no number", std::nullopt},
        {"A: no number", std::nullopt},
        {"A", std::nullopt},
        {"", std::nullopt},
        {"Q1: a question, not an answer", std::nullopt},
        {"BA1: not at the start", std::nullopt},
        {"I think A1: is good", std::nullopt},
        {"A12345: too many digits", std::nullopt},
    };
    for (const auto& e : examples) {
        CAPTURE(e.text);
        CHECK(core::answer_prefix(e.text) == e.round);
    }
}

TEST_CASE("mentions_in finds @handles", "[text]") {
    using v = std::vector<std::string>;
    CHECK(core::mentions_in("no mentions here") == v{});
    CHECK(core::mentions_in("@ms_lee") == v{"ms_lee"});
    CHECK(core::mentions_in("ask @mr_k and @ms_lee.") == v{"mr_k", "ms_lee"});
    CHECK(core::mentions_in("(@mr_k), @ms_lee!") == v{"mr_k", "ms_lee"});

    SECTION("first spelling kept, duplicates dropped ignoring case") {
        CHECK(core::mentions_in("@Ms_Lee @ms_lee @MS_LEE @mr_k @Mr_K") == v{"Ms_Lee", "mr_k"});
    }
    SECTION("an e-mail address is not a mention") {
        CHECK(core::mentions_in("write to ms_lee@school.org") == v{});
        CHECK(core::mentions_in("a@b and @c") == v{"c"});
    }
    SECTION("a name longer than a handle is not a mention") {
        CHECK(core::mentions_in("@abcdefghijklmnopqrstu") == v{});  // 21 characters
        CHECK(core::mentions_in("@abcdefghijklmnopqrst") == v{"abcdefghijklmnopqrst"});
    }
    SECTION("a lone @ is not a mention") {
        CHECK(core::mentions_in("meet @ 7") == v{});
        CHECK(core::mentions_in("@") == v{});
    }
}

TEST_CASE("text rules with non-ASCII neighbours", "[text]") {
    using hashchat::core::answer_prefix;
    using hashchat::core::has_control_chars;
    using hashchat::core::mentions_in;
    // A phone keyboard may put a no-break space after the label.
    CHECK(answer_prefix("A1\xC2\xA0we greet them") == std::optional<int>(1));
    // An address whose local part ends in a non-ASCII letter is not a mention.
    CHECK(mentions_in("write to caf\xC3\xA9@host please").empty());
    CHECK(mentions_in("\xC3\xA9 @host") == std::vector<std::string>{"host"});
    CHECK(has_control_chars(std::string_view("a\0b", 3)));
    CHECK(has_control_chars("bell\x07"));
    CHECK_FALSE(has_control_chars("tab\there\r\nnew line"));
    CHECK(
        has_control_chars("csi\xC2\x9B"
                          "2J"));           // U+009B
    CHECK(has_control_chars("x\xC2\x80"));  // U+0080
    CHECK_FALSE(
        has_control_chars("line\xC2\x85"
                          "next"));                          // U+0085 next line
    CHECK_FALSE(has_control_chars("caf\xC3\xA9 \xC2\xA0"));  // é, no-break space
}
