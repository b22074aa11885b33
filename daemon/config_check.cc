#include "config_check.h"

#include <algorithm>

#include "config.h"
#include "detection.h"

namespace vigil::daemon {

int check_config(const std::filesystem::path& file, std::ostream& out) {
  std::vector<ConfigIssue> issues;
  auto config = load_config(file, issues);
  if (!config) {
    out << "vigild: " << config.error().message << "\n";
    return 2;
  }
  size_t errors = 0;
  std::stable_sort(issues.begin(), issues.end(), [](const ConfigIssue& a, const ConfigIssue& b) { return a.line < b.line; });
  for (const auto& issue : issues) {
    out << "vigild: " << to_string(issue) << "\n";
    ++errors;
  }
  // The policy loader stops at its first problem; it already says file:line: field.
  if (auto policy = load_policy(*config); !policy) {
    out << "vigild: " << policy.error().message << "\n";
    ++errors;
  }
  if (auto signatures = load_signatures(*config); !signatures) {
    out << "vigild: rules.paths: " << signatures.error().message << "\n";
    ++errors;
  } else {
    for (const auto& e : signatures->errors) out << "vigild: " << e << "\n";
    for (const auto& w : signatures->warnings) out << "vigild: warning: skipped: " << w << "\n";
    errors += signatures->errors.size();
  }
  if (auto correlation = load_correlation(*config); !correlation) {
    out << "vigild: correlation.paths: " << correlation.error().message << "\n";
    ++errors;
  } else {
    for (const auto& e : correlation->errors) out << "vigild: " << e << "\n";
    for (const auto& w : correlation->warnings) out << "vigild: warning: " << w << "\n";
    errors += correlation->errors.size();
  }
  if (errors > 0) {
    out << "vigild: " << file.string() << ": " << errors << (errors == 1 ? " problem" : " problems") << "\n";
    return 2;
  }
  out << "vigild: " << file.string() << ": configuration OK (" << config->sensors.size() << " sensors)\n";
  return 0;
}

}  // namespace vigil::daemon
