#include "rules_test.h"

#include <charconv>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "exit_codes.h"
#include "i18n.h"
#include "replay_pipeline.h"
#include "rules_explain.h"
#include "table.h"
#include "vigil/rules/rule_set.h"
#include "vigil/sensors/pcap_file_source.h"
#include "vigil/sensors/worker_pool.h"

namespace vigil::cli {
namespace {

struct RulesTestOptions {
  std::vector<std::string> rule_paths;
  std::string pcap;
  std::string expect_path;
  std::optional<uint32_t> explain_sid;
  bool json = false;
};

struct Difference {
  uint32_t sid = 0;
  uint64_t expected = 0;
  uint64_t actual = 0;
};

// {"sid": count, ...}; sids as decimal strings (JSON keys), counts as non-negative integers.
Result<std::map<uint32_t, uint64_t>> read_expected(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::io_error, "cannot read " + path);
  const auto doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return fail(ErrorCode::parse_error, path + ": expected a JSON object {\"sid\": count}");
  std::map<uint32_t, uint64_t> expected;
  for (const auto& [key, value] : doc.items()) {
    uint32_t sid = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), sid);
    if (ec != std::errc() || end != key.data() + key.size() || sid == 0) {
      return fail(ErrorCode::parse_error, path + ": \"" + key + "\" is not a sid");
    }
    if (!value.is_number_unsigned()) {
      return fail(ErrorCode::parse_error, path + ": sid " + key + ": the count must be a non-negative integer");
    }
    expected[sid] = value.get<uint64_t>();
  }
  return expected;
}

// The capture through the same sensors as `vigil replay` (one worker): decode, defragment, flows,
// packet and stream detection, thresholds over the merged alerts. Returns the packets read.
Result<uint64_t> run_capture(const std::string& pcap, const std::shared_ptr<const rules::RuleSet>& rules,
                             ReplayPipeline& pipeline) {
  auto source = sensors::PcapFileSource::open(pcap);
  if (!source) return fail(source.error());
  sensors::WorkerPool pool({"rules-test", "offline"}, rules, pipeline, sensors::ProcessorOptions{},
                           sensors::WorkerPoolOptions{});
  sensors::RawPacket raw;
  uint64_t packets = 0;
  for (;;) {
    auto more = source->next(raw);
    if (!more) {
      pool.finish();
      return fail(more.error());
    }
    if (!*more) break;
    pool.submit(source->link_type(), raw);
    ++packets;
  }
  pool.finish();
  return packets;
}

// Every sid listed or alerting; a sid missing from the file is expected not to alert.
std::vector<Difference> compare(const std::map<uint32_t, uint64_t>& expected,
                                const std::map<uint32_t, SignatureCount>& actual) {
  std::map<uint32_t, Difference> all;
  for (const auto& [sid, count] : expected) all[sid] = {sid, count, 0};
  for (const auto& [sid, entry] : actual) {
    all.try_emplace(sid, Difference{sid, 0, 0});
    all[sid].actual = entry.count;
  }
  std::vector<Difference> differences;
  for (const auto& [sid, d] : all) {
    if (d.expected != d.actual) differences.push_back(d);
  }
  return differences;
}

