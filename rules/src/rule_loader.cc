#include "rule_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "text_util.h"

namespace vigil::rules {

void RuleLoader::add_rule(std::string_view text, const std::string& origin, int line) {
  auto parsed = parser_.parse(text, origin, line);
  if (auto* issue = std::get_if<RuleIssue>(&parsed)) {
    report_.issues.push_back(std::move(*issue));
    return;
  }
  Rule& rule = std::get<Rule>(parsed);
  const uint64_t key = (uint64_t{rule.info.gid} << 32) | rule.info.sid;
  if (!seen_.insert(key).second) {
    report_.issues.push_back({origin, line, rule.info.sid,
                              "duplicate sid " + std::to_string(rule.info.sid) + " (gid " +
                                  std::to_string(rule.info.gid) + "); the first one is kept",
                              ""});
    return;
  }
  rules_.push_back(std::move(rule));
}

void RuleLoader::add_text(std::string_view text, const std::string& origin) {
  std::string pending;
  int pending_line = 0;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view line = trim(raw);
    if (pending.empty()) {
      if (line.empty() || line[0] == '#') continue;
      pending_line = line_no;
    }
    const bool continued = !line.empty() && line.back() == '\\';
    if (continued) line.remove_suffix(1);
    if (!pending.empty()) pending.push_back(' ');
    pending.append(line);
    if (continued && pos <= text.size()) continue;
    add_rule(pending, origin, pending_line);
    pending.clear();
  }
  if (!pending.empty()) add_rule(pending, origin, pending_line);
}

Result<void> RuleLoader::add_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".rules") files.push_back(entry.path().string());
    }
    if (ec) return fail(ErrorCode::io_error, "cannot list " + path + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      if (auto r = add_path(file); !r) return r;
    }
    return ok();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, "cannot open rule file " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::io_error, "cannot read rule file " + path);
  add_text(buffer.str(), path);
  return ok();
}

Result<std::unique_ptr<RuleSetImpl>> RuleLoader::build(HsDatabaseCache& cache) {
  report_.loaded = rules_.size();
  return RuleSetImpl::build(std::move(rules_), parser_.flowbit_count(), cache);
}

}  // namespace vigil::rules
