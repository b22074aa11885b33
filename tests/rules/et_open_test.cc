// The shared ET Open corpus: the whole ruleset loads without crashing, and the benchmark's
// content rules load with no issue at all. Skipped when the corpus is not beside the checkout.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "rules_test_util.h"

using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {

const std::string kEtOpen = VIGIL_SHARED_DIR "/corpus/rules/et-open";
const std::string kContentSids = VIGIL_SHARED_DIR "/bench/content-sids.txt";

bool is_rule_start(const std::string& line) {
  size_t i = line.find_first_not_of(" \t");
  return i != std::string::npos && line[i] != '#';
}

// Logical rule lines (continuations joined) of every *.rules file, as the loader counts them.
std::vector<std::string> rule_lines(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".rules") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string line, pending;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (pending.empty() && !is_rule_start(line)) continue;
      const bool cont = !line.empty() && line.back() == '\\';
      pending += cont ? line.substr(0, line.size() - 1) : line;
      if (!cont) {
        out.push_back(pending);
        pending.clear();
      }
    }
    if (!pending.empty()) out.push_back(pending);
  }
  return out;
}

}  // namespace

TEST_CASE("the whole ET Open ruleset loads and every rule line is either loaded or reported", "[rules][corpus]") {
  if (!std::filesystem::is_directory(kEtOpen)) {
    WARN("ET Open corpus not found at " << kEtOpen << "; skipped");
    return;
  }
  const size_t lines = rule_lines(kEtOpen).size();
  RuleLoadReport report;
  const auto start = std::chrono::steady_clock::now();
  auto set = load_rule_set({kEtOpen}, RuleVariables::suricata_defaults(), report);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(set.has_value());
  CHECK((*set)->size() == report.loaded);
  CHECK(report.loaded + report.issues.size() == lines);
  CHECK(report.loaded > 1000);
  std::map<std::string, size_t> by_keyword;
  size_t syntax = 0;
  for (const auto& issue : report.issues) {
    CHECK(issue.line > 0);
    CHECK_FALSE(issue.file.empty());
    if (issue.unsupported()) ++by_keyword[issue.keyword];
    else ++syntax;
  }
  std::ostringstream top;
  for (const auto& [k, n] : by_keyword) {
    if (n >= 100) top << " " << k << "=" << n;
  }
  WARN("ET Open: " << report.loaded << " of " << lines << " rules loaded in " << ms << " ms, not loaded "
                   << report.issues.size() << " (" << syntax << " other issues; unsupported:" << top.str() << ")");
  Scanner scanner(*set);
  std::vector<const RuleInfo*> alerts;
  scanner.scan(http_request("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), alerts);
}

TEST_CASE("every ET Open rule that uses only the supported keywords loads", "[rules][corpus]") {
  if (!std::filesystem::is_directory(kEtOpen)) {
    WARN("ET Open corpus not found at " << kEtOpen << "; skipped");
    return;
  }
  // The rule language of issue 3: a rule skipped for one of these, or for a syntax error, is a bug.
  static const std::set<std::string> kSupported = {
      "msg", "sid", "rev", "gid", "classtype", "priority", "metadata", "reference", "target", "content", "nocase",
      "offset", "depth", "distance", "within", "startswith", "endswith", "fast_pattern", "pcre", "flow", "flowbits",
      "dsize", "flags", "ttl", "itype", "icode", "icmp_id", "icmp_seq", "ipopts", "isdataat", "byte_test",
      "byte_jump", "byte_extract", "threshold", "detection_filter", "noalert", "prefilter"};
  RuleLoadReport report;
  auto set = load_rule_set({kEtOpen}, RuleVariables::suricata_defaults(), report);
  REQUIRE(set.has_value());
  for (const auto& issue : report.issues) {
    // pcre's HTTP buffer modifiers (U, H, P, ...) are reported under "pcre" with the modifier named.
    const bool app_layer_pcre = issue.keyword == "pcre" && issue.reason.find("application-layer") != std::string::npos;
    if (!issue.unsupported() || (kSupported.count(issue.keyword) != 0 && !app_layer_pcre)) {
      FAIL_CHECK(issue.file << ":" << issue.line << ": sid " << issue.sid << ": " << issue.reason);
    }
  }
}

TEST_CASE("the benchmark's 1,447 content rules all load", "[rules][corpus]") {
  if (!std::filesystem::is_directory(kEtOpen) || !std::filesystem::exists(kContentSids)) {
    WARN("ET Open corpus or bench sid list not found; skipped");
    return;
  }
  std::set<std::string> wanted;
  {
    std::ifstream in(kContentSids);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) wanted.insert(line);  // "sid:NNN;"
    }
  }
  // As bench-rules.sh: enabled rules (starting with "alert ") whose text has one of the sids.
  std::string text;
  size_t count = 0;
  for (const auto& line : rule_lines(kEtOpen)) {
    if (!line.starts_with("alert ")) continue;
    const size_t at = line.find("sid:");
    if (at == std::string::npos) continue;
    const size_t end = line.find(';', at);
    if (end == std::string::npos || wanted.count(line.substr(at, end - at + 1)) == 0) continue;
    text += line + "\n";
    ++count;
  }
  REQUIRE(count == wanted.size());
  RuleLoadReport report;
  auto set = compile_rule_text(text, "content.suricata.rules", RuleVariables::suricata_defaults(), report);
  REQUIRE(set.has_value());
  for (const auto& issue : report.issues) {
    FAIL_CHECK("sid " << issue.sid << ": " << issue.reason);
  }
  CHECK(report.loaded == wanted.size());
}
