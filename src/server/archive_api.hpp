// The archive's HTTP routes: transcripts and their exports, the activity chart, the list of
// archived sessions, full-text search and the Atom feed.
#pragma once

#include <string_view>

#include "server/api.hpp"

namespace hashchat::server {

// True if `path` is an archive route (and it has answered, or will).
bool handle_archive(hub& h, const http_request& req, std::string_view path,
                    const responder& respond);

}  // namespace hashchat::server
