// libFuzzer: any body of POST /api/sessions. Nothing may crash; an accepted one must round-trip
// through the store's form.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/session_json.hpp"

using namespace hashchat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto now = core::instant{} + std::chrono::hours(24 * 365 * 56);
    auto config = protocol::parse_create_request(body, now);
    if (!config) return 0;
    config->id = protocol::id_base(*config);
    auto back = protocol::config_from_json(protocol::config_to_json(*config));
    if (!back || back->timetable.questions.size() != config->timetable.questions.size()) {
        __builtin_trap();
    }
    return 0;
}
