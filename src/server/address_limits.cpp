#include "server/address_limits.hpp"

namespace hashchat::server {

address_limits::address_limits(std::size_t connections, std::size_t creations_per_hour)
    : connections_(connections), creations_(creations_per_hour) {}

bool address_limits::reserve_connection(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto& n = open_[address];
    if (n >= connections_) return false;
    ++n;
    return true;
}

void address_limits::release_connection(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = open_.find(address);
    if (it == open_.end()) return;
    if (--it->second == 0) open_.erase(it);
}

std::optional<core::duration> address_limits::admit_creation(const std::string& address,
                                                             core::instant now) {
    if (creations_ == 0) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = created_.try_emplace(address, creations_, std::chrono::hours(1)).first;
    return it->second.take(now);
}

}  // namespace hashchat::server
