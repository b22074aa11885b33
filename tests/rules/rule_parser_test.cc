#include <catch2/catch.hpp>

#include <algorithm>

#include "rules_test_util.h"

using namespace vigil;
using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {

const RuleIssue* issue_for(const RuleLoadReport& report, uint32_t sid) {
  for (const auto& issue : report.issues) {
    if (issue.sid == sid) return &issue;
  }
  return nullptr;
}

bool header_fires(const std::string& header, const Packet& packet) {
  Scanner scanner(compile_clean(header + " (msg:\"h\"; sid:1;)"));
  return !scan_sids(scanner, packet).empty();
}

}  // namespace

TEST_CASE("rule metadata options fill RuleInfo", "[rules][parser]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"ET TEST \\\"quoted\\\" \\; semi\"; content:\"x\"; "
      "reference:url,example.com; classtype:trojan-activity; metadata:created_at 2020_01_01; "
      "target:dest_ip; sid:2000001; rev:7; gid:1;)\n"
      "drop udp any any -> any any (msg:\"prio\"; classtype:misc-activity; priority:1; sid:5;)\n"
      "pass ip any any -> any any (msg:\"no classtype\"; sid:6;)\n");
  REQUIRE(set->size() == 3);
  const auto& r = set->rules()[0];
  CHECK(r.msg == "ET TEST \"quoted\" ; semi");
  CHECK(r.sid == 2000001);
  CHECK(r.rev == 7);
  CHECK(r.gid == 1);
  CHECK(r.action == "alert");
  CHECK(r.classtype == "trojan-activity");
  CHECK(r.category == "A Network Trojan was detected");
  CHECK(r.priority == 1);
  CHECK(r.file == "test.rules");
  CHECK(r.line == 1);
  // Explicit priority overrides the classtype's default (misc-activity is 3).
  CHECK(set->rules()[1].action == "drop");
  CHECK(set->rules()[1].category == "Misc activity");
  CHECK(set->rules()[1].priority == 1);
  CHECK(set->rules()[2].action == "pass");
  CHECK(set->rules()[2].priority == 3);
}

TEST_CASE("classtypes carry Suricata's descriptions and priorities", "[rules][parser]") {
  struct Case { const char* classtype; const char* category; int priority; };
  const Case cases[] = {
      {"attempted-admin", "Attempted Administrator Privilege Gain", 1},
      {"web-application-attack", "Web Application Attack", 1},
      {"attempted-recon", "Attempted Information Leak", 2},
      {"bad-unknown", "Potentially Bad Traffic", 2},
      {"misc-activity", "Misc activity", 3},
      {"tcp-connection", "A TCP connection was detected", 4},
      {"command-and-control", "Malware Command and Control Activity Detected", 1},
  };
  for (const auto& c : cases) {
    auto set = compile_clean(std::string("alert ip any any -> any any (msg:\"m\"; classtype:") + c.classtype +
                             "; sid:1;)");
    CHECK(set->rules()[0].category == c.category);
    CHECK(set->rules()[0].priority == c.priority);
  }
}

TEST_CASE("comments, blank lines and backslash continuations", "[rules][parser]") {
  RuleLoadReport report;
  auto set = compile(
      "# a comment\n"
      "\n"
      "   # indented comment\n"
      "alert tcp any any -> any 80 (msg:\"two \\\n"
      "  lines\"; content:\"abc\"; \\\n"
      "  sid:10;)\n"
      "#alert tcp any any -> any any (msg:\"disabled\"; sid:11;)\n"
      "alert tcp any any -> any any (msg:\"after\"; sid:12;)\r\n",
      &report);
  CHECK(report.issues.empty());
  REQUIRE(set->size() == 2);
  CHECK(set->rules()[0].sid == 10);
  CHECK(set->rules()[0].line == 4);
  CHECK(set->rules()[1].sid == 12);
  CHECK(set->rules()[1].line == 8);
  CHECK(report.loaded == 2);
}

