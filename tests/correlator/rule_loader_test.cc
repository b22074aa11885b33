#include "vigil/correlator/rule_loader.h"

#include <catch2/catch.hpp>

#include <algorithm>

#include "correlator/test_support.h"

using namespace vigil;
using namespace vigil::correlator;
using vigil::test::TempDir;

namespace {

const std::filesystem::path kRulesDir = std::filesystem::path(VIGIL_TEST_DATA) / "correlator" / "rules";

const CorrelationLoadIssue* find_issue(const std::vector<CorrelationLoadIssue>& issues, std::string_view field) {
  auto it = std::find_if(issues.begin(), issues.end(), [&](const auto& i) { return i.field == field; });
  return it == issues.end() ? nullptr : &*it;
}

std::string describe(const CorrelationLoadReport& report) {
  std::string out;
  for (const auto& e : report.errors) out += "error: " + to_string(e) + "\n";
  for (const auto& w : report.warnings) out += "warning: " + to_string(w) + "\n";
  return out;
}

}  // namespace

TEST_CASE("a rules directory loads in name order: single docs, --- documents and lists", "[correlator][loader]") {
  CorrelationLoadReport report;
  auto rules = load_correlation_rules({kRulesDir}, report);
  REQUIRE(rules);
  INFO(describe(report));
  CHECK(report.ok());
  CHECK(report.warnings.empty());
  CHECK(report.files_read == 3);  // README.txt is not a rule file
  CHECK(report.rules_loaded == 5);
  CHECK(report.rules_disabled == 1);
  REQUIRE(rules->size() == 5);
  std::vector<std::string> ids;
  for (const auto& rule : *rules) ids.push_back(rule.id);
  CHECK(ids == std::vector<std::string>{"ssh-bruteforce", "port-scan", "critical-alert", "rdp-from-outside",
                                        "old-rule"});

  const auto& ssh = (*rules)[0];
  CHECK(ssh.title == "SSH brute force from {src_ip}");
  CHECK(ssh.type == CorrelationType::event_count);
  CHECK(ssh.group_by == std::vector<std::string>{"src_ip"});
  CHECK(ssh.timespan == seconds(60));
  CHECK(ssh.condition.gte == 20u);
  CHECK(ssh.severity == Severity::high);
  CHECK(ssh.tlp == "amber");
  CHECK(ssh.enabled);
  CHECK(ssh.line == 2);
  CHECK(ssh.source.ends_with("10-ssh.yml"));
  CHECK(ssh.match.size() == 2);

  const auto& scan = (*rules)[1];
  CHECK(scan.type == CorrelationType::value_count);
  CHECK(scan.value_field == "dest_port");
  CHECK(scan.timespan == minutes(5));
  CHECK(scan.tlp == "green");

  const auto& critical = (*rules)[2];
  CHECK(critical.line == 14);  // the line after "---", where the second document starts
  CHECK(critical.group_by == std::vector<std::string>{"src_ip", "dest_ip"});
  CHECK(critical.severity == Severity::critical);

  CHECK_FALSE((*rules)[4].enabled);
}

TEST_CASE("a single file path loads too", "[correlator][loader]") {
  CorrelationLoadReport report;
  auto rules = load_correlation_rules({kRulesDir / "30-list.yaml"}, report);
  REQUIRE(rules);
  CHECK(rules->size() == 2);
  CHECK(report.files_read == 1);
}

TEST_CASE("a missing file is an Error", "[correlator][loader]") {
  CorrelationLoadReport report;
  auto rules = load_correlation_rules({kRulesDir / "no-such-file.yml"}, report);
  REQUIRE_FALSE(rules);
  CHECK(rules.error().code == ErrorCode::not_found);
  CHECK_THAT(rules.error().message, Catch::Contains("no-such-file.yml"));
}

