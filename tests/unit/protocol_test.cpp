// Client-to-server messages parsed strictly, and the other server-to-client messages.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/session.hpp"
#include "protocol/client_messages.hpp"
#include "protocol/server_messages.hpp"
#include "test_support.hpp"

using namespace hashchat;
using core::error_code;
using nlohmann::json;
using protocol::parse_client_message;

namespace {

std::string describe(const protocol::client_message& m) {
    std::ostringstream os;
    if (const auto* e = m.error()) {
        os << "error " << *e;
    } else {
        os << "body index " << m.body.index();
    }
    os << " rid=" << m.rid.value_or("<none>") << " cid=" << m.cid.value_or("<none>");
    return os.str();
}

// The command of a message that must parse.
core::command command_of(const std::string& frame) {
    const auto m = parse_client_message(frame);
    INFO(frame << " -> " << describe(m));
    REQUIRE(std::holds_alternative<core::command>(m.body));
    return std::get<core::command>(m.body);
}

// The error code of a message that must not parse, by name.
std::string error_of(const std::string& frame) {
    const auto m = parse_client_message(frame);
    return m.error() ? std::string(core::to_string(m.error()->code)) : "parsed";
}

#define CHECK_REFUSED(frame, code)                                                        \
    do {                                                                                  \
        const std::string refused_frame_ = (frame);                                       \
        INFO(refused_frame_ << " -> " << describe(parse_client_message(refused_frame_))); \
        CHECK(error_of(refused_frame_) == test::name_of(code));                           \
    } while (false)

}  // namespace

TEST_CASE("hello carries session, handle, name, token, key and since", "[protocol]") {
    SECTION("every field") {
        const auto m = parse_client_message(
            R"({"type":"hello","session":"pubpd-2026-11-26","handle":"ms_lee","name":"Ms Lee",)"
            R"("token":"q3Vx","key":"Zk9","since":42,"rid":"1"})");
        INFO(describe(m));
        REQUIRE(std::holds_alternative<protocol::hello_msg>(m.body));
        const auto& h = std::get<protocol::hello_msg>(m.body);
        CHECK(h.session == "pubpd-2026-11-26");
        CHECK(h.handle == "ms_lee");
        CHECK(h.name == "Ms Lee");
        CHECK(h.token == std::optional<std::string>("q3Vx"));
        CHECK(h.key == std::optional<std::string>("Zk9"));
        CHECK(h.since == 42u);
        CHECK(m.rid == std::optional<std::string>("1"));
        CHECK_FALSE(m.cid.has_value());
    }
    SECTION("defaults") {
        const auto m = parse_client_message(
            R"({"type":"hello","session":"s","handle":"ms_lee","name":"Ms Lee","token":null})");
        INFO(describe(m));
        REQUIRE(std::holds_alternative<protocol::hello_msg>(m.body));
        const auto& h = std::get<protocol::hello_msg>(m.body);
        CHECK(h.since == 0u);
        CHECK_FALSE(h.token.has_value());
        CHECK_FALSE(h.key.has_value());
        CHECK_FALSE(m.rid.has_value());
    }
    SECTION("the largest since a client can hold exactly") {
        const auto m = parse_client_message(
            R"({"type":"hello","session":"s","handle":"h","name":"n","since":9007199254740991})");
        REQUIRE(std::holds_alternative<protocol::hello_msg>(m.body));
        CHECK(std::get<protocol::hello_msg>(m.body).since == 9007199254740991ULL);
    }
}

TEST_CASE("ping", "[protocol]") {
    const auto m = parse_client_message(R"({"type":"ping","rid":"p1"})");
    INFO(describe(m));
    CHECK(std::holds_alternative<protocol::ping_msg>(m.body));
    CHECK(m.rid == std::optional<std::string>("p1"));
}

