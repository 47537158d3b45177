// A connection's outbox as a state machine without I/O: what waits to be written (its own
// messages, live event batches, backlog events), how the next write is made of it (up to 32
// WebSocket messages, consecutive events joined into one `events` message around the shared
// strings, framed here), the bound past which the connection is dropped, when the room is told
// that a long queue drained, and when the next backlog chunk is asked for. The ws_session writes
// the pieces it gathers to the socket and says when they are written.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "server/connection.hpp"

namespace hashchat::server {

class outbox {
  public:
    // Most messages in one write, and the most bytes and events one `events` message carries.
    static constexpr std::size_t max_messages = 32;
    static constexpr std::size_t max_batch_bytes = 256 * 1024;
    static constexpr std::size_t max_batch_events = 1000;

    // `bound`: past this many queued bytes the connection is dropped (--queue-bytes).
    explicit outbox(std::size_t bound) : bound_(bound) {}

    // Queues a message of its own (`event` false) or one backlog event. False when the queue
    // passed its bound: the connection must be dropped (4001).
    [[nodiscard]] bool push(frame_ptr frame, bool event, std::int64_t now_ms);
    // Queues a live batch (its `taken` token is the caller's to release).
    [[nodiscard]] bool push(event_batch batch, std::int64_t now_ms);
    // A backlog chunk arrived: it is queued, and the outbox remembers where the next starts.
    [[nodiscard]] bool backlog(std::vector<frame_ptr> frames, core::seq_t next, bool live,
                               std::int64_t now_ms);

    // What the next write is made of: the pieces, in order, each a span of bytes (frame headers
    // included); empty when nothing waits. The pieces stay valid until written().
    const std::vector<std::string_view>& gather();
    // The gathered write is out.
    struct after_write {
        bool drained = false;              // a long queue drained: tell the room
        std::optional<core::seq_t> fetch;  // ask the room for the backlog from here
        std::size_t events = 0;            // events in the write
    };
    after_write written(std::int64_t now_ms);
    // Of the last write: (origin ms, events) for the delivery latency. Kept between writes (no
    // allocation per write: a fan-out makes one per member per batch).
    const std::vector<std::pair<std::int64_t, std::size_t>>& written_origins() const {
        return written_origins_;
    }
    // After the room said which chunk comes (fetch): whether another may be asked for now.
    std::optional<core::seq_t> next_fetch();
    // It stopped reading: what is queued is dropped; the bytes dropped.
    std::size_t drop();

    bool empty() const { return queue_.empty(); }
    // Of the last gather: its messages and the events in them.
    std::size_t gathered_messages() const { return messages_; }
    std::size_t gathered_events() const { return in_flight_events_; }
    std::size_t queued_bytes() const { return queued_bytes_; }
    std::int64_t last_progress_ms() const { return last_progress_ms_; }
    std::size_t budget() const { return bound_ / 4; }  // most backlog bytes asked for at once
    // Once a member: a queue past half the bound marks it congested (drained() follows).
    void set_joined() { joined_ = true; }

  private:
    // A message of its own or one backlog event (`frame`), or live events (`batch`, from
    // `next`), with the bytes not yet taken for a write.
    struct queued {
        frame_ptr frame;
        std::shared_ptr<const std::vector<frame_ptr>> batch;
        frame_ptr message;  // the whole batch as one message, if the room built it
        std::size_t next = 0;
        std::size_t bytes = 0;
        bool event = false;
        std::int64_t origin_ms = 0;
    };
    bool enqueue(queued q, std::int64_t now_ms);
    void gather_events(std::size_t& length);

    std::size_t bound_;
    bool joined_ = false;
    std::deque<queued> queue_;
    std::size_t queued_bytes_ = 0;
    std::int64_t last_progress_ms_ = 0;
    bool congested_ = false;
    // Backlog: chunks still to fetch, from where, and whether one is asked for.
    bool catching_up_ = false;
    core::seq_t backlog_next_ = 0;
    bool fetch_pending_ = false;
    // The write being made or in flight: what it points into, its pieces and frame headers.
    std::vector<std::shared_ptr<const void>> in_flight_;
    std::vector<std::string_view> pieces_;
    std::array<char, 10 * max_messages> headers_{};
    std::size_t in_flight_bytes_ = 0;
    std::size_t in_flight_events_ = 0;
    std::size_t messages_ = 0;
    std::vector<std::pair<std::int64_t, std::size_t>> in_flight_origins_;
    std::vector<std::pair<std::int64_t, std::size_t>> written_origins_;
};

}  // namespace hashchat::server
