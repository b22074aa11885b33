// What the terminal on stdout can show: colour (--color auto|always|never, $NO_COLOR) and its width
// ($COLUMNS, else TIOCGWINSZ). Piped output gets neither colour nor cutting, so scripts and grep see
// every byte; a person at a terminal gets tables that fit and severities that stand out.
// Thread contract: set_color_mode() once in main() before any command runs; the rest is read-only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::cli {

enum class ColorMode { automatic, always, never };

void set_color_mode(ColorMode mode);
// "auto" / "always" / "never" -> ColorMode; anything else -> nullopt.
std::optional<ColorMode> parse_color_mode(std::string_view text);

bool stdout_is_terminal();
// always: yes; never: no; auto: stdout is a terminal and $NO_COLOR is unset or empty.
bool stdout_color();
// The width to fit tables into: 0 (no limit) unless stdout is a terminal; then $COLUMNS when it is a
// positive number, else the window size the terminal reports, else 0.
size_t stdout_columns();

// Columns the UTF-8 text takes on a terminal: one per code point, none for combining marks (decomposed
// Vietnamese tone marks) and ANSI escape sequences, two for East Asian wide characters.
size_t display_width(std::string_view text);
// The text cut to at most `width` columns, ending in "…" when it was cut; never splits a UTF-8 sequence
// and keeps combining marks with their base letter.
std::string fit_width(std::string_view text, size_t width);

// The text followed by blanks up to `width` display columns (none when it is already that wide): for
// "label:  value" lines that must line up in Vietnamese too, where std::setw would count bytes.
std::string pad_right(std::string_view text, size_t width);

// ANSI SGR codes for a severity word ("critical", "high", "medium", "low", "info", any case, or its
// Vietnamese name from tr()); empty for anything else (numbers are not guessed at).
std::string_view severity_color(std::string_view severity);
inline constexpr std::string_view kColorReset = "\x1b[0m";
inline constexpr std::string_view kBold = "\x1b[1m";

}  // namespace vigil::cli