TEST_CASE("broken rules are reported with file, line and field, the others load", "[correlator][loader]") {
  TempDir dir;
  auto file = dir.write("mixed.yml",
                        "id: good-one\n"                     // 1
                        "title: ok\n"                        // 2
                        "type: single\n"                     // 3
                        "match: {event_type: alert}\n"       // 4
                        "severity: low\n"                    // 5
                        "---\n"                              // 6
                        "id: bad-timespan\n"                 // 7
                        "title: t\n"                         // 8
                        "type: event_count\n"                // 9
                        "match: {event_type: flow}\n"        // 10
                        "timespan: sixty\n"                  // 11
                        "condition: {gte: 3}\n"              // 12
                        "severity: low\n"                    // 13
                        "---\n"                              // 14
                        "id: bad-operator\n"                 // 15
                        "title: t\n"                         // 16
                        "type: single\n"                     // 17
                        "match:\n"                           // 18
                        "  dest_port: {between: [1, 2]}\n"   // 19
                        "severity: low\n"                    // 20
                        "---\n"                              // 21
                        "id: bad-syntax\n"                   // 22
                        "title: [unclosed\n"                 // 23
                        "---\n"                              // 24
                        "id: bad-cidr\n"                     // 25
                        "title: t\n"                         // 26
                        "type: single\n"                     // 27
                        "match: {src_ip: {cidr: [10.0.0.0/8, 10.300.0.0/16]}}\n"  // 28
                        "severity: low\n"                    // 29
                        "---\n"                              // 30
                        "id: bad-severity\n"                 // 31
                        "title: t\n"                         // 32
                        "type: single\n"                     // 33
                        "match: {event_type: alert}\n"       // 34
                        "severity: urgent\n"                 // 35
                        "---\n"                              // 36
                        "id: good-two\n"                     // 37
                        "title: ok\n"                        // 38
                        "type: single\n"                     // 39
                        "match: {alert.severity: {lte: 2}}\n"  // 40
                        "severity: high\n");                 // 41
  CorrelationLoadReport report;
  auto rules = load_correlation_rules({file}, report);
  REQUIRE(rules);
  INFO(describe(report));
  REQUIRE(rules->size() == 2);
  CHECK((*rules)[0].id == "good-one");
  CHECK((*rules)[1].id == "good-two");
  CHECK((*rules)[1].line == 37);
  REQUIRE(report.errors.size() == 5);

  const auto* timespan = find_issue(report.errors, "timespan");
  REQUIRE(timespan);
  CHECK(timespan->file == file.string());
  CHECK(timespan->line == 11);
  CHECK(timespan->rule_id == "bad-timespan");
  CHECK_THAT(timespan->message, Catch::Contains("sixty"));
  CHECK(to_string(*timespan) == file.string() + ":11: rule bad-timespan: field timespan: bad duration 'sixty' "
                                                "(e.g. 60s, 15m, 2h)");

  const auto* op = find_issue(report.errors, "match.dest_port.between");
  REQUIRE(op);
  CHECK(op->line == 19);
  CHECK(op->rule_id == "bad-operator");
  CHECK_THAT(op->message, Catch::Contains("unknown operator 'between'"));

  auto syntax = std::find_if(report.errors.begin(), report.errors.end(),
                             [](const auto& e) { return e.message.starts_with("YAML syntax error"); });
  REQUIRE(syntax != report.errors.end());
  CHECK(syntax->line >= 23);
  CHECK(syntax->line <= 24);

  const auto* cidr = find_issue(report.errors, "match.src_ip.cidr");
  REQUIRE(cidr);
  CHECK(cidr->line == 28);
  CHECK_THAT(cidr->message, Catch::Contains("10.300.0.0/16"));

  const auto* severity = find_issue(report.errors, "severity");
  REQUIRE(severity);
  CHECK(severity->line == 35);
  CHECK(severity->rule_id == "bad-severity");
}

TEST_CASE("missing required fields name the field and the rule's line", "[correlator][loader]") {
  CorrelationLoadReport report;
  auto rules = parse_correlation_rules("title: no id\n"
                                       "type: single\n"
                                       "match: {event_type: alert}\n"
                                       "severity: low\n"
                                       "---\n"
                                       "id: no-condition\n"
                                       "title: t\n"
                                       "type: event_count\n"
                                       "match: {event_type: flow}\n"
                                       "timespan: 60s\n"
                                       "severity: low\n",
                                       "inline.yml", report);
  CHECK(rules.empty());
  INFO(describe(report));
  const auto* id = find_issue(report.errors, "id");
  REQUIRE(id);
  CHECK(id->line == 1);
  const auto* condition = find_issue(report.errors, "condition");
  REQUIRE(condition);
  CHECK(condition->rule_id == "no-condition");
  CHECK(condition->line == 6);
}

TEST_CASE("duplicate rule ids are rejected across files", "[correlator][loader]") {
  TempDir dir;
  const char* rule = "id: same\ntitle: t\ntype: single\nmatch: {event_type: alert}\nseverity: low\n";
  dir.write("a.yml", rule);
  dir.write("b.yml", std::string("# second copy\n") + rule);
  CorrelationLoadReport report;
  auto rules = load_correlation_rules({dir.path()}, report);
  REQUIRE(rules);
  CHECK(rules->size() == 1);
  REQUIRE(report.errors.size() == 1);
  const auto& error = report.errors.front();
  CHECK(error.file == (dir.path() / "b.yml").string());
  CHECK(error.line == 2);
  CHECK(error.field == "id");
  CHECK(error.rule_id == "same");
  CHECK_THAT(error.message, Catch::Contains("duplicate") && Catch::Contains("a.yml:1"));
}

