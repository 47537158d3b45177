#include "core/room_rules.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace hashchat::core {

bool strong_token(std::string_view token) { return token.size() >= 22 && token.size() <= 128; }

bool waits_under_load(role r) { return r == role::participant; }

bool ban_closes(const mod_entry& ban, const actor* who, const std::string& address_hash) {
    if (ban.kind != "ban" || !ban.handle || !who) return false;
    if (handle_key(who->handle) == handle_key(*ban.handle)) return true;
    return ban.ban_address && who->who == role::participant &&
           std::find(ban.address_hashes.begin(), ban.address_hashes.end(), address_hash) !=
               ban.address_hashes.end();
}

}  // namespace hashchat::core
