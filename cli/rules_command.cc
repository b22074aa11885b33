#include "rules_command.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exit_codes.h"
#include "i18n.h"
#include "rules_admin.h"
#include "rules_reload.h"
#include "rules_test.h"
#include "vigil/rules/rule_set.h"

namespace vigil::cli {
namespace {

struct LintOptions {
  std::vector<std::string> paths;
  bool json = false;
};

// "file:line: sid N: reason", the form compilers and `replay` use, so editors can jump to it.
std::string issue_line(const rules::RuleIssue& issue) {
  std::string line = issue.file + ":" + std::to_string(issue.line) + ": ";
  if (issue.sid != 0) line += "sid " + std::to_string(issue.sid) + ": ";
  return line + issue.reason;
}

// Most frequent first, then by reason, so the top of the list is what to work on.
std::vector<std::pair<std::string, size_t>> count_by_reason(const std::vector<rules::RuleIssue>& issues) {
  std::map<std::string, size_t> counts;
  for (const auto& issue : issues) ++counts[issue.reason];
  std::vector<std::pair<std::string, size_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return sorted;
}

int run_lint(const LintOptions& options) {
  rules::RuleLoadReport report;
  auto loaded = rules::load_rule_set(options.paths, rules::RuleVariables::suricata_defaults(), report);
  if (!loaded) return usage_error(loaded.error().message);
  const auto reasons = count_by_reason(report.issues);

  if (options.json) {
    nlohmann::json out;
    out["loaded"] = report.loaded;
    out["skipped"] = report.issues.size();
    out["skipped_by_reason"] = nlohmann::json::array();
    for (const auto& [reason, count] : reasons) out["skipped_by_reason"].push_back({{"reason", reason}, {"count", count}});
    out["issues"] = nlohmann::json::array();
    for (const auto& issue : report.issues) {
      out["issues"].push_back({{"file", issue.file},
                               {"line", issue.line},
                               {"sid", issue.sid},
                               {"reason", issue.reason},
                               {"keyword", issue.keyword}});
    }
    // Rule text may hold any bytes; replace what is not UTF-8 rather than fail.
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    for (const auto& issue : report.issues) std::cout << issue_line(issue) << "\n";
    std::cout << tr("Rules loaded") << ": " << report.loaded << "\n"
              << tr("Rules skipped") << ": " << report.issues.size() << "\n";
    if (!reasons.empty()) std::cout << tr("Skipped by reason") << ":\n";
    const size_t width = reasons.empty() ? 0 : std::to_string(reasons.front().second).size();
    for (const auto& [reason, count] : reasons) {
      std::cout << "  " << std::setw(static_cast<int>(width)) << count << "  " << reason << "\n";
    }
  }
  return report.issues.empty() ? kExitOk : kExitFailure;
}

void add_lint_command(CLI::App& rules_cmd, int& exit_code) {
  auto options = std::make_shared<LintOptions>();
  CLI::App* cmd = rules_cmd.add_subcommand("lint", "Load rule files and list every rule that is broken or unsupported");
  cmd->footer(
      "Prints each rule that does not load as `file:line: sid N: reason` (an unsupported rule names its\n"
      "keyword), then the number of rules loaded and skipped, and the skipped ones counted by reason.\n\n"
      "Examples:\n"
      "  vigil rules lint config/rules/vigil.rules\n"
      "  vigil rules lint --json /etc/suricata/rules/ | jq .skipped_by_reason\n\n"
      "Exit codes: 0 every rule loads, 1 some rules were skipped, 2 bad usage or a file that cannot be read.");
  cmd->add_option("path", options->paths, "Rule file, or directory of *.rules files")->required();
  cmd->add_flag("--json", options->json, "One JSON object: loaded, skipped, skipped_by_reason, issues");
  cmd->callback([options, &exit_code] { exit_code = run_lint(*options); });
}

}  // namespace

void add_rules_commands(CLI::App& app, int& exit_code) {
  CLI::App* rules_cmd = app.add_subcommand("rules", "Signature rules: check what loads, test them on a capture, reload them in vigild");
  rules_cmd->require_subcommand(1);
  add_lint_command(*rules_cmd, exit_code);
  add_rules_test_command(*rules_cmd, exit_code);
  add_rules_reload_command(*rules_cmd, exit_code);
  add_rules_admin_commands(*rules_cmd, exit_code);
  // Set after the subcommands: CLI11 copies a parent's footer into the subcommands made after it.
  rules_cmd->footer(
      "Examples:\n"
      "  vigil rules lint /etc/vigil/rules/\n"
      "  vigil rules test --rules local.rules --pcap capture.pcap\n"
      "  vigil rules reload\n\n"
      "Run 'vigil rules COMMAND --help' for each one's options.");
}

}  // namespace vigil::cli
