#include "archive/qr_code.hpp"

#include <qrencode.h>

#include <memory>

#include "archive/escape.hpp"

namespace hashchat::archive {

std::optional<qr_grid> qr_encode(std::string_view text) {
    if (text.find('\0') != std::string_view::npos) return std::nullopt;
    const std::string z(text);
    // 8-bit mode: a URL's bytes as they are (case-sensitive); libqrencode picks the version.
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeString(z.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
    if (!code) return std::nullopt;
    qr_grid g;
    g.version = code->version;
    g.width = code->width;
    const auto n = static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
    g.dark.resize(n);
    for (std::size_t i = 0; i < n; ++i) g.dark[i] = (code->data[i] & 1U) != 0;
    return g;
}

std::string qr_svg(const qr_grid& grid, std::string_view title) {
    const int size = grid.width + 2 * qr_quiet_zone;
    const auto s = std::to_string(size);
    std::string out;
    out.reserve(static_cast<std::size_t>(grid.width * grid.width) * 6 + 400);
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + s + " " + s +
           "\" width=\"" + std::to_string(size * 8) + "\" height=\"" + std::to_string(size * 8) +
           "\" shape-rendering=\"crispEdges\" role=\"img\"><title>";
    xml_escape(out, title);
    out += "</title><rect width=\"" + s + "\" height=\"" + s +
           "\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
    // One run of dark modules in a row is one rectangle: M x y h n v 1 h -n z.
    for (int y = 0; y < grid.width; ++y) {
        for (int x = 0; x < grid.width;) {
            if (!grid.at(x, y)) {
                ++x;
                continue;
            }
            int run = 1;
            while (x + run < grid.width && grid.at(x + run, y)) ++run;
            const auto r = std::to_string(run);
            // Appended piece by piece: no temporaries, and gcc 12 at -O3 reports a false
            // -Wrestrict in `"M" + std::to_string(...)`.
            out += 'M';
            out += std::to_string(x + qr_quiet_zone);
            out += ' ';
            out += std::to_string(y + qr_quiet_zone);
            out += 'h';
            out += r;
            out += "v1h-";
            out += r;
            out += 'z';
            x += run;
        }
    }
    out += "\"/></svg>\n";
    return out;
}

}  // namespace hashchat::archive
