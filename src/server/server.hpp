// Runs the whole server until SIGINT/SIGTERM: store, committer, rooms, listener, threads.
#pragma once

#include "server/options.hpp"

namespace hashchat::server {

// Returns the process exit code.
int run(const options& opts);

}  // namespace hashchat::server
