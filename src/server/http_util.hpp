// Pieces every HTTP route uses: responses, errors with their stable codes, query strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "server/api.hpp"

namespace hashchat::server {

http_response make_response(const http_request& req, boost::beast::http::status status,
                            std::string body, std::string_view content_type);
http_response json_response(const http_request& req, boost::beast::http::status status,
                            std::string body);
http_response error_response(const http_request& req, boost::beast::http::status status,
                             std::string_view code, std::string_view message);
// The status and body for a core error (404 not_found, 403 not_allowed, 401 bad_key, else 400).
http_response error_response(const http_request& req, const core::error& e);
boost::beast::http::status status_of(core::error_code code);
// 404 not_found for a session id that does not exist.
http_response no_such_session(const http_request& req);

// Where participants reach the server, for links and QR codes that leave the page: the
// operator's `--public-url` when set (a laptop behind a proxy never shows "localhost"), else the
// request's Host ("http://host:port").
std::string base_url(const http_request& req, std::string_view public_url);

// `--public-url` checked: http(s)://host[:port][/path], no query, fragment or credentials; the
// trailing slash dropped. Nothing if it is not such a URL.
std::optional<std::string> normal_public_url(std::string_view url);

// A query string parameter, percent-decoded ('+' is a space). Nothing if absent; an error if
// its encoding is broken.
core::result<std::optional<std::string>> query_param(std::string_view target,
                                                     std::string_view name);

}  // namespace hashchat::server