TEST_CASE("broken and unsupported rules are reported while the others load", "[rules][parser]") {
  RuleLoadReport report;
  auto set = compile(
      "alert tcp any any -> any any (msg:\"ok\"; content:\"a\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"unsupported\"; stream_size:client,>,10; sid:2;)\n"
      "alert tcp any any -> any any (msg:\"bad hex\"; content:\"|4G|\"; sid:3;)\n"
      "alert tcp any any -> any any (msg:\"no sid\"; content:\"a\";)\n"
      "alert tcp any any => any any (msg:\"bad dir\"; sid:5;)\n"
      "alert tcp $NOPE any -> any any (msg:\"undefined var\"; sid:6;)\n"
      "alert tcp any any -> any any (msg:\"bad class\"; classtype:no-such-class; sid:7;)\n"
      "alert tcp any any -> any any (msg:\"dup\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"odd pcre\"; pcre:\"/x/L\"; sid:9;)\n"
      "alert tcp any any -> any any (msg:\"missing semicolon\"; sid:10)\n"
      "frobnicate tcp any any -> any any (msg:\"bad action\"; sid:11;)\n"
      "alert tcp any any -> any any (msg:\"modifier first\"; nocase; content:\"a\"; sid:12;)\n"
      "alert tcp any any -> any any (msg:\"bad pcre\"; pcre:\"/(unclosed/\"; sid:13;)\n"
      "alert tcp any any -> any any (msg:\"ok2\"; content:\"b\"; sid:14;)\n",
      &report);
  REQUIRE(set->size() == 2);
  CHECK(set->rules()[0].sid == 1);
  CHECK(set->rules()[0].msg == "ok");  // the first of a duplicate sid is kept
  CHECK(set->rules()[1].sid == 14);
  CHECK(report.loaded == 2);
  CHECK(report.issues.size() == 12);

  const RuleIssue* sticky = issue_for(report, 2);
  REQUIRE(sticky != nullptr);
  CHECK(sticky->unsupported());
  CHECK(sticky->keyword == "stream_size");
  CHECK(sticky->reason == "unsupported keyword 'stream_size'");
  CHECK(sticky->file == "test.rules");
  CHECK(sticky->line == 2);

  const RuleIssue* hex = issue_for(report, 3);
  REQUIRE(hex != nullptr);
  CHECK_FALSE(hex->unsupported());
  CHECK(hex->line == 3);
  CHECK_THAT(hex->reason, Catch::Contains("hex"));

  auto no_sid = std::find_if(report.issues.begin(), report.issues.end(), [](const RuleIssue& i) { return i.line == 4; });
  REQUIRE(no_sid != report.issues.end());
  CHECK(no_sid->sid == 0);
  CHECK_THAT(no_sid->reason, Catch::Contains("no sid"));

  CHECK_THAT(issue_for(report, 5)->reason, Catch::Contains("direction"));
  CHECK_THAT(issue_for(report, 6)->reason, Catch::Contains("undefined variable '$NOPE'"));
  CHECK_THAT(issue_for(report, 7)->reason, Catch::Contains("unknown classtype 'no-such-class'"));
  const RuleIssue* dup = nullptr;
  for (const auto& i : report.issues) {
    if (i.line == 8) dup = &i;
  }
  REQUIRE(dup != nullptr);
  CHECK(dup->sid == 1);
  CHECK_THAT(dup->reason, Catch::Contains("duplicate sid 1"));
  CHECK(issue_for(report, 9)->keyword == "pcre");
  CHECK_THAT(issue_for(report, 9)->reason, Catch::Contains("'L'"));
  CHECK_THAT(issue_for(report, 10)->reason, Catch::Contains("lacks ';'"));
  CHECK_THAT(issue_for(report, 11)->reason, Catch::Contains("unknown action 'frobnicate'"));
  CHECK_THAT(issue_for(report, 12)->reason, Catch::Contains("needs a preceding content"));
  CHECK_THAT(issue_for(report, 13)->reason, Catch::Contains("pcre does not compile"));
}

TEST_CASE("same sid with another gid is a different rule", "[rules][parser]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"a\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"b\"; gid:3; sid:1;)\n");
  CHECK(set->size() == 2);
}

