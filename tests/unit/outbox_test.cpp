// A connection's outbox without a socket: what a write is made of (framing, batching, the
// `events` message around shared events), the bound, the drained signal and backlog pacing.
#include "server/outbox.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace hashchat::test {
namespace {

using server::frame_ptr;
using server::outbox;

frame_ptr frame(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

std::string event_text(int seq) {
    std::string s = R"({"type":"event","seq":)";
    s += std::to_string(seq);
    s += R"(,"kind":"post","text":"hello"})";
    return s;
}

// The WebSocket messages a gathered write carries, decoded (text frames, unmasked).
std::vector<std::string> messages_of(const std::vector<std::string_view>& pieces) {
    std::string bytes;
    for (const auto p : pieces) bytes += p;
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < bytes.size()) {
        REQUIRE(static_cast<unsigned char>(bytes[at]) == 0x81);  // FIN, text
        std::size_t length = static_cast<unsigned char>(bytes[at + 1]);
        std::size_t header = 2;
        if (length == 126) {
            length = (static_cast<std::size_t>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
                     static_cast<unsigned char>(bytes[at + 3]);
            header = 4;
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; ++i) {
                length = (length << 8) | static_cast<unsigned char>(bytes[at + 2 + i]);
            }
            header = 10;
        }
        REQUIRE(at + header + length <= bytes.size());
        out.push_back(bytes.substr(at + header, length));
        at += header + length;
    }
    return out;
}

server::event_batch batch_of(int from, int to) {
    auto frames = std::make_shared<std::vector<frame_ptr>>();
    std::string message(server::events_open);
    std::size_t bytes = 0;
    for (int s = from; s <= to; ++s) {
        frames->push_back(frame(event_text(s)));
        bytes += frames->back()->size();
        if (s > from) message += ',';
        message += event_text(s);
    }
    message += server::events_close;
    server::event_batch b;
    b.frames = frames;
    b.bytes = bytes;
    b.message = frames->size() == 1 ? frames->front() : frame(message);
    return b;
}

}  // namespace

TEST_CASE("outbox: a message of its own is one text frame") {
    outbox o(1 << 20);
    REQUIRE(o.push(frame(R"({"type":"pong"})"), false, 100));
    CHECK(o.last_progress_ms() == 100);
    const auto m = messages_of(o.gather());
    CHECK(m == std::vector<std::string>{R"({"type":"pong"})"});
    const auto done = o.written(120);
    CHECK(o.empty());
    CHECK(o.queued_bytes() == 0);
    CHECK(o.last_progress_ms() == 120);
    CHECK_FALSE(done.drained);
}

TEST_CASE("outbox: a live batch goes as the room's message, its acks after it, in one write") {
    outbox o(1 << 20);
    REQUIRE(o.push(batch_of(1, 3), 0));
    REQUIRE(o.push(frame(R"({"type":"ack","cid":"c1","seq":3})"), false, 0));
    const auto m = messages_of(o.gather());
    REQUIRE(m.size() == 2);
    CHECK(m[0] == *batch_of(1, 3).message);
    CHECK(m[1] == R"({"type":"ack","cid":"c1","seq":3})");
    CHECK(o.gathered_events() == 3);
}

TEST_CASE("outbox: queued events are joined into one events message, shared not copied") {
    outbox o(1 << 20);
    REQUIRE(o.push(batch_of(1, 2), 0));
    REQUIRE(o.push(batch_of(3, 3), 0));
    REQUIRE(o.push(frame(event_text(4)), true, 0));  // a backlog event
    const auto m = messages_of(o.gather());
    REQUIRE(m.size() == 1);
    CHECK(m[0] == std::string(server::events_open) + event_text(1) + "," + event_text(2) + "," +
                      event_text(3) + "," + event_text(4) + std::string(server::events_close));
    CHECK(o.gathered_events() == 4);
}

TEST_CASE("outbox: at most 32 messages go in one write, the rest in the next") {
    outbox o(1 << 20);
    for (int i = 0; i < 40; ++i) REQUIRE(o.push(frame(R"({"type":"pong"})"), false, 0));
    CHECK(messages_of(o.gather()).size() == outbox::max_messages);
    o.written(1);
    CHECK(messages_of(o.gather()).size() == 8);
    o.written(2);
    CHECK(o.empty());
}

TEST_CASE("outbox: past its bound the connection is to be dropped; drop empties the queue") {
    outbox o(100);
    REQUIRE(o.push(frame(std::string(60, 'a')), false, 0));
    CHECK_FALSE(o.push(frame(std::string(60, 'b')), false, 0));
    CHECK(o.drop() == 120);
    CHECK(o.empty());
    CHECK(o.queued_bytes() == 0);
}

TEST_CASE("outbox: a member's long queue tells the room once it has drained to an eighth") {
    outbox o(1000);
    o.set_joined();
    for (int i = 0; i < 6; ++i) REQUIRE(o.push(frame(std::string(100, 'x')), false, 0));
    CHECK(o.queued_bytes() == 600);  // past half: congested
    o.gather();
    const auto first = o.written(1);  // 32 messages fit: all six go
    CHECK(first.drained);
    REQUIRE(o.push(frame(std::string(100, 'x')), false, 2));
    o.gather();
    CHECK_FALSE(o.written(3).drained);  // once per congestion
}

TEST_CASE("outbox: the next backlog chunk is asked for only once the queue has drained") {
    outbox o(4000);  // budget: 1000 bytes
    std::vector<frame_ptr> chunk;
    for (int s = 1; s <= 40; ++s) chunk.push_back(frame(event_text(s)));
    REQUIRE(o.backlog(chunk, 40, false, 0));
    REQUIRE(o.queued_bytes() > o.budget());
    CHECK_FALSE(o.next_fetch());  // too much queued
    o.gather();
    const auto done = o.written(1);
    REQUIRE(done.fetch);
    CHECK(*done.fetch == 40);
    CHECK_FALSE(o.next_fetch());  // asked already
    // The last chunk reaches the head: nothing more to ask for.
    REQUIRE(o.backlog({frame(event_text(41))}, 41, true, 2));
    o.gather();
    CHECK_FALSE(o.written(3).fetch);
}

}  // namespace hashchat::test