TEST_CASE("post carries cid, text, round and reply_to", "[protocol]") {
    const auto m = parse_client_message(
        R"({"type":"post","cid":"c-1732300000-1","text":"A1: We start \u00e9 \ud83d\ude00",)"
        R"("round":1,"reply_to":17,"rid":"7"})");
    INFO(describe(m));
    REQUIRE(std::holds_alternative<core::command>(m.body));
    const auto* p = std::get_if<core::post_cmd>(&std::get<core::command>(m.body));
    REQUIRE(p != nullptr);
    CHECK(p->cid == "c-1732300000-1");
    CHECK(p->text == "A1: We start \xC3\xA9 \xF0\x9F\x98\x80");
    CHECK(p->round == 1);
    CHECK(p->reply_to == core::seq_t{17});
    CHECK(m.rid == std::optional<std::string>("7"));
    CHECK(m.cid == std::optional<std::string>("c-1732300000-1"));

    const auto plain = std::get<core::post_cmd>(
        command_of(R"({"type":"post","cid":"c2","text":"hi","round":null,"reply_to":null})"));
    CHECK_FALSE(plain.round.has_value());
    CHECK_FALSE(plain.reply_to.has_value());
    CHECK(std::get<core::post_cmd>(command_of(R"({"type":"post","cid":"c3","text":"x","round":0})"))
              .round == 0);
}

TEST_CASE("like, unlike, edit, delete, announce", "[protocol]") {
    const auto like = std::get<core::like_cmd>(command_of(R"({"type":"like","seq":17})"));
    CHECK(like.target == 17u);
    CHECK(like.like);
    const auto unlike = std::get<core::like_cmd>(command_of(R"({"type":"unlike","seq":18})"));
    CHECK(unlike.target == 18u);
    CHECK_FALSE(unlike.like);
    const auto edit =
        std::get<core::edit_cmd>(command_of(R"({"type":"edit","seq":17,"text":"A1: puzzle"})"));
    CHECK(edit.target == 17u);
    CHECK(edit.text == "A1: puzzle");
    const auto del = std::get<core::delete_cmd>(command_of(R"({"type":"delete","seq":19})"));
    CHECK(del.target == 19u);
    const auto ann =
        std::get<core::announce_cmd>(command_of(R"({"type":"announce","text":"Welcome!"})"));
    CHECK(ann.text == "Welcome!");
}

TEST_CASE("control carries an action and minutes", "[protocol]") {
    using core::control_action;
    const std::vector<std::pair<const char*, control_action>> actions = {
        {"start", control_action::start}, {"next", control_action::next},
        {"pause", control_action::pause}, {"resume", control_action::resume},
        {"end", control_action::end},     {"release", control_action::release},
    };
    for (const auto& [name, action] : actions) {
        CAPTURE(name);
        const auto c = std::get<core::control_cmd>(
            command_of(std::string(R"({"type":"control","action":")") + name + "\"}"));
        CHECK(c.action == action);
    }
    const auto ext = std::get<core::control_cmd>(
        command_of(R"({"type":"control","action":"extend","minutes":3,"rid":"9"})"));
    CHECK(ext.action == control_action::extend);
    CHECK(ext.minutes == 3);

    CHECK_REFUSED(R"({"type":"control","action":"extend"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"control","action":"stop"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"control"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"control","action":"extend","minutes":-3})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"control","action":"extend","minutes":2.5})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"control","action":"extend","minutes":"3"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"control","action":5})", error_code::bad_request);
}

