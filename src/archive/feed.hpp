// The Atom feed (RFC 4287) of archived sessions.
#pragma once

#include <string>
#include <vector>

#include "core/time.hpp"

namespace hashchat::archive {

struct feed_entry {
    std::string id;  // a permanent IRI (urn:uuid:...)
    std::string session_id;
    std::string hashtag;
    std::string title;
    std::string description;
    core::instant published;  // when the chat began
    core::instant updated;    // when it ended
    std::size_t posts = 0;
    std::size_t participants = 0;
    std::vector<std::string> questions;
};

struct feed_info {
    std::string id;  // a permanent IRI
    std::string title;
    std::string self_url;   // absolute
    std::string base_url;   // absolute, no trailing slash
    core::instant updated;  // the newest entry's, or the server's start
};

std::string atom_feed(const feed_info& info, const std::vector<feed_entry>& entries);

}  // namespace hashchat::archive
