// QR codes of join links: the grid libqrencode makes (error correction M, version fitting the
// text) and the SVG drawn from it (quiet zone, dark on light, every dark module drawn once).
#include "archive/qr_code.hpp"

#include <catch2/catch.hpp>
#include <regex>
#include <string>

using namespace hashchat::archive;

namespace {

// A finder pattern: 7x7, dark ring, light ring, dark 3x3 centre.
bool finder_at(const qr_grid& g, int x0, int y0) {
    for (int y = 0; y < 7; ++y) {
        for (int x = 0; x < 7; ++x) {
            const bool ring = x == 0 || y == 0 || x == 6 || y == 6;
            const bool centre = x >= 2 && x <= 4 && y >= 2 && y <= 4;
            if (g.at(x0 + x, y0 + y) != (ring || centre)) return false;
        }
    }
    return true;
}

// The error correction level from the first copy of the format information: its two top bits
// (bit 14 at (0, 8), bit 13 at (1, 8)) XOR the mask 0b10; M is 0b00, L 0b01, H 0b10, Q 0b11.
int ec_bits(const qr_grid& g) {
    const int raw = (g.at(0, 8) ? 2 : 0) | (g.at(1, 8) ? 1 : 0);
    return raw ^ 0b10;
}

}  // namespace

TEST_CASE("a join link's QR grid: error correction M, three finders, the smallest version") {
    const std::string url = "https://chat.example.org/s/pubpd-2026-11-26";
    auto g = qr_encode(url);
    REQUIRE(g);
    CHECK(g->width == 17 + 4 * g->version);
    // 43 bytes fit version 4-M (62 bytes in byte mode): the smallest symbol, the largest modules
    // on a projector, from the back of the room.
    CHECK(g->version <= 4);
    CHECK(finder_at(*g, 0, 0));
    CHECK(finder_at(*g, g->width - 7, 0));
    CHECK(finder_at(*g, 0, g->width - 7));
    CHECK(ec_bits(*g) == 0b00);
    // Longer text, larger version; same level.
    auto longer = qr_encode(url + "?" + std::string(200, 'a'));
    REQUIRE(longer);
    CHECK(longer->version > g->version);
    CHECK(ec_bits(*longer) == 0b00);
}

TEST_CASE("text a QR code cannot hold is refused") {
    CHECK_FALSE(qr_encode(std::string(5000, 'x')));  // past version 40-M's 2,331 bytes
    CHECK_FALSE(qr_encode(std::string("a\0b", 3)));
}

TEST_CASE("the SVG: quiet zone of 4, dark on light, each dark module exactly once") {
    auto g = qr_encode("http://192.168.1.20:8080/s/ukedchat-2026-12-03");
    REQUIRE(g);
    const auto svg = qr_svg(*g, "Join <#ukedchat> & talk");
    const int size = g->width + 2 * qr_quiet_zone;
    const auto s = std::to_string(size);
    CHECK(svg.find("viewBox=\"0 0 " + s + " " + s + "\"") != std::string::npos);
    CHECK(svg.find("<rect width=\"" + s + "\" height=\"" + s + "\" fill=\"#fff\"/>") !=
          std::string::npos);
    CHECK(svg.find("<path fill=\"#000\"") != std::string::npos);
    CHECK(svg.find("<title>Join &lt;#ukedchat&gt; &amp; talk</title>") != std::string::npos);
    // Paint the path's runs onto a blank grid: it must equal the code, shifted by the zone.
    std::vector<int> painted(static_cast<std::size_t>(size * size), 0);
    const std::regex run(R"(M(\d+) (\d+)h(\d+)v1h-(\d+)z)");
    for (std::sregex_iterator it(svg.begin(), svg.end(), run), end; it != end; ++it) {
        const int x = std::stoi((*it)[1]);
        const int y = std::stoi((*it)[2]);
        const int n = std::stoi((*it)[3]);
        REQUIRE(n == std::stoi((*it)[4]));
        for (int i = 0; i < n; ++i) ++painted[static_cast<std::size_t>(y * size + x + i)];
    }
    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
            const bool inside = x >= qr_quiet_zone && y >= qr_quiet_zone &&
                                x < qr_quiet_zone + g->width && y < qr_quiet_zone + g->width;
            const bool dark = inside && g->at(x - qr_quiet_zone, y - qr_quiet_zone);
            INFO("module " << x << "," << y);
            REQUIRE(painted[static_cast<std::size_t>(y * size + x)] == (dark ? 1 : 0));
        }
    }
}