TEST_CASE("moderate carries an action and a post, a handle or a waiting post", "[protocol]") {
    using core::mod_action;
    auto moderate = [](const std::string& frame) {
        return std::get<core::moderate_cmd>(command_of(frame));
    };
    const std::vector<std::pair<const char*, mod_action>> on_posts = {
        {"hide", mod_action::hide},
        {"unhide", mod_action::unhide},
        {"pin", mod_action::pin},
        {"unpin", mod_action::unpin},
    };
    for (const auto& [name, action] : on_posts) {
        CAPTURE(name);
        const auto c = moderate(std::string(R"({"type":"moderate","action":")") + name +
                                R"(","seq":17,"rid":"m1"})");
        CHECK(c.action == action);
        CHECK(c.target == std::optional<core::seq_t>(17));
        CHECK_FALSE(c.handle.has_value());
        CHECK_FALSE(c.pending.has_value());
        CHECK_FALSE(c.ban_address);
        CHECK(c.address_hashes.empty());
    }
    const std::vector<std::pair<const char*, mod_action>> on_members = {
        {"mute", mod_action::mute},
        {"unmute", mod_action::unmute},
        {"ban", mod_action::ban},
        {"unban", mod_action::unban},
    };
    for (const auto& [name, action] : on_members) {
        CAPTURE(name);
        const auto c = moderate(std::string(R"({"type":"moderate","action":")") + name +
                                R"(","handle":"troll_42"})");
        CHECK(c.action == action);
        CHECK(c.handle == std::optional<std::string>("troll_42"));
        CHECK_FALSE(c.target.has_value());
        CHECK_FALSE(c.pending.has_value());
        CHECK_FALSE(c.ban_address);
    }
    const auto ban =
        moderate(R"({"type":"moderate","action":"ban","handle":"troll_42","ban_address":true})");
    CHECK(ban.action == mod_action::ban);
    CHECK(ban.ban_address);
    CHECK(ban.address_hashes.empty());  // the server fills them in, never the client
    CHECK_FALSE(
        moderate(R"({"type":"moderate","action":"ban","handle":"troll_42","ban_address":false})")
            .ban_address);
    const auto approve = moderate(R"({"type":"moderate","action":"approve","pending":3})");
    CHECK(approve.action == mod_action::approve);
    CHECK(approve.pending == std::optional<std::uint64_t>(3));
    CHECK_FALSE(approve.target.has_value());
    CHECK_FALSE(approve.handle.has_value());
    const auto reject = moderate(R"({"type":"moderate","action":"reject","pending":3})");
    CHECK(reject.action == mod_action::reject);
    CHECK(reject.pending == std::optional<std::uint64_t>(3));

    // A missing target is the session's to refuse (bad_request there), not the parser's.
    const auto bare = moderate(R"({"type":"moderate","action":"hide"})");
    CHECK_FALSE(bare.target.has_value());
    CHECK_FALSE(moderate(R"({"type":"moderate","action":"mute","handle":null})").handle);

    CHECK_REFUSED(R"({"type":"moderate"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","seq":3})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":null,"seq":3})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":5,"seq":3})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"shout","seq":3})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"HIDE","seq":3})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"hide","seq":"3"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"hide","seq":-3})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"hide","seq":1.5})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"hide","seq":9007199254740992})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"mute","handle":42})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"mute","handle":["a"]})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"approve","pending":"3"})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"approve","pending":-1})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"ban","handle":"x","ban_address":1})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"ban","handle":"x","ban_address":"true"})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"ban","handle":"x","ban_address":null})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"ban","handle":"x","address_hashes":["a"]})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"hide","seq":3,"target":3})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"hide","seq":3,"cid":"c"})",
                  error_code::bad_request);
    const auto m = parse_client_message(R"({"type":"moderate","action":"shout"})");
    REQUIRE(m.error() != nullptr);
    CHECK_THAT(m.error()->message, Catch::Contains("shout"));
}

TEST_CASE("malformed frames are bad requests", "[protocol]") {
    CHECK_REFUSED("", error_code::bad_request);
    CHECK_REFUSED("not json", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"ping")", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"ping"} trailing)", error_code::bad_request);
    CHECK_REFUSED("[1,2]", error_code::bad_request);
    CHECK_REFUSED(R"("ping")", error_code::bad_request);
    CHECK_REFUSED("42", error_code::bad_request);
    CHECK_REFUSED("null", error_code::bad_request);
    CHECK_REFUSED("{}", error_code::bad_request);
    CHECK_REFUSED(R"({"type":5})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":null})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"pong"})", error_code::unknown_type);
    CHECK_REFUSED(R"({"type":"Hello"})", error_code::unknown_type);
    CHECK_REFUSED(R"({"type":""})", error_code::unknown_type);
    CHECK_REFUSED(R"({"type":"moderate","action":"shout","seq":3})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"ban","handle":"x","ban_address":1})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"moderate","action":"hide","seq":-3})", error_code::bad_request);
}

