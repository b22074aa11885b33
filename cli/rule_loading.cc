#include "rule_loading.h"

#include <filesystem>

#include "paths.h"

namespace vigil::cli {

Result<LoadedRules> load_detection_rules(std::vector<std::string> signature_paths,
                                         std::vector<std::string> correlation_paths, std::ostream& warnings) {
  LoadedRules loaded;
  if (signature_paths.empty()) signature_paths = {default_config_dir() + "/rules"};
  if (correlation_paths.empty()) correlation_paths = {default_config_dir() + "/correlation"};
  loaded.signature_paths = signature_paths;
  loaded.correlation_paths = correlation_paths;

  // Compiled Hyperscan databases are cached (rules::default_rule_cache_dir; VIGIL_RULE_CACHE=off disables).
  auto signatures = rules::load_rule_set(signature_paths, rules::RuleVariables::suricata_defaults(),
                                         loaded.signature_report, {rules::default_rule_cache_dir()});
  if (!signatures) return fail(signatures.error());
  loaded.signatures = std::move(*signatures);
  for (const rules::RuleIssue& issue : loaded.signature_report.issues) {
    warnings << "vigil: " << issue.file << ":" << issue.line << ": ";
    if (issue.sid != 0) warnings << "sid " << issue.sid << ": ";
    warnings << (issue.unsupported() ? "skipped: " : "error: ") << issue.reason << "\n";
  }

  const std::vector<std::filesystem::path> correlation_files(correlation_paths.begin(), correlation_paths.end());
  auto correlation = correlator::load_correlation_rules(correlation_files, loaded.correlation_report);
  if (!correlation) return fail(correlation.error());
  loaded.correlation = std::move(*correlation);
  for (const auto& issue : loaded.correlation_report.errors) warnings << "vigil: " << to_string(issue) << "\n";
  for (const auto& issue : loaded.correlation_report.warnings) {
    warnings << "vigil: warning: " << to_string(issue) << "\n";
  }
  return loaded;
}

}  // namespace vigil::cli
