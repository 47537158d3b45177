// QR codes of join links: libqrencode makes the module grid (error correction M), this draws it
// as SVG, always dark on light with a quiet zone of 4 modules, because many phone scanners fail
// on inverted codes or codes without their margin.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hashchat::archive {

// The modules of a QR code: dark[y * width + x], without the quiet zone.
struct qr_grid {
    int version = 0;
    int width = 0;
    std::vector<bool> dark;

    bool at(int x, int y) const { return dark[static_cast<std::size_t>(y * width + x)]; }
};

inline constexpr int qr_quiet_zone = 4;

// The grid of `text` at error correction level M; nullopt if it does not fit in a QR code (or
// holds a NUL byte).
std::optional<qr_grid> qr_encode(std::string_view text);

// An SVG of the grid: a light square with the quiet zone, one path of dark 1x1 modules, in a
// viewBox of module units (it scales without blur), `title` as its accessible name.
std::string qr_svg(const qr_grid& grid, std::string_view title);

}  // namespace hashchat::archive
