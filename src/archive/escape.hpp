// Escaping of user-written text for each format an archive is rendered in.
#pragma once

#include <string>
#include <string_view>

namespace hashchat::archive {

// HTML text and attribute values (& < > " '). Also right for XML, except for characters XML
// does not allow, which xml_escape leaves out.
void html_escape(std::string& out, std::string_view s);
void xml_escape(std::string& out, std::string_view s);
// Markdown text: every ASCII punctuation character backslash-escaped, so nothing in it is
// markup.
void markdown_escape(std::string& out, std::string_view s);
// One quoted CSV cell. A cell that a spreadsheet would run as a formula (starting with = + - @,
// a tab or a carriage return, or their full-width forms) gets a leading apostrophe.
void csv_cell(std::string& out, std::string_view s);
// A quoted JSON string (text that is not valid UTF-8 has its broken bytes replaced).
void json_string(std::string& out, std::string_view s);

}  // namespace hashchat::archive
