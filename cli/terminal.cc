#include "terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "i18n.h"

namespace vigil::cli {

namespace {

ColorMode g_color_mode = ColorMode::automatic;

// One UTF-8 sequence at `pos`: its code point and length. A malformed byte counts as one column of
// one byte, so bad input shows up as itself instead of throwing the alignment off.
struct CodePoint {
  char32_t value;
  size_t length;
};

CodePoint decode_at(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || pos + length > text.size()) return {lead, 1};
  char32_t value = length == 1 ? lead : lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[pos + i]);
    if ((next & 0xC0) != 0x80) return {lead, 1};
    value = (value << 6) | (next & 0x3F);
  }
  return {value, length};
}

bool is_combining(char32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) ||
         (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE20 && c <= 0xFE2F) || c == 0x200B || c == 0x200D;
}

bool is_wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) || (c >= 0x20000 && c <= 0x3FFFD);
}

size_t columns_of(char32_t c) { return is_combining(c) ? 0 : is_wide(c) ? 2 : 1; }

// An ANSI CSI sequence ("\x1b[1;31m") at `pos`: its length, or 0 when there is none.
size_t escape_length(std::string_view text, size_t pos) {
  if (text[pos] != '\x1b' || pos + 1 >= text.size() || text[pos + 1] != '[') return 0;
  size_t end = pos + 2;
  while (end < text.size() && !(text[end] >= 0x40 && text[end] <= 0x7E)) ++end;
  return end < text.size() ? end - pos + 1 : 0;
}

std::optional<size_t> positive_number(const char* text) {
  if (text == nullptr) return std::nullopt;
  size_t value = 0;
  const char* end = text + std::char_traits<char>::length(text);
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || value == 0) return std::nullopt;
  return value;
}

}  // namespace

void set_color_mode(ColorMode mode) { g_color_mode = mode; }

std::optional<ColorMode> parse_color_mode(std::string_view text) {
  if (text == "auto") return ColorMode::automatic;
  if (text == "always") return ColorMode::always;
  if (text == "never") return ColorMode::never;
  return std::nullopt;
}

bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }

bool stdout_color() {
  switch (g_color_mode) {
    case ColorMode::always: return true;
    case ColorMode::never: return false;
    case ColorMode::automatic: break;
  }
  // https://no-color.org: present and not empty means no colour; --color always still wins.
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  return stdout_is_terminal();
}

size_t stdout_columns() {
  if (!stdout_is_terminal()) return 0;
  if (auto columns = positive_number(std::getenv("COLUMNS"))) return *columns;
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 0;
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (size_t pos = 0; pos < text.size();) {
    if (size_t escape = escape_length(text, pos)) {
      pos += escape;
      continue;
    }
    const CodePoint c = decode_at(text, pos);
    width += columns_of(c.value);
    pos += c.length;
  }
  return width;
}

std::string fit_width(std::string_view text, size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width == 0) return "";
  const size_t room = width - 1;  // one column for "…"
  size_t used = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const CodePoint c = decode_at(text, pos);
    const size_t columns = columns_of(c.value);
    if (used + columns > room) break;
    used += columns;
    pos += c.length;
  }
  // Combining marks after the last letter kept belong to it (zero columns, so they were taken above).
  // A blank just before the cut would read as a gap: "dò quét…", not "dò quét …".
  while (pos > 0 && text[pos - 1] == ' ') --pos;
  return std::string(text.substr(0, pos)) + "…";
}

std::string pad_right(std::string_view text, size_t width) {
  const size_t used = display_width(text);
  return std::string(text) + std::string(used < width ? width - used : 0, ' ');
}

std::string_view severity_color(std::string_view severity) {
  std::string word(severity);
  std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
  // The English word (what --json and the daemon say) or its Vietnamese name, when a command translated it.
  if (word == "critical" || severity == tr("critical")) return "\x1b[1;31m";  // bold red
  if (word == "high" || severity == tr("high")) return "\x1b[31m";            // red
  if (word == "medium" || severity == tr("medium")) return "\x1b[33m";        // yellow
  if (word == "low" || severity == tr("low") || word == "info" || severity == tr("info")) return "\x1b[2m";  // dim
  return "";
}

}  // namespace vigil::cli