TEST_CASE("unknown fields are refused", "[protocol]") {
    CHECK_REFUSED(R"({"type":"ping","x":1})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"post","cid":"c1","text":"hi","Round":1})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"like","seq":1,"text":"x"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"hello","session":"s","handle":"h","name":"n","role":"moderator"})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"announce","text":"x","seq":1})", error_code::bad_request);
    const auto m = parse_client_message(R"({"type":"ping","typo":true})");
    REQUIRE(m.error() != nullptr);
    CHECK_THAT(m.error()->message, Catch::Contains("typo"));
}

TEST_CASE("missing and mistyped fields are refused", "[protocol]") {
    CHECK_REFUSED(R"({"type":"hello","handle":"h","name":"n"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"hello","session":"s","name":"n"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"hello","session":"s","handle":"h"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"hello","session":"s","handle":7,"name":"n"})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"hello","session":"s","handle":"h","name":"n","since":"0"})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"hello","session":"s","handle":"h","name":"n","token":5})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"post","text":"hi"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"post","cid":"c1"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"post","cid":"c1","text":null})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"post","cid":"c1","text":5})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"post","cid":"c1","text":["hi"]})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"post","cid":"c1","text":"hi","round":"1"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"post","cid":"c1","text":"hi","reply_to":true})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"like"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"like","seq":"17"})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"edit","seq":17})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"delete","seq":{}})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"announce"})", error_code::bad_request);
}

TEST_CASE("numbers must be whole and in range", "[protocol]") {
    for (const char* n :
         {"-1", "-9007199254740991", "1.5", "17.0", "1e3", "1e30", "9007199254740992",
          "18446744073709551615", "18446744073709551616", "99999999999999999999999"}) {
        CAPTURE(n);
        CHECK_REFUSED(std::string(R"({"type":"like","seq":)") + n + "}", error_code::bad_request);
        CHECK_REFUSED(std::string(R"({"type":"hello","session":"s","handle":"h","name":"n",)") +
                          R"("since":)" + n + "}",
                      error_code::bad_request);
    }
    CHECK_REFUSED(R"({"type":"post","cid":"c1","text":"hi","round":1001})",
                  error_code::bad_request);
    CHECK_REFUSED(R"({"type":"post","cid":"c1","text":"hi","round":-1})", error_code::bad_request);
    CHECK_REFUSED(R"({"type":"post","cid":"c1","text":"hi","reply_to":-5})",
                  error_code::bad_request);
    CHECK(std::get<core::like_cmd>(command_of(R"({"type":"like","seq":0})")).target == 0u);
}

