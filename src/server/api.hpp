// The HTTP routes: parse, call a plain function, serialize.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>

namespace hashchat::server {

class hub;

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;
using responder = std::function<void(http_response)>;

// Answers `req` through `respond` (at once, or later for calls that wait on the log).
// `address` is the client's network address (from X-Forwarded-For with --trust-proxy).
void handle_http(hub& h, const http_request& req, bool from_loopback, const std::string& address,
                 responder respond);

}  // namespace hashchat::server
