#include "rule_admin_rules.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

namespace vigil::daemon {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct Option {
  std::string_view name;
  std::string_view value;
  std::string_view raw;  // "name: value" as written, trimmed
};

// `name:value;` options between the first '(' and the last ')', split on ';' outside quotes; a
// backslash escapes the next character (content:"a\;b"), as the rules lexer reads them.
std::vector<Option> split_options(std::string_view text) {
  std::vector<Option> out;
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return out;
  std::string_view body = text.substr(open + 1, close - open - 1);
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ';' && !quoted) {
      std::string_view raw = trim(body.substr(start, i - start));
      start = i + 1;
      if (raw.empty()) continue;
      const size_t colon = raw.find(':');
      Option o;
      o.raw = raw;
      o.name = trim(raw.substr(0, colon));
      o.value = colon == std::string_view::npos ? std::string_view() : trim(raw.substr(colon + 1));
      out.push_back(o);
    }
  }
  return out;
}

uint32_t to_u32(std::string_view s) {
  uint32_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::string unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

RuleEntry describe(std::string text, const std::string& origin, int line) {
  RuleEntry entry;
  entry.file = origin;
  entry.line = line;
  const std::string_view view(text);
  const size_t space = view.find_first_of(" \t");
  entry.action = std::string(view.substr(0, space));
  const std::string_view header = view.substr(0, std::min(view.find('('), view.size()));
  std::set<std::string> variables;
  for (size_t at = header.find('$'); at != std::string_view::npos; at = header.find('$', at + 1)) {
    size_t end = at + 1;
    while (end < header.size() && (std::isalnum(static_cast<unsigned char>(header[end])) || header[end] == '_')) ++end;
    if (end > at + 1) variables.insert(std::string(header.substr(at, end - at)));
  }
  entry.variables.assign(variables.begin(), variables.end());
  for (const Option& o : split_options(view)) {
    if (o.name == "sid") entry.sid = to_u32(o.value);
    else if (o.name == "gid") entry.gid = to_u32(o.value);
    else if (o.name == "rev") entry.rev = to_u32(o.value);
    else if (o.name == "msg") entry.msg = unquote(o.value);
    else if (o.name == "classtype") entry.classtype = std::string(o.value);
    else if (o.name == "threshold") entry.threshold = std::string(o.value);
  }
  entry.text = std::move(text);
  return entry;
}

// The rule with its threshold options replaced by `threshold`, on one line.
std::string with_threshold(std::string_view text, const ThresholdOverride& threshold) {
  const size_t open = text.find('(');
  std::string out(trim(text.substr(0, open)));
  out += " (";
  for (const Option& o : split_options(text)) {
    if (o.name == "threshold") continue;
    out.append(o.raw);
    out += "; ";
  }
  out += threshold.option_text();
  out += ";)";
  return out;
}

}  // namespace

std::string ThresholdOverride::option_text() const {
  return "threshold: type " + type + ", track " + track + ", count " + std::to_string(count) + ", seconds " +
         std::to_string(seconds);
}

const RuleEntry* RuleCatalogue::find(uint32_t sid) const {
  for (const RuleEntry& entry : rules) {
    if (entry.sid == sid) return &entry;
  }
  return nullptr;
}

std::string apply_overrides(const std::string& text, const std::string& origin, const RuleOverrides& overrides,
                            RuleCatalogue& catalogue) {
  // Physical lines, kept so a rewrite can replace exactly the lines a rule spans.
  std::vector<std::string> lines;
  {
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      lines.emplace_back(text.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  bool changed = false;
  std::string pending;
  size_t first = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = trim(lines[i]);
    if (pending.empty()) {
      if (line.empty() || line[0] == '#') continue;
      first = i;
    }
    const bool continued = !line.empty() && line.back() == '\\';
    if (continued) line.remove_suffix(1);
    if (!pending.empty()) pending.push_back(' ');
    pending.append(line);
    if (continued && i + 1 < lines.size()) continue;
    RuleEntry entry = describe(std::move(pending), origin, static_cast<int>(first + 1));
    pending.clear();
    const uint32_t sid = entry.sid;
    if (sid != 0 && catalogue.find(sid) != nullptr) continue;  // the loader keeps the first; so do overrides
    catalogue.rules.push_back(std::move(entry));
    if (sid == 0) continue;
    const auto it = overrides.find(sid);
    if (it == overrides.end() || it->second.empty()) continue;
    const RuleEntry& written = catalogue.rules.back();
    std::string replacement = it->second.disabled ? "# disabled by vigil rules disable: sid " + std::to_string(sid)
                              : with_threshold(written.text, *it->second.threshold);
    lines[first] = std::move(replacement);
    for (size_t j = first + 1; j <= i; ++j) lines[j].clear();
    changed = true;
  }
  if (!changed) return text;
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out.push_back('\n');
    out += lines[i];
  }
  return out;
}

Result<RuleFiles> read_rule_files(const std::vector<std::string>& paths, const RuleOverrides& overrides) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> in_dir;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".rules") in_dir.push_back(entry.path().string());
    }
    if (ec) return fail(ErrorCode::io_error, "cannot list " + path + ": " + ec.message());
    std::sort(in_dir.begin(), in_dir.end());
    files.insert(files.end(), in_dir.begin(), in_dir.end());
  }
  RuleFiles out;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(ErrorCode::io_error, "cannot open rule file " + file);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return fail(ErrorCode::io_error, "cannot read rule file " + file);
    out.sources.push_back({file, apply_overrides(buffer.str(), file, overrides, out.catalogue)});
  }
  return out;
}

}  // namespace vigil::daemon
