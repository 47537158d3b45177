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

// Where this request reached the server ("http://host:port"), for links in documents that leave
// the page.
std::string base_url(const http_request& req);

// A query string parameter, percent-decoded ('+' is a space). Nothing if absent; an error if
// its encoding is broken.
core::result<std::optional<std::string>> query_param(std::string_view target,
                                                     std::string_view name);

}  // namespace hashchat::server
