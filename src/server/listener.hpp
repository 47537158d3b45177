// Accepts TCP connections; each gets its own strand and an http_session.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace hashchat::server {

class hub;

class listener : public std::enable_shared_from_this<listener> {
  public:
    listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
             std::shared_ptr<hub> h);
    void run();
    void stop();
    boost::asio::ip::tcp::endpoint local_endpoint() const;

  private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_;  // after a failed accept
    std::shared_ptr<hub> hub_;
};

}  // namespace hashchat::server
