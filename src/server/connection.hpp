// What a room needs of a client connection. Every call is thread-safe: the connection posts
// it to its own strand. Keeps Beast out of the room.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.hpp"

namespace hashchat::server {

class room;

using frame_ptr = std::shared_ptr<const std::string>;

// How queued events are sent together: {"type":"events","events":[e1,e2,...]}.
inline constexpr std::string_view events_open = "{\"type\":\"events\",\"events\":[";
inline constexpr std::string_view events_close = "]}";

// Committed events for every live member of a session: built once per commit and shared.
struct event_batch {
    std::shared_ptr<const std::vector<frame_ptr>> frames;
    // The same events as one message, built once for every member whose queue is empty (one
    // buffer, one write).
    frame_ptr message;
    std::size_t bytes = 0;       // of all the frames
    std::int64_t origin_ms = 0;  // steady ms the oldest command in it reached the room (0: none)
    // Held until each connection has taken the batch into its queue; its release tells the
    // room the next batch may go (connections must not keep it).
    std::shared_ptr<void> taken;
};

// How full a connection's send queue is, as its room reads it (from any thread; a moment old).
class flow_probe {
  public:
    virtual ~flow_probe() = default;
    // Bytes waiting to be written.
    virtual std::size_t queued_bytes() const = 0;
    // Steady-clock milliseconds of the last write that completed (or when the queue last started
    // waiting): a connection whose queue is long and that has not progressed for a while has
    // stopped reading.
    virtual std::int64_t last_progress_ms() const = 0;
};

class connection : public flow_probe {
  public:
    virtual ~connection() = default;
    virtual std::uint64_t id() const = 0;
    // The client's network address (without port).
    virtual const std::string& address() const = 0;
    // A message of its own (welcome, ack, error, presence...).
    virtual void send(frame_ptr frame) = 0;
    // Live events, then this connection's replies that waited for them (acks), in one write if
    // nothing is queued before them; queued events may be written together as one `events`
    // message.
    virtual void send_events(event_batch batch, std::vector<frame_ptr> replies) = 0;
    // A chunk of the backlog. Unless `live`, the connection asks the room for more from `next`
    // once it has written this chunk.
    virtual void send_backlog(std::vector<frame_ptr> frames, core::seq_t next, bool live) = 0;
    // The join succeeded: further commands go to this room.
    virtual void joined(std::shared_ptr<room> r) = 0;
    virtual void close(std::uint16_t code) = 0;
    // The room has taken on (done, refused or queued) one command this connection sent.
    virtual void command_done() {}
};

}  // namespace hashchat::server