TEST_CASE("a missing rule file is an error, a directory loads its .rules files", "[rules][parser]") {
  RuleLoadReport report;
  auto missing = load_rule_set({"/nonexistent/x.rules"}, RuleVariables::suricata_defaults(), report);
  REQUIRE_FALSE(missing.has_value());
  CHECK_THAT(missing.error().message, Catch::Contains("/nonexistent/x.rules"));

  RuleLoadReport dir_report;
  auto dir = load_rule_set({VIGIL_TEST_DATA "/rules/dir"}, RuleVariables::suricata_defaults(), dir_report);
  REQUIRE(dir.has_value());
  REQUIRE((*dir)->size() == 2);
  CHECK((*dir)->rules()[0].sid == 100);  // a.rules before b.rules; notes.txt ignored
  CHECK((*dir)->rules()[1].sid == 200);
  REQUIRE(dir_report.issues.size() == 1);
  CHECK_THAT(dir_report.issues[0].file, Catch::EndsWith("b.rules"));
  CHECK(dir_report.issues[0].line == 3);
  CHECK(dir_report.issues[0].sid == 201);
  CHECK(dir_report.issues[0].keyword == "stream_size");
}

TEST_CASE("header addresses: variables, lists, negation, CIDR, IPv6", "[rules][parser][header]") {
  const Packet inside_out = tcp_packet("192.168.1.10", 40000, "203.0.113.5", 80, "x");
  const Packet outside_in = tcp_packet("203.0.113.5", 80, "10.1.2.3", 40000, "x");
  CHECK(header_fires("alert tcp $HOME_NET any -> $EXTERNAL_NET any", inside_out));
  CHECK_FALSE(header_fires("alert tcp $HOME_NET any -> $EXTERNAL_NET any", outside_in));
  CHECK(header_fires("alert tcp $EXTERNAL_NET any -> $HTTP_SERVERS any", outside_in));
  CHECK(header_fires("alert tcp 192.168.0.0/16 any -> any any", inside_out));
  CHECK_FALSE(header_fires("alert tcp 192.168.2.0/24 any -> any any", inside_out));
  CHECK(header_fires("alert tcp 192.168.1.10 any -> any any", inside_out));
  CHECK(header_fires("alert tcp [10.0.0.0/8,192.168.1.0/24] any -> any any", inside_out));
  CHECK_FALSE(header_fires("alert tcp [192.168.0.0/16,!192.168.1.0/24] any -> any any", inside_out));
  CHECK(header_fires("alert tcp [192.168.0.0/16,!192.168.2.0/24] any -> any any", inside_out));
  CHECK(header_fires("alert tcp ![10.0.0.0/8,172.16.0.0/12] any -> any any", inside_out));
  CHECK_FALSE(header_fires("alert tcp ![10.0.0.0/8,[172.16.0.0/12,192.168.1.10]] any -> any any", inside_out));
  CHECK(header_fires("alert tcp [!10.0.0.0/8] any -> any any", inside_out));
  CHECK(header_fires("alert tcp any any -> [203.0.113.0/24, 198.51.100.1] any", inside_out));

  Packet v6 = tcp_packet("2001:db8::1", 1234, "2001:db8:1::2", 80, "x");
  v6.ip_version = 6;
  CHECK(header_fires("alert tcp 2001:db8::/32 any -> any any", v6));
  CHECK_FALSE(header_fires("alert tcp 2001:db8:1::/48 any -> any any", v6));
  CHECK(header_fires("alert tcp $EXTERNAL_NET any -> any any", v6));
  CHECK_FALSE(header_fires("alert tcp $HOME_NET any -> any any", v6));
}

TEST_CASE("header ports: single, ranges, open ranges, lists, negation, variables", "[rules][parser][header]") {
  const Packet p = tcp_packet("192.168.1.10", 40000, "203.0.113.5", 8080, "x");
  CHECK(header_fires("alert tcp any any -> any 8080", p));
  CHECK_FALSE(header_fires("alert tcp any any -> any 80", p));
  CHECK(header_fires("alert tcp any any -> any 8000:8100", p));
  CHECK_FALSE(header_fires("alert tcp any any -> any 8081:8100", p));
  CHECK(header_fires("alert tcp any any -> any 1024:", p));
  CHECK_FALSE(header_fires("alert tcp any any -> any :1023", p));
  CHECK(header_fires("alert tcp any 40000: -> any any", p));
  CHECK(header_fires("alert tcp any any -> any [80,443,8080]", p));
  CHECK(header_fires("alert tcp any any -> any !80", p));
  CHECK_FALSE(header_fires("alert tcp any any -> any ![8080,8443]", p));
  CHECK(header_fires("alert tcp any any -> any [1:9000,!80]", p));
  CHECK_FALSE(header_fires("alert tcp any any -> any [1:9000,!8000:8090]", p));
  CHECK(header_fires("alert tcp any any -> any $SHELLCODE_PORTS", p));
  CHECK_FALSE(header_fires("alert tcp any any -> any $HTTP_PORTS", p));
  const Packet web = tcp_packet("192.168.1.10", 40000, "203.0.113.5", 80, "x");
  CHECK(header_fires("alert tcp any any -> any $HTTP_PORTS", web));
  CHECK(header_fires("alert tcp any any -> any $FILE_DATA_PORTS", web));
  CHECK_FALSE(header_fires("alert tcp any any -> any $SHELLCODE_PORTS", web));
}