TEST_CASE("temporal rules list their member rules, problems name file, line and field", "[correlator][loader]") {
  const std::string members =
      "id: recon\ntitle: t\ntype: value_count\nmatch: {event_type: flow}\ngroup_by: [src_ip]\ntimespan: 1m\n"
      "condition: {gte: 10, field: dest_port}\nseverity: low\ngenerate: false\n"
      "---\n"
      "id: exploit\ntitle: t\ntype: single\nmatch: {event_type: alert}\ngroup_by: [src_ip]\nseverity: high\n";
  SECTION("a good one loads with its members and generate: false") {
    CorrelationLoadReport report;
    auto rules = parse_correlation_rules(members +
                                             "---\n"
                                             "id: recon-then-exploit\n"
                                             "title: \"Scan then exploit from {src_ip}\"\n"
                                             "type: temporal_ordered\n"
                                             "rules: [recon, exploit]\n"
                                             "group_by: [src_ip]\n"
                                             "timespan: 30m\n"
                                             "severity: critical\n"
                                             "category: unauthorized-access\n",
                                         "inline.yml", report);
    INFO((report.errors.empty() ? std::string() : to_string(report.errors.front())));
    REQUIRE(report.ok());
    REQUIRE(rules.size() == 3);
    CHECK_FALSE(rules[0].generate);
    CHECK(rules[1].generate);
    CHECK(rules[2].type == CorrelationType::temporal_ordered);
    CHECK(rules[2].member_rules == std::vector<std::string>{"recon", "exploit"});
    CHECK(rules[2].timespan == minutes(30));
    CHECK(rules[2].category == "unauthorized_access");
    CHECK(report.warnings.empty());
  }
  SECTION("an unknown member drops the temporal rule, naming the field and the rule's line") {
    CorrelationLoadReport report;
    auto rules = parse_correlation_rules(members +
                                             "---\n"
                                             "id: chain\ntitle: t\ntype: temporal\nrules: [recon, nosuch]\n"
                                             "timespan: 5m\nseverity: high\n",
                                         "chain.yml", report);
    CHECK(rules.size() == 2);
    CHECK(report.rules_loaded == 2);
    REQUIRE(report.errors.size() == 1);
    CHECK(report.errors.front().file == "chain.yml");
    CHECK(report.errors.front().line == 18);
    CHECK(report.errors.front().field == "rules");
    CHECK(report.errors.front().rule_id == "chain");
    CHECK_THAT(report.errors.front().message, Catch::Contains("nosuch"));
    // recon has generate: false and nothing uses it now: worth a warning.
    REQUIRE(report.warnings.size() == 1);
    CHECK(report.warnings.front().field == "generate");
  }
  SECTION("missing rules, a single member, a missing timespan and a bad category are errors") {
    auto first_error = [](const std::string& yaml) {
      CorrelationLoadReport report;
      auto rules = parse_correlation_rules(yaml, "inline.yml", report);
      CHECK(rules.empty());
      REQUIRE_FALSE(report.errors.empty());
      return report.errors.front();
    };
    auto e = first_error("id: t\ntitle: t\ntype: temporal\ntimespan: 1m\nseverity: low\n");
    CHECK(e.field == "rules");
    CHECK_THAT(e.message, Catch::Contains("missing"));
    e = first_error("id: t\ntitle: t\ntype: temporal\nrules: [a]\ntimespan: 1m\nseverity: low\n");
    CHECK(e.field == "rules");
    CHECK(e.line == 4);
    CHECK_THAT(e.message, Catch::Contains("at least two"));
    e = first_error("id: t\ntitle: t\ntype: temporal\nrules: [a, b]\nseverity: low\n");
    CHECK(e.field == "timespan");
    e = first_error("id: t\ntitle: t\ntype: single\nmatch: {event_type: alert}\nseverity: low\ncategory: spam\n");
    CHECK(e.field == "category");
    CHECK(e.line == 6);
  }
  SECTION("a temporal rule cannot list another temporal rule") {
    CorrelationLoadReport report;
    auto rules = parse_correlation_rules(members +
                                             "---\nid: a\ntitle: t\ntype: temporal\nrules: [recon, exploit]\n"
                                             "timespan: 5m\nseverity: high\n"
                                             "---\nid: b\ntitle: t\ntype: temporal\nrules: [a, exploit]\n"
                                             "timespan: 5m\nseverity: high\n",
                                         "inline.yml", report);
    CHECK(rules.size() == 3);
    REQUIRE(report.errors.size() == 1);
    CHECK(report.errors.front().rule_id == "b");
    CHECK_THAT(report.errors.front().message, Catch::Contains("itself temporal"));
  }
}

