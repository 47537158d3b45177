// One WebSocket client of the load test, written straight on an Asio TCP socket: the HTTP
// upgrade, masked frames out, and server frames parsed in place from a read buffer that grows
// under load (many frames per read system call, no allocation per message).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "delivery_check.hpp"
#include "message_scan.hpp"
#include "run_state.hpp"
#include "ws_frame.hpp"

namespace hashchat::bench::load {

enum class client_state : int {
    idle,
    connecting,  // TCP, then the upgrade, then (hashchat) hello -> welcome
    ready,       // joined (hashchat) or upgraded (raw)
    closing,     // we sent a close frame
    closed,      // the socket is closed after having been ready
    failed,      // never became ready
};

enum class client_role { participant, moderator };

class client {
  public:
    client(boost::asio::any_io_executor ex, run_state& run, int index, int session,
           client_role role);
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // These run on executor(): post them there from elsewhere.
    void start();
    void send_post(std::int64_t n);  // post number n (from 1) of this client
    void close();
    void abandon();  // gives up on a client that is still connecting

    const boost::asio::any_io_executor& executor() const { return executor_; }
    int index() const { return index_; }
    int session() const { return session_; }
    client_state state() const { return state_.load(std::memory_order_acquire); }
    // How far it has read: the last in-order seq (hashchat), the posts received (raw).
    std::int64_t progress() const { return progress_.load(std::memory_order_relaxed); }
    std::int64_t posts_sent() const { return posts_sent_.load(std::memory_order_relaxed); }
    // Posts answered with an ack or an error (hashchat).
    std::int64_t posts_resolved() const { return posts_resolved_.load(std::memory_order_relaxed); }

    // Read once the run is over.
    struct outcome {
        delivery_counts seqs;     // hashchat: the session's seq order
        delivery_counts senders;  // each sender's n order
        std::int64_t posts_acked = 0;
        std::int64_t posts_refused = 0;
        std::int64_t unknown_messages = 0;           // malformed or unparsable
        std::map<std::string, std::int64_t> errors;  // error messages by code
        int close_code = 0;                          // a close the server started (0: none)
        bool disconnected = false;                   // the connection ended without our close
        std::string failure;                         // why it never became ready
        std::vector<std::int64_t> acked_seqs;
    };
    const outcome& result() const { return out_; }
    const senders_check& senders() const { return senders_; }

  private:
    void on_connect(const boost::system::error_code& ec);
    void read();
    void on_read(const boost::system::error_code& ec, std::size_t n, std::size_t space);
    std::size_t consume(char* data, std::size_t len, std::int64_t now);
    std::size_t consume_upgrade(std::string_view data);
    void on_frame(const frame& f, std::int64_t now);
    void on_message(std::string_view text, std::int64_t now);
    void on_hashchat_message(std::string_view text, std::int64_t now);
    void on_event(const message_fields& e, std::int64_t now);
    void on_post(std::string_view text, std::int64_t now);
    void on_ack(const message_fields& m, std::int64_t now);
    void on_error_message(const message_fields& m);
    void on_welcome();
    void send_text(std::string_view payload);
    void flush();
    void became_ready(std::int64_t now);
    void fail(std::string why);
    void end(bool by_peer);
    std::uint32_t next_mask();

    boost::asio::any_io_executor executor_;
    boost::asio::ip::tcp::socket socket_;
    run_state& run_;
    const int index_;
    const int session_;
    const client_role role_;
    std::atomic<client_state> state_{client_state::idle};
    bool upgraded_ = false;
    bool writing_ = false;
    bool close_sent_ = false;
    std::int64_t started_ns_ = 0;
    std::uint32_t mask_state_;
    std::vector<char> rbuf_;  // received bytes: rlen_ of them, the start of a frame first
    std::size_t rlen_ = 0;
    std::vector<char> fragment_;  // a message arriving in several frames
    std::vector<char> pending_;   // frames waiting for the write in flight
    std::vector<char> writing_buf_;
    sequence_check seqs_;
    senders_check senders_;
    std::atomic<std::int64_t> progress_{0};
    std::atomic<std::int64_t> posts_sent_{0};
    std::atomic<std::int64_t> posts_resolved_{0};
    outcome out_;
};

}  // namespace hashchat::bench::load
