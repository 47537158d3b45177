// The room's part in moderation: the moderators' log to moderators, authors told of approvals
// and rejections, banned members closed, network addresses for an address ban.
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "core/text.hpp"
#include "protocol/server_messages.hpp"
#include "server/crypto.hpp"
#include "server/room.hpp"

namespace hashchat::server {

namespace {
frame_ptr frame(std::string s) { return std::make_shared<const std::string>(std::move(s)); }
}  // namespace

void room::send_mod_log(const std::shared_ptr<connection>& c) {
    for (std::uint64_t n = 1; n <= mod_committed_; ++n) c->send(mod_log_[n - 1]);
}

std::vector<std::string> room::address_hashes_of(const std::string& handle) const {
    const auto key = core::handle_key(handle);
    std::vector<std::string> out;
    for (const auto& [id, m] : members_) {
        if (core::handle_key(m.who.handle) != key) continue;
        auto h = sha256_hex(m.conn->address());
        if (std::find(out.begin(), out.end(), h) == out.end()) out.push_back(std::move(h));
    }
    return out;
}

void room::after_moderation(const std::vector<core::mod_entry>& mods) {
    for (const auto& m : mods) {
        if ((m.kind == "approve" || m.kind == "reject") && m.post) {
            // The author's open connections learn what became of their post.
            const auto author = core::handle_key(m.post->author);
            const auto reply = m.kind == "approve"
                                   ? frame(protocol::ack_message(m.post->cid, *m.seq, std::nullopt))
                                   : frame(protocol::error_message(
                                         core::make_error(core::error_code::not_allowed,
                                                          "A moderator did not approve this post."),
                                         std::nullopt, m.post->cid));
            for (auto& [id, member] : members_) {
                if (core::handle_key(member.who.handle) == author) member.conn->send(reply);
            }
        } else if (m.kind == "ban" && m.handle) {
            const auto key = core::handle_key(*m.handle);
            for (auto& [id, member] : members_) {
                const bool by_handle = core::handle_key(member.who.handle) == key;
                const bool by_address =
                    m.ban_address &&
                    std::find(m.address_hashes.begin(), m.address_hashes.end(),
                              sha256_hex(member.conn->address())) != m.address_hashes.end() &&
                    member.who.who != core::role::moderator && !member.viewer;
                if (by_handle || by_address) {
                    member.conn->close(boost::beast::websocket::close_code::policy_error);
                }
            }
        }
    }
}

}  // namespace hashchat::server
