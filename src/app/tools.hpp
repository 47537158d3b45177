// The operator's commands besides running the server: `hashchat migrate` and `hashchat backup`.
#pragma once

namespace hashchat::app {

// argv[1] is "migrate" or "backup"; the exit status.
int run_tool(int argc, char** argv);

}  // namespace hashchat::app