int run_rules_test(const RulesTestOptions& options) {
  std::optional<std::map<uint32_t, uint64_t>> expected;
  if (!options.expect_path.empty()) {
    auto read = read_expected(options.expect_path);
    if (!read) return usage_error("--expect: " + read.error().message);
    expected = std::move(*read);
  }
  rules::RuleLoadReport load_report;
  auto rules = rules::load_rule_set(options.rule_paths, rules::RuleVariables::suricata_defaults(), load_report,
                                    {rules::default_rule_cache_dir()});
  if (!rules) return usage_error(rules.error().message);
  if (!load_report.issues.empty()) {
    std::cerr << "vigil: " << load_report.issues.size()
              << " rules skipped (`vigil rules lint` lists them); testing the " << load_report.loaded << " that loaded\n";
  }
  if (options.explain_sid) {
    // Before the run: a sid that is not loaded is a usage error, not an empty explanation.
    if (auto probe = rules::RuleExplainer::create(*rules, *options.explain_sid); !probe) {
      return usage_error("--explain: " + probe.error().message);
    }
  }

  ReplayPipeline pipeline(nullptr, nullptr, nullptr, {}, 1);
  auto packets = run_capture(options.pcap, *rules, pipeline);
  if (!packets) return runtime_error(packets.error().message);
  std::optional<ExplainReport> explained;
  if (options.explain_sid) {
    auto report = explain_capture(options.pcap, *rules, *options.explain_sid);
    if (!report) return runtime_error(report.error().message);
    explained = std::move(*report);
  }
  const auto differences = expected ? compare(*expected, pipeline.alerts_by_sid()) : std::vector<Difference>{};

  if (options.json) {
    nlohmann::json out{{"pcap", options.pcap}, {"packets", *packets}, {"rules_loaded", load_report.loaded}};
    out["alerts"] = nlohmann::json::array();
    for (const auto& [sid, entry] : pipeline.alerts_by_sid()) {
      out["alerts"].push_back({{"sid", sid}, {"count", entry.count}, {"msg", entry.signature}});
    }
    if (expected) {
      out["differences"] = nlohmann::json::array();
      for (const auto& d : differences) {
        out["differences"].push_back({{"sid", d.sid}, {"expected", d.expected}, {"actual", d.actual}});
      }
    }
    if (explained) out["explain"] = explain_json(*explained);
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << options.pcap << ": " << *packets << " " << tr("packets") << ", " << load_report.loaded << " " << tr("rules")
              << "\n";
    Table table({tr("SID"), tr("COUNT"), tr("MSG")});
    for (const auto& [sid, entry] : pipeline.alerts_by_sid()) {
      table.add_row({std::to_string(sid), std::to_string(entry.count), entry.signature});
    }
    if (table.empty()) std::cout << tr("No alerts.") << "\n";
    else table.print(std::cout);
    if (expected && differences.empty()) {
      std::cout << "As expected: every count matches " << options.expect_path << "\n";
    } else if (expected) {
      std::cout << differences.size() << " differences from " << options.expect_path << ":\n";
      for (const auto& d : differences) {
        std::cout << "  sid " << d.sid << ": expected " << d.expected
                  << (expected->count(d.sid) == 0 ? " (not listed)" : "") << ", got " << d.actual << "\n";
      }
    }
    if (explained) print_explain(std::cout, *explained);
  }
  return differences.empty() ? kExitOk : kExitFailure;
}

}  // namespace

void add_rules_test_command(CLI::App& rules_cmd, int& exit_code) {
  auto options = std::make_shared<RulesTestOptions>();
  CLI::App* cmd = rules_cmd.add_subcommand("test", "Run rules over a capture: alert counts per sid, expected counts, why a sid matched");
  cmd->footer(
      "The capture goes through the same sensors as `vigil replay` (decoding, reassembly, thresholds),\n"
      "without correlation or storage.\n\n"
      "Examples:\n"
      "  vigil rules test --rules local.rules --pcap capture.pcap\n"
      "  vigil rules test --rules local.rules --pcap capture.pcap --expect expected.json   # {\"2001\": 3}\n"
      "  vigil rules test --rules local.rules --pcap capture.pcap --explain 2001\n"
      "  vigil --lang vi rules test --rules local.rules --pcap capture.pcap   # headers in Vietnamese\n\n"
      "--expect: a sid missing from the file is expected not to alert.\n"
      "--explain SID: for each packet the rule's header admits, where its contents matched (payload\n"
      "offsets) or the first option that failed; packet payloads only, the stream's matches are in the counts.\n"
      "Exit codes: 0 done (and the counts are as expected), 1 a count differs from --expect or the\n"
      "capture could not be read whole, 2 bad usage, a rules file or --expect file that cannot be read.");
  cmd->add_option("--rules", options->rule_paths, "Rule file or directory of *.rules files (repeatable)")->required();
  cmd->add_option("--pcap", options->pcap, "Capture file (pcap or pcapng)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--expect", options->expect_path, "JSON object {\"sid\": count}: exit 1 on any difference");
  cmd->add_option("--explain", options->explain_sid, "Show which packets this sid matched, and where, or why not");
  cmd->add_flag("--json", options->json, "One JSON object: alerts, differences, explain");
  cmd->callback([options, &exit_code] { exit_code = run_rules_test(*options); });
}

}  // namespace vigil::cli
