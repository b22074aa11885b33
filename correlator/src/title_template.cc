#include "title_template.h"

namespace vigil::correlator {

namespace {

// Walks the template once; calls literal() for text and placeholder() for each {name}.
// Returns false on an unclosed brace.
template <typename Literal, typename Placeholder>
bool walk(std::string_view tmpl, Literal literal, Placeholder placeholder) {
  size_t i = 0;
  while (i < tmpl.size()) {
    char c = tmpl[i];
    if ((c == '{' || c == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == c) {
      literal(std::string_view(&tmpl[i], 1));
      i += 2;
      continue;
    }
    if (c == '{') {
      size_t close = tmpl.find('}', i + 1);
      if (close == std::string_view::npos) return false;
      placeholder(tmpl.substr(i + 1, close - i - 1));
      i = close + 1;
      continue;
    }
    literal(std::string_view(&tmpl[i], 1));
    ++i;
  }
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> title_placeholders(std::string_view tmpl) {
  std::vector<std::string> names;
  bool closed = walk(
      tmpl, [](std::string_view) {}, [&names](std::string_view name) { names.emplace_back(name); });
  if (!closed) return std::nullopt;
  return names;
}

std::string render_title(std::string_view tmpl,
                         const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  bool closed = walk(
      tmpl, [&out](std::string_view text) { out += text; },
      [&out, &lookup](std::string_view name) {
        auto value = lookup(name);
        out += value ? *value : std::string("-");
      });
  if (!closed) return std::string(tmpl);  // the loader rejects these; keep the raw text if one slips by
  return out;
}

}  // namespace vigil::correlator