TEST_CASE("condition checks", "[correlator][loader]") {
  auto load = [](const std::string& type, const std::string& condition, CorrelationLoadReport& report) {
    return parse_correlation_rules("id: c\ntitle: t\ntype: " + type +
                                       "\nmatch: {event_type: flow}\ntimespan: 1m\ncondition: " + condition +
                                       "\nseverity: low\n",
                                   "inline.yml", report);
  };
  {
    CorrelationLoadReport report;
    CHECK(load("value_count", "{gte: 3}", report).empty());
    REQUIRE(find_issue(report.errors, "condition.field"));
  }
  {
    CorrelationLoadReport report;
    CHECK(load("event_count", "{lt: 3}", report).empty());
    const auto* issue = find_issue(report.errors, "condition");
    REQUIRE(issue);
    CHECK_THAT(issue->message, Catch::Contains("not supported yet"));
  }
  {
    CorrelationLoadReport report;
    CHECK(load("event_count", "{gte: many}", report).empty());
    REQUIRE(find_issue(report.errors, "condition.gte"));
  }
  {
    CorrelationLoadReport report;
    CHECK(load("event_count", "{atleast: 3}", report).empty());
    REQUIRE(find_issue(report.errors, "condition.atleast"));
  }
  {
    CorrelationLoadReport report;
    auto rules = load("value_count", "{gt: 9, field: dest_port}", report);
    REQUIRE(rules.size() == 1);
    CHECK(rules.front().condition.threshold() == 10);
  }
}

TEST_CASE("warnings: unknown keys and field names, Sigma's group-by spelling is accepted", "[correlator][loader]") {
  CorrelationLoadReport report;
  auto rules = parse_correlation_rules("id: w\n"
                                       "title: \"{src_ip} {no_such_field}\"\n"
                                       "type: event_count\n"
                                       "match: {event_type: flow, dst_port: 22}\n"
                                       "group-by: [src_ip]\n"
                                       "timespan: 1m\n"
                                       "condition: {gte: 2}\n"
                                       "severity: low\n"
                                       "level: high\n"
                                       "author: someone\n",
                                       "inline.yml", report);
  INFO(describe(report));
  REQUIRE(rules.size() == 1);
  CHECK(rules.front().group_by == std::vector<std::string>{"src_ip"});
  CHECK(report.errors.empty());
  CHECK(find_issue(report.warnings, "match.dst_port"));
  CHECK(find_issue(report.warnings, "title"));
  const auto* level = find_issue(report.warnings, "level");
  REQUIRE(level);
  CHECK(level->line == 9);
  CHECK_THAT(level->message, Catch::Contains("severity"));
  CHECK_FALSE(find_issue(report.warnings, "author"));
}

TEST_CASE("other rule-level errors", "[correlator][loader]") {
  auto first_error = [](const std::string& yaml) {
    CorrelationLoadReport report;
    auto rules = parse_correlation_rules(yaml, "inline.yml", report);
    CHECK(rules.empty());
    return report.errors.empty() ? CorrelationLoadIssue{} : report.errors.front();
  };
  const std::string base = "title: t\ntype: single\nseverity: low\n";
  CHECK(first_error("id: 'bad id'\n" + base + "match: {event_type: flow}\n").field == "id");
  CHECK(first_error("id: x\n" + base + "match: {event_type: flow}\ntlp: purple\n").field == "tlp");
  CHECK(first_error("id: x\n" + base + "match: {event_type: flow}\nenabled: maybe\n").field == "enabled");
  CHECK(first_error("id: x\n" + base + "match: {dest_port: {gt: high}}\n").field == "match.dest_port.gt");
  CHECK(first_error("id: x\n" + base + "match: {dest_port: []}\n").field == "match.dest_port");
  CHECK(first_error("id: x\n" + base + "match: {dest_port: }\n").field == "match.dest_port");
  CHECK(first_error("id: x\n" + base).field == "match");
  CHECK(first_error("id: x\n" + base + "match: {event_type: flow}\nid: y\n").field == "id");
  CHECK(first_error("id: x\n" + base + "match: {dest_port: 22, dest_port: 23}\n").field == "match.dest_port");
  CHECK(first_error("id: x\ntitle: \"open {brace\"\ntype: single\nseverity: low\nmatch: {event_type: flow}\n").field ==
        "title");
  CHECK(first_error("just a string\n").line == 1);
}
