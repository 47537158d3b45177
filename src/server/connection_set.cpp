#include "server/connection_set.hpp"

namespace hashchat::server {

void connection_set::add(const std::shared_ptr<connection>& c) {
    std::lock_guard lock(mutex_);
    open_[c->id()] = c;
}

void connection_set::remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    open_.erase(id);
}

std::size_t connection_set::size() {
    std::lock_guard lock(mutex_);
    return open_.size();
}

void connection_set::close_all(std::uint16_t code) {
    std::vector<std::shared_ptr<connection>> open;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, w] : open_) {
            if (auto c = w.lock()) open.push_back(std::move(c));
        }
    }
    for (auto& c : open) c->close(code);
}

void connection_set::clear() {
    decltype(open_) gone;
    {
        std::lock_guard lock(mutex_);
        gone.swap(open_);
    }
}

}  // namespace hashchat::server
