// Creates the hashchat sessions of a run over HTTP (POST /api/sessions): live chats without a
// scheduled start, which the generator's moderator connection starts. Posts are accepted from
// then until the chat closes: a 60-minute intro, then three questions of 240 minutes each.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <vector>

#include "options.hpp"

namespace hashchat::bench::load {

struct created_session {
    std::string id;
    std::string moderator_key;
};

struct setup_result {
    std::vector<created_session> sessions;
    std::string error;  // empty on success
};

setup_result create_sessions(const options& opts, const endpoint& where,
                             const boost::asio::ip::tcp::endpoint& address);

}  // namespace hashchat::bench::load
