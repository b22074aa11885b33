#include "detection.h"

#include <cstdlib>

#include "vigil/correlator/rule_loader.h"

namespace vigil::daemon {

Result<SignatureLoad> load_signatures(const DaemonConfig& config, const RuleOverrides& overrides) {
  rules::RuleVariables variables = rules::RuleVariables::suricata_defaults();
  for (const auto& [name, value] : config.rule_variables) variables.values[name] = value;
  rules::RuleLoadReport report;
  // Compiled Hyperscan databases are cached in a sibling of the data dir (inside it they would count
  // as stored data) unless VIGIL_RULE_CACHE says otherwise ("off" disables).
  rules::RuleCompileOptions options;
  options.cache_dir = std::getenv("VIGIL_RULE_CACHE") != nullptr ? rules::default_rule_cache_dir()
                                                                  : config.data_dir + ".rule-cache";
  auto files = read_rule_files(config.rule_paths, overrides);
  if (!files) return fail(files.error());
  auto loaded = rules::compile_rule_sources(files->sources, variables, report, options);
  if (!loaded) return fail(loaded.error());
  SignatureLoad result;
  files->catalogue.variables = variables.values;
  result.catalogue = std::make_shared<const RuleCatalogue>(std::move(files->catalogue));
  result.rules = std::move(*loaded);
  for (const rules::RuleIssue& issue : report.issues) {
    std::string text = issue.file + ":" + std::to_string(issue.line) + ": ";
    if (issue.sid != 0) text += "sid " + std::to_string(issue.sid) + ": ";
    text += issue.reason;
    if (issue.unsupported()) {
      ++result.skipped_unsupported;
      result.warnings.push_back(std::move(text));
    } else {
      result.errors.push_back(std::move(text));
    }
  }
  return result;
}

Result<CorrelationLoad> load_correlation(const DaemonConfig& config) {
  correlator::CorrelationLoadReport report;
  const std::vector<std::filesystem::path> paths(config.correlation_paths.begin(), config.correlation_paths.end());
  auto loaded = correlator::load_correlation_rules(paths, report);
  if (!loaded) return fail(loaded.error());
  CorrelationLoad result;
  result.rules = std::move(*loaded);
  for (const auto& issue : report.errors) result.errors.push_back(correlator::to_string(issue));
  for (const auto& issue : report.warnings) result.warnings.push_back(correlator::to_string(issue));
  return result;
}

Result<std::shared_ptr<const correlator::IncidentPolicy>> load_policy(const DaemonConfig& config) {
  auto policy = correlator::load_incident_policy(config.file);
  if (!policy) return fail(policy.error());
  return std::make_shared<const correlator::IncidentPolicy>(std::move(*policy));
}

}  // namespace vigil::daemon
