// One WebSocket client. Reads messages and hands them to its room. Writes its queue itself, framed
// here and several messages to a system call (an ack and the events it follows, say), batching
// queued events into a single `events` message without copying them; Beast's own frames go
// between (ws_transport). The send queue is bounded in bytes: a client that stops reading is
// dropped (close 4001).
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/rate_limit.hpp"
#include "server/connection.hpp"
#include "server/options.hpp"
#include "server/outbox.hpp"
#include "server/ws_transport.hpp"

namespace hashchat::server {

class hub;

class ws_session final : public connection, public std::enable_shared_from_this<ws_session> {
  public:
    // Takes over a place reserved with hub::reserve_connection(address), and gives it back.
    ws_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<hub> h, std::string peer,
               std::string address);
    ~ws_session() override;

    void run(boost::beast::http::request<boost::beast::http::string_body> req);

    std::uint64_t id() const override { return id_; }
    const std::string& address() const override { return address_; }
    void send(frame_ptr frame) override;
    void send_events(event_batch batch, std::vector<frame_ptr> replies) override;
    void send_backlog(std::vector<frame_ptr> frames, core::seq_t next, bool live) override;
    void joined(std::shared_ptr<room> r) override;
    void close(std::uint16_t code) override;
    void command_done() override;
    // Commands posted to the room and not yet taken on; at this many, reading pauses.
    static constexpr int max_pending_commands = 64;
    std::int64_t last_progress_ms() const override {
        return last_progress_ms_.load(std::memory_order_relaxed);
    }
    std::size_t queued_bytes() const override {
        return shared_queued_bytes_.load(std::memory_order_relaxed);
    }

  private:
    void on_accept(boost::beast::error_code ec);
    void do_read();
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void handle_message(const std::string& text);
    void enqueue(frame_ptr frame, bool event);
    // After the outbox took something: its bound, the shared counters.
    void enqueued(bool within_bound, std::size_t before);
    void schedule_write();  // do_write, once, after what is waiting on the strand
    void do_write();
    bool gather();   // takes what goes in the next write; false if nothing
    void written();  // the write is out
    void on_write(boost::beast::error_code ec, std::size_t bytes);
    void finish_if_idle();  // nothing to write: a teardown or a close may go
    void do_close(std::uint16_t code);
    void start_close();
    void fail(boost::beast::error_code ec, const char* what);
    void maybe_fetch();

    boost::beast::websocket::stream<ws_transport> ws_;
    boost::beast::flat_buffer buffer_;
    std::shared_ptr<hub> hub_;
    std::string peer_;
    std::string address_;
    std::uint64_t id_;

    std::shared_ptr<room> room_;  // where commands go once hello was sent
    bool joined_ = false;

    outbox out_;  // what waits to be written, and how the next write is made of it
    std::vector<std::string> control_in_flight_;      // Beast's frames in the write
    std::vector<boost::asio::const_buffer> buffers_;  // what is left of the write
    bool writing_ = false;                            // the rest of a write waits for the socket
    bool write_scheduled_ = false;
    bool accepted_ = false;
    bool closing_ = false;
    std::uint16_t close_code_ = 0;
    bool close_sent_ = false;        // async_close began
    bool close_frame_sent_ = false;  // a close frame was written: no message may follow
    bool failed_ = false;            // the connection is over: nothing more is written
    std::atomic<std::size_t> shared_queued_bytes_{0};  // queued_bytes_ for other threads
    std::atomic<std::int64_t> last_progress_ms_{0};
    std::atomic<int> pending_commands_{0};
    bool read_paused_ = false;
    boost::asio::steady_timer close_deadline_;  // cuts a close that cannot get out
    // Abuse limits per connection (docs/protocol.md, Limits).
    core::token_bucket post_bucket_;
    core::token_bucket like_bucket_;
    core::token_bucket other_bucket_;
};

}  // namespace hashchat::server
