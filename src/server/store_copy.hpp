// `hashchat migrate`: a store copied into another (a district moving from the SQLite file to
// PostgreSQL keeps its archives), then checked against it.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace hashchat::server {

struct copy_report {
    std::size_t series = 0;
    std::size_t sessions = 0;
    std::size_t events = 0;
    std::size_t members = 0;
    std::size_t mod_entries = 0;
    std::size_t keys = 0;
};

// Copies every series and session (configuration, moderator keys, members, log, moderators'
// log, search index) from `from` into `to`, which must hold no session nor series (store_error
// otherwise). One transaction per session; `progress` is told each session copied.
copy_report copy_store(store::store& from, store::store& to,
                       const std::function<void(const std::string&)>& progress = {});

// What differs between the two stores (empty: the copy is whole): every series, session, key,
// member, event (body and cid), moderators' log entry and the search index's counts.
std::vector<std::string> compare_stores(store::store& a, store::store& b);

}  // namespace hashchat::server
