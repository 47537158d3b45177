// One HTTP connection: reads requests (keep-alive), answers them through the routes, and hands
// a WebSocket upgrade on /ws to a ws_session.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>

#include "server/api.hpp"

namespace hashchat::server {

class hub;

class http_session : public std::enable_shared_from_this<http_session> {
  public:
    http_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<hub> h);
    void run();

  private:
    void do_read();
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void write(http_response res);
    std::string client_address(const http_request& req) const;
    bool origin_allowed(const http_request& req) const;
    void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);

    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::shared_ptr<hub> hub_;
    std::shared_ptr<http_response> response_;
    std::string peer_;
    std::string address_;
    bool loopback_ = false;
};

}  // namespace hashchat::server
