// One load run from start to end: resolve the server, create the sessions (hashchat mode), run
// the clients on one io_context on --threads threads, and gather what they saw.
#pragma once

#include "options.hpp"
#include "report.hpp"

namespace hashchat::bench::load {

run_result run_load(const options& opts);

}  // namespace hashchat::bench::load