TEST_CASE("JSON nested more than 8 levels is refused before parsing", "[protocol]") {
    // The message object is level 1.
    const std::string nine = R"({"type":"ping","x":[[[[[[[[1]]]]]]]]})";
    const std::string eight = R"({"type":"ping","x":[[[[[[[1]]]]]]]})";
    CHECK_REFUSED(nine, error_code::bad_request);
    const auto deep = parse_client_message(nine);
    REQUIRE(deep.error() != nullptr);
    CHECK_THAT(deep.error()->message, Catch::Contains("nested"));
    // Eight levels are parsed (and then refused for the unknown field, not for the depth).
    const auto ok_depth = parse_client_message(eight);
    REQUIRE(ok_depth.error() != nullptr);
    CHECK_THAT(ok_depth.error()->message, !Catch::Contains("nested"));
    CHECK_REFUSED(std::string(10'000, '[') + std::string(10'000, ']'), error_code::bad_request);
    CHECK_REFUSED(R"({"type":"ping","x":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":1}}}}}}}}})",
                  error_code::bad_request);

    SECTION("brackets inside strings do not count") {
        const auto p = std::get<core::post_cmd>(command_of(
            R"({"type":"post","cid":"c1","text":"[[[[[[[[[[{{{{{{{{{{ \"[[[[[[[[[[ \\"})"));
        CHECK(p.text == "[[[[[[[[[[{{{{{{{{{{ \"[[[[[[[[[[ \\");
    }
}

TEST_CASE("rid is checked and echoed, cid is echoed for refused posts", "[protocol]") {
    SECTION("rid echoed with errors after it was read") {
        for (const char* frame :
             {R"({"rid":"r1","type":"nope"})", R"({"type":"ping","rid":"r1","x":1})",
              R"({"type":"like","rid":"r1","seq":-1})", R"({"rid":"r1"})"}) {
            const auto m = parse_client_message(frame);
            INFO(frame << " -> " << describe(m));
            CHECK(m.error() != nullptr);
            CHECK(m.rid == std::optional<std::string>("r1"));
        }
    }
    SECTION("a bad rid is itself refused") {
        CHECK_REFUSED(R"({"type":"ping","rid":1})", error_code::bad_request);
        CHECK_REFUSED(R"({"type":"ping","rid":""})", error_code::bad_request);
        CHECK_REFUSED(R"({"type":"ping","rid":null})", error_code::bad_request);
        CHECK_REFUSED(std::string(R"({"type":"ping","rid":")") + std::string(65, 'r') + "\"}",
                      error_code::bad_request);
        const auto m = parse_client_message(std::string(R"({"type":"ping","rid":")") +
                                            std::string(64, 'r') + "\"}");
        CHECK(std::holds_alternative<protocol::ping_msg>(m.body));
        CHECK(m.rid == std::string(64, 'r'));
    }
    SECTION("cid of a refused post") {
        for (const char* frame : {R"({"type":"post","cid":"c-9","text":5,"rid":"7"})",
                                  R"({"type":"post","cid":"c-9","text":"hi","extra":1})",
                                  R"({"type":"post","cid":"c-9"})",
                                  R"({"type":"post","cid":"c-9","text":"x","round":5000})"}) {
            const auto m = parse_client_message(frame);
            INFO(frame << " -> " << describe(m));
            CHECK(m.error() != nullptr);
            CHECK(m.cid == std::optional<std::string>("c-9"));
        }
        const auto e = parse_client_message(R"({"type":"post","cid":"c-9","text":5,"rid":"7"})");
        REQUIRE(e.error() != nullptr);
        const auto frame = json::parse(protocol::error_message(*e.error(), e.rid, e.cid));
        CHECK(frame.at("type") == "error");
        CHECK(frame.at("code") == "bad_request");
        CHECK(frame.at("cid") == "c-9");
        CHECK(frame.at("rid") == "7");
    }
    SECTION("other messages do not report a cid") {
        const auto m = parse_client_message(R"({"type":"like","cid":"c-9","seq":1})");
        CHECK(m.error() != nullptr);
        CHECK_FALSE(m.cid.has_value());
    }
}

TEST_CASE("server messages other than events", "[protocol]") {
    CHECK(json::parse(protocol::ack_message("c-1", 43, "7")) ==
          json::parse(R"({"type":"ack","cid":"c-1","seq":43,"rid":"7"})"));
    CHECK(json::parse(protocol::ack_message("c-1", 43, std::nullopt)) ==
          json::parse(R"({"type":"ack","cid":"c-1","seq":43})"));
    CHECK(json::parse(protocol::ok_message("9", core::seq_t{44})) ==
          json::parse(R"({"type":"ok","rid":"9","seq":44})"));
    CHECK(json::parse(protocol::ok_message("9", std::nullopt)) ==
          json::parse(R"({"type":"ok","rid":"9"})"));
    CHECK(json::parse(protocol::pong_message("p1")) ==
          json::parse(R"({"type":"pong","rid":"p1"})"));
    CHECK(json::parse(protocol::presence_message(17)) ==
          json::parse(R"({"type":"presence","online":17})"));
    const auto err = json::parse(protocol::error_message(
        core::make_error(error_code::too_long, "Too long."), std::nullopt, std::nullopt));
    CHECK(err == json::parse(R"({"type":"error","code":"too_long","message":"Too long."})"));
}