TEST_CASE("header protocols and the bidirectional operator", "[rules][parser][header]") {
  const Packet reply = tcp_packet("203.0.113.5", 80, "192.168.1.10", 40000, "x");
  CHECK_FALSE(header_fires("alert tcp $HOME_NET any -> any 80", reply));
  CHECK(header_fires("alert tcp $HOME_NET any <> any 80", reply));
  CHECK(header_fires("alert tcp any 80 <> $HOME_NET any", reply));
  CHECK_FALSE(header_fires("alert tcp $HOME_NET 80 <> any 80", reply));

  Packet udp = tcp_packet("192.168.1.10", 5353, "8.8.8.8", 53, "x");
  udp.proto = 17;
  CHECK(header_fires("alert udp any any -> any 53", udp));
  CHECK(header_fires("alert dns any any -> any any", udp));  // dns runs on tcp and udp
  CHECK(header_fires("alert ip any any -> any any", udp));
  CHECK_FALSE(header_fires("alert tcp any any -> any any", udp));
  CHECK_FALSE(header_fires("alert http any any -> any any", udp));
  const Packet tcp = tcp_packet("192.168.1.10", 40000, "8.8.8.8", 443, "x");
  // An application protocol vigil recognises applies only to a flow recognised as it (Suricata).
  CHECK_FALSE(header_fires("alert tls any any -> any any", tcp));
  FlowState tls_flow;
  tls_flow.set_app_proto(AppProto::tls);
  Packet tls = tcp;
  tls.flow_state = &tls_flow;
  CHECK(header_fires("alert tls any any -> any any", tls));
  CHECK(header_fires("alert tcp-pkt any any -> any any", tcp));
  CHECK(header_fires("alert tcp-stream any any -> any any", tcp));
  CHECK_FALSE(header_fires("alert icmp any any -> any any", tcp));
  Packet icmp = tcp;
  icmp.proto = 1;
  icmp.src_port = icmp.dst_port = 0;
  CHECK(header_fires("alert icmp any any -> any any", icmp));

  RuleLoadReport report;
  compile("alert sctpx any any -> any any (msg:\"x\"; sid:1;)", &report);
  REQUIRE(report.issues.size() == 1);
  CHECK_THAT(report.issues[0].reason, Catch::Contains("unknown protocol 'sctpx'"));
}

TEST_CASE("custom variables, nested and self-referencing", "[rules][parser][header]") {
  RuleVariables vars = RuleVariables::suricata_defaults();
  vars.values["DMZ"] = "[203.0.113.0/24,!203.0.113.9]";
  vars.values["WEB_PORTS"] = "[$HTTP_PORTS,8080:8090]";
  vars.values["LOOP"] = "[$LOOP]";
  RuleLoadReport report;
  auto set = compile_rule_text(
      "alert tcp any any -> $DMZ $WEB_PORTS (msg:\"dmz\"; sid:1;)\n"
      "alert tcp $LOOP any -> any any (msg:\"loop\"; sid:2;)\n",
      "vars.rules", vars, report);
  REQUIRE(set.has_value());
  REQUIRE(report.issues.size() == 1);
  CHECK(report.issues[0].sid == 2);
  Scanner scanner(*set);
  CHECK(scan_sids(scanner, tcp_packet("10.0.0.1", 1, "203.0.113.5", 8085, "x")) == std::vector<uint32_t>{1});
  CHECK(scan_sids(scanner, tcp_packet("10.0.0.1", 1, "203.0.113.9", 8085, "x")).empty());
  CHECK(scan_sids(scanner, tcp_packet("10.0.0.1", 1, "203.0.113.5", 443, "x")).empty());
}
