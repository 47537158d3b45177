// Escaping of user-written text for each format an archive is rendered in.
#pragma once

#include <string>
#include <string_view>

namespace hashchat::archive {

// HTML text and attribute values (& < > " '). Also right for XML, except for characters XML
// does not allow, which xml_escape leaves out.
void html_escape(std::string& out, std::string_view s);
void xml_escape(std::string& out, std::string_view s);
// Markdown (CommonMark; also GitHub's strikethrough and tables): only what could be read as
// markup is escaped, so the text reads as typed (docs/protocol.md lists the rules).
//
// Text within a line of the document, such as a name between ** or a heading's text. Its line
// breaks, and the white space at either end, are written as character references (&#10;,
// &#32;), so the line and the markup around the text stay whole. `at_line_start`: the text
// begins a block (a list item's first words), so what would start a heading, a quote, a list,
// a thematic break or a table there is escaped too.
void markdown_escape(std::string& out, std::string_view s, bool at_line_start = false);
// Text of any number of lines. Each line break (LF, CR or CRLF) becomes a hard break
// (backslash, new line) followed by `indent`, which keeps the lines in a list item; a later
// line is escaped as the start of a line, and so is the first one if `at_line_start`. Spaces and
// tabs that Markdown would drop (at the start and end of a line) and line breaks at the end of
// the text are written as character references.
void markdown_lines(std::string& out, std::string_view s, std::string_view indent,
                    bool at_line_start);
// One quoted CSV cell. A cell that a spreadsheet would run as a formula (starting with = + - @,
// a tab or a carriage return, or their full-width forms) gets a leading apostrophe.
void csv_cell(std::string& out, std::string_view s);
// A quoted JSON string (text that is not valid UTF-8 has its broken bytes replaced).
void json_string(std::string& out, std::string_view s);

}  // namespace hashchat::archive
