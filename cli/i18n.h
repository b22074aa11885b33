// The language people read: `vigil --lang vi` (or $VIGIL_LANG) turns table headers, labels and fixed
// words into Vietnamese. The English text is the key, so a string nobody translated yet comes back as is.
// Only text for people goes through tr(): JSON fields, ids and log-bound errors stay English.
// Thread contract: set_lang() once in main() before any command runs; tr() is then read-only.
#pragma once

#include <optional>
#include <string_view>

namespace vigil::cli {

enum class Lang { en, vi };

void set_lang(Lang language);
Lang lang();
// "en" / "vi" -> Lang; anything else -> nullopt.
std::optional<Lang> parse_lang(std::string_view code);

// The text in the current language. Keep the argument a literal at the call site ("tr(\"Severity\")"):
// the catalogue is collected from the sources and a test checks every literal has an entry.
std::string_view tr(std::string_view english);

// Whether the Vietnamese catalogue has an entry for this English key (for the catalogue test).
bool has_translation(std::string_view english);

}  // namespace vigil::cli
