#include "session_setup.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace hashchat::bench::load {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

struct http_answer {
    int status = 0;
    std::string body;
    std::string error;
};

// One request on its own connection (Connection: close), bounded in time.
http_answer http_post(const endpoint& where, const asio::ip::tcp::endpoint& address,
                      const std::string& path, const std::string& body, const std::string& bearer) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    std::string request =
        "POST " + path + " HTTP/1.1\r\nHost: " + where.host + ":" + where.port +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n";
    if (!bearer.empty()) request += "Authorization: Bearer " + bearer + "\r\n";
    request += "\r\n" + body;
    std::string response;
    http_answer out;
    socket.async_connect(address, [&](const error_code& ec) {
        if (ec) {
            out.error = "connect: " + ec.message();
            return;
        }
        asio::async_write(socket, asio::buffer(request), [&](const error_code& wec, std::size_t) {
            if (wec) {
                out.error = "write: " + wec.message();
                return;
            }
            asio::async_read(socket, asio::dynamic_buffer(response),
                             [&](const error_code& rec, std::size_t) {
                                 if (rec && rec != asio::error::eof) {
                                     out.error = "read: " + rec.message();
                                 }
                             });
        });
    });
    io.run_for(std::chrono::seconds(10));
    if (!io.stopped()) out.error = "no answer within 10 s";
    if (!out.error.empty()) return out;
    const auto head_end = response.find("\r\n\r\n");
    if (response.compare(0, 9, "HTTP/1.1 ") != 0 || head_end == std::string::npos) {
        out.error = "not an HTTP response";
        return out;
    }
    out.status = std::atoi(response.c_str() + 9);
    out.body = response.substr(head_end + 4);
    return out;
}

std::string create_body(const options& opts, int i) {
    nlohmann::json j{{"hashtag", opts.hashtag},
                     {"title", "hashchat-load " + std::to_string(i + 1)},
                     {"description", "Made by hashchat-load"},
                     {"intro_minutes", 60},
                     {"round_minutes", 240},
                     {"wrapup_minutes", 10},
                     {"questions", {"Load question 1", "Load question 2", "Load question 3"}}};
    return j.dump();
}

}  // namespace

setup_result create_sessions(const options& opts, const endpoint& where,
                             const asio::ip::tcp::endpoint& address) {
    setup_result out;
    for (int i = 0; i < opts.sessions; ++i) {
        const auto answer =
            http_post(where, address, "/api/sessions", create_body(opts, i), opts.creation_token);
        if (!answer.error.empty()) {
            out.error = "POST /api/sessions: " + answer.error;
            return out;
        }
        if (answer.status != 201) {
            out.error = "POST /api/sessions answered " + std::to_string(answer.status) + ": " +
                        answer.body.substr(0, 300);
            return out;
        }
        const auto j = nlohmann::json::parse(answer.body, nullptr, false);
        if (!j.is_object() || !j.contains("id") || !j.contains("moderator_key")) {
            out.error = "POST /api/sessions: unexpected answer " + answer.body.substr(0, 300);
            return out;
        }
        out.sessions.push_back({j["id"].get<std::string>(), j["moderator_key"].get<std::string>()});
    }
    return out;
}

}  // namespace hashchat::bench::load
