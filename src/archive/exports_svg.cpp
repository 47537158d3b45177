// The chart of the activity over time, as an SVG image.
#include <algorithm>
#include <cstdio>

#include "archive/escape.hpp"
#include "archive/exports.hpp"
#include "archive/exports_common.hpp"
#include "archive/local_clock.hpp"

namespace hashchat::archive {

using detail::title_line;

std::string activity_svg(const transcript& t) {
    if (!t.stats.over_time) return "";
    const auto& a = *t.stats.over_time;
    local_clock clock(t.config.timezone);
    constexpr int width = 720;
    constexpr int height = 240;
    constexpr int left = 44;
    constexpr int right = 12;
    constexpr int top = 24;
    constexpr int bottom = 36;
    const int plot_w = width - left - right;
    const int plot_h = height - top - bottom;
    const std::size_t n = a.posts.size();
    std::size_t peak = 1;
    std::size_t peak_at = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (a.posts[i] > peak) {
            peak = a.posts[i];
            peak_at = i;
        }
    }
    // A round top for the axis: 1, 2, 5 x 10^k.
    std::size_t scale = 1;
    while (scale < peak) {
        const auto s = scale;
        scale = s * 2 >= peak ? s * 2 : s * 5 >= peak ? s * 5 : s * 10;
    }
    const double bar_w = static_cast<double>(plot_w) / static_cast<double>(n);
    const auto bucket = std::chrono::seconds(a.bucket_seconds);
    auto label = [&](core::instant at) {
        return a.bucket_seconds >= 21600 ? clock.date_time(at).substr(5, 5) : clock.time_of_day(at);
    };
    auto fmt = [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", v);
        return std::string(buf);
    };
    std::string s;
    s.reserve(4096 + n * 120);
    std::string title = "Posts over time, " + title_line(t);
    const std::string interval =
        a.bucket_seconds < 3600    ? std::to_string(a.bucket_seconds / 60) + " min"
        : a.bucket_seconds < 86400 ? std::to_string(a.bucket_seconds / 3600) + " h"
                                   : std::to_string(a.bucket_seconds / 86400) + " d";
    std::string desc =
        std::to_string(t.stats.posts) + " posts in " + std::to_string(n) + " intervals of " +
        interval + "; busiest: " + std::to_string(a.posts.empty() ? 0 : a.posts[peak_at]) +
        " posts from " + label(a.start + bucket * peak_at) + " (" + clock.zone() + ").";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(width) + " " +
         std::to_string(height) + "\" width=\"" + std::to_string(width) + "\" height=\"" +
         std::to_string(height) +
         "\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" "
         "font-family=\"system-ui,sans-serif\" font-size=\"11\">";
    s += "<title id=\"chart-title\">";
    xml_escape(s, title);
    s += "</title><desc id=\"chart-desc\">";
    xml_escape(s, desc);
    s += "</desc>";
    // Grid lines and their values.
    for (int g = 0; g <= 2; ++g) {
        const double y = top + plot_h - plot_h * g / 2.0;
        s += "<line x1=\"" + std::to_string(left) + "\" x2=\"" + std::to_string(width - right) +
             "\" y1=\"" + fmt(y) + "\" y2=\"" + fmt(y) +
             "\" stroke=\"#9aa0a6\" stroke-opacity=\"0.4\"/>";
        s += "<text x=\"" + std::to_string(left - 6) + "\" y=\"" + fmt(y + 4) +
             "\" text-anchor=\"end\" fill=\"#6b7078\">" + std::to_string(scale * g / 2) + "</text>";
    }
    // One bar per interval.
    s += "<g fill=\"#3b6fd8\">";
    for (std::size_t i = 0; i < n; ++i) {
        if (a.posts[i] == 0) continue;
        const double h = plot_h * static_cast<double>(a.posts[i]) / static_cast<double>(scale);
        s += "<rect x=\"" + fmt(left + bar_w * static_cast<double>(i) + bar_w * 0.1) + "\" y=\"" +
             fmt(top + plot_h - h) + "\" width=\"" + fmt(bar_w * 0.8) + "\" height=\"" + fmt(h) +
             "\" rx=\"1.5\"><title>" + std::to_string(a.posts[i]) + " posts from " +
             label(a.start + bucket * i) + "</title></rect>";
    }
    s += "</g>";
    // When each question was asked.
    const double span_s = static_cast<double>(a.bucket_seconds) * static_cast<double>(n);
    for (const auto& q : t.questions) {
        const double offset = std::chrono::duration<double>(q.asked_at - a.start).count() / span_s;
        if (offset < 0 || offset > 1) continue;
        const double x = left + plot_w * offset;
        s += "<line x1=\"" + fmt(x) + "\" x2=\"" + fmt(x) + "\" y1=\"" + std::to_string(top) +
             "\" y2=\"" + std::to_string(top + plot_h) +
             "\" stroke=\"#d9480f\" stroke-dasharray=\"3 3\"/><text x=\"" + fmt(x + 3) + "\" y=\"" +
             std::to_string(top - 8) + "\" fill=\"#d9480f\">Q" + std::to_string(q.number) +
             "</text>";
    }
    // Time labels, at most one per 80 pixels.
    const std::size_t every =
        std::max<std::size_t>(1, static_cast<std::size_t>(80.0 / bar_w + 0.999));
    for (std::size_t i = 0; i < n; i += every) {
        s += "<text x=\"" + fmt(left + bar_w * static_cast<double>(i)) + "\" y=\"" +
             std::to_string(height - bottom + 16) + "\" fill=\"#6b7078\">" +
             label(a.start + bucket * i) + "</text>";
    }
    s += "<text x=\"" + std::to_string(width - right) + "\" y=\"" + std::to_string(height - 4) +
         "\" text-anchor=\"end\" fill=\"#6b7078\">";
    xml_escape(s, "posts per " + interval + ", " + clock.zone());
    s += "</text></svg>";
    return s;
}

}  // namespace hashchat::archive
