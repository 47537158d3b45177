#include "archive/feed.hpp"

#include "archive/escape.hpp"
#include "protocol/time_format.hpp"

namespace hashchat::archive {

namespace {

// RFC 3339 as Atom wants it; whole seconds suffice.
std::string date_time(core::instant t) {
    auto s = protocol::format_instant(t);  // 2026-11-26T19:00:00.000Z
    return s.substr(0, 19) + "Z";
}

void element(std::string& out, std::string_view name, std::string_view text) {
    out += "<";
    out += name;
    out += ">";
    xml_escape(out, text);
    out += "</";
    out += name;
    out += ">";
}

}  // namespace

std::string atom_feed(const feed_info& info, const std::vector<feed_entry>& entries) {
    std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    out += "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
    element(out, "id", info.id);
    out += "\n";
    element(out, "title", info.title);
    out += "\n";
    element(out, "updated", date_time(info.updated));
    out += "\n<link rel=\"self\" type=\"application/atom+xml\" href=\"";
    xml_escape(out, info.self_url);
    out += "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"";
    xml_escape(out, info.base_url + "/archive");
    out += "\"/>\n<author><name>hashchat</name></author>\n<generator>hashchat</generator>\n";
    for (const auto& e : entries) {
        const std::string page = info.base_url + "/archive/" + e.session_id;
        out += "<entry>\n";
        element(out, "id", e.id);
        out += "\n";
        element(out, "title", e.title.empty() ? e.hashtag : e.hashtag + ": " + e.title);
        out += "\n";
        element(out, "published", date_time(e.published));
        out += "\n";
        element(out, "updated", date_time(e.updated));
        out += "\n<link rel=\"alternate\" type=\"text/html\" href=\"";
        xml_escape(out, page);
        out += "\"/>\n<link rel=\"enclosure\" type=\"text/csv\" href=\"";
        xml_escape(out, info.base_url + "/api/sessions/" + e.session_id + "/transcript.csv");
        out += "\"/>\n<category term=\"";
        xml_escape(out, e.hashtag);
        out += "\"/>\n";
        std::string summary = e.description;
        if (!summary.empty()) summary += "\n\n";
        summary += std::to_string(e.participants) + " participants, " + std::to_string(e.posts) +
                   " posts.";
        for (std::size_t i = 0; i < e.questions.size(); ++i) {
            summary += "\nQ" + std::to_string(i + 1) + ". " + e.questions[i];
        }
        element(out, "summary", summary);
        out += "\n</entry>\n";
    }
    out += "</feed>\n";
    return out;
}

}  // namespace hashchat::archive
