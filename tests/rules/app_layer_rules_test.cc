// App-layer buffer rules (issue 9): sticky buffers, legacy content modifiers, pcre buffer flags,
// transforms, bsize and urilen parse into per-buffer chains, and the TransactionMatcher fires them
// on transactions the real applayer parsers produce — from hand-written exchanges fed to
// AppLayerFlow and from captures of the shared corpus.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

#include <unistd.h>

#include "../applayer/capture_feeder.h"
#include "rules_test_util.h"
#include "vigil/applayer/app_layer_flow.h"
#include "vigil/rules/rule_explain.h"
#include "vigil/rules/transaction_matcher.h"

using namespace vigil;
using namespace vigil::rules;
using namespace vigil::rules::testing;
using applayer::AppLayerContext;
using applayer::AppLayerFlow;
using applayer::Direction;
using applayer::Transaction;

namespace {

// "sid:count ..." so a failed comparison shows what fired.
std::string text(const std::map<uint32_t, int>& counts) {
  std::string out;
  for (const auto& [sid, n] : counts) out += (out.empty() ? "" : " ") + std::to_string(sid) + ":" + std::to_string(n);
  return out;
}

const RuleIssue* issue_at(const RuleLoadReport& report, int line) {
  for (const auto& issue : report.issues) {
    if (issue.line == line) return &issue;
  }
  return nullptr;
}

// A flow between a client in HOME_NET and an outside server; facts oriented per direction.
struct FlowFacts {
  std::string client = "192.168.1.10";
  uint16_t client_port = 40000;
  std::string server = "203.0.113.5";
  uint16_t server_port = 80;
  uint8_t proto = 6;

  Packet oriented(Direction direction) const {
    Packet p = direction == Direction::to_server ? tcp_packet(client, client_port, server, server_port, "")
                                                 : tcp_packet(server, server_port, client, client_port, "");
    p.proto = proto;
    p.to_server = direction == Direction::to_server;
    return p;
  }
};

// What the matcher raised, per transaction in delivery order.
struct Fired {
  std::vector<std::vector<uint32_t>> per_tx;
  std::vector<Direction> directions;
  std::map<uint32_t, int> counts;
};

// Runs the matcher on every transaction an AppLayerFlow delivers.
class MatchingHandler final : public applayer::TransactionHandler {
 public:
  MatchingHandler(TransactionMatcher& matcher, FlowFacts facts) : matcher_(matcher), facts_(std::move(facts)) {}

  void on_transaction(const Transaction& tx) override {
    Packet packet = facts_.oriented(tx.direction);
    packet.flow_state = &state_;
    std::vector<const RuleInfo*> alerts;
    matcher_.match(packet, tx, alerts);
    std::vector<uint32_t> sids;
    for (const RuleInfo* info : alerts) sids.push_back(info->sid);
    fired.per_tx.push_back(sids);
    fired.directions.push_back(tx.direction);
    for (uint32_t sid : sids) ++fired.counts[sid];
  }

  Fired fired;

 private:
  TransactionMatcher& matcher_;
  FlowFacts facts_;
  FlowState state_;
};

// One HTTP exchange (request then response) through libhtp and the matcher.
Fired http_exchange(const std::shared_ptr<const RuleSet>& set, std::string_view request, std::string_view response,
                    FlowFacts facts = {}) {
  AppLayerContext context;
  AppLayerFlow flow(context, applayer::Transport::tcp, facts.client_port, facts.server_port);
  TransactionMatcher matcher(set);
  MatchingHandler handler(matcher, facts);
  flow.on_stream_data(Direction::to_server, request, handler);
  if (!response.empty()) flow.on_stream_data(Direction::to_client, response, handler);
  flow.on_close(handler);
  return handler.fired;
}

// The sids each rule text fires on one request (no response).
std::map<uint32_t, int> on_request(const std::string& rules, std::string_view request) {
  return http_exchange(compile_clean(rules), request, "").counts;
}

// A DNS query message for `names` (one question each, type A).
std::string dns_query(const std::vector<std::string>& names) {
  std::string m = {0x12, 0x34, 0x01, 0x00, 0x00, static_cast<char>(names.size()), 0, 0, 0, 0, 0, 0};
  for (const std::string& name : names) {
    size_t start = 0;
    while (start <= name.size()) {
      const size_t dot = std::min(name.find('.', start), name.size());
      m.push_back(static_cast<char>(dot - start));
      m.append(name, start, dot - start);
      start = dot + 1;
    }
    m.push_back(0);
    m.append({0x00, 0x01, 0x00, 0x01});
  }
  return m;
}

std::map<uint32_t, int> on_dns(const std::string& rules, const std::vector<std::string>& names) {
  AppLayerContext context;
  AppLayerFlow flow(context, applayer::Transport::udp, 53000, 53);
  TransactionMatcher matcher(compile_clean(rules));
  FlowFacts facts;
  facts.proto = 17;
  facts.client_port = 53000;
  facts.server_port = 53;
  MatchingHandler handler(matcher, facts);
  flow.on_datagram(Direction::to_server, dns_query(names), handler);
  return handler.fired.counts;
}

// Runs the matcher over every transaction of a capture (recorded by the applayer tests' feeder).
std::map<uint32_t, int> on_capture(const std::string& rules, const applayer::test::FeedResult& result) {
  TransactionMatcher matcher(compile_clean(rules));
  std::map<size_t, FlowState> states;  // per flow of the capture
  std::map<uint32_t, int> counts;
  for (const applayer::test::RecordedTx& recorded : result.transactions) {
    std::vector<applayer::BufferEntry> entries;
    for (const auto& [id, data] : recorded.buffers) entries.push_back({id, data});
    Transaction tx;
    tx.proto = recorded.proto;
    tx.direction = recorded.direction;
    tx.id = recorded.id;
    tx.buffers = entries;
    tx.values = recorded.values;
    tx.raw = recorded.raw;
    FlowFacts facts;
    facts.proto = recorded.tcp ? 6 : 17;
    facts.server_port = recorded.server_port;
    Packet packet = facts.oriented(tx.direction);
    packet.flow_state = &states[recorded.flow];
    std::vector<const RuleInfo*> alerts;
    matcher.match(packet, tx, alerts);
    for (const RuleInfo* info : alerts) ++counts[info->sid];
  }
  return counts;
}

// The sids `rules` fire on one hand-built transaction with these buffer entries and values.
std::map<uint32_t, int> on_tx(const std::string& rules, applayer::AppProto proto, Direction direction,
                              std::vector<applayer::BufferEntry> entries, const applayer::TxValues& values = {}) {
  TransactionMatcher matcher(compile_clean(rules));
  std::stable_sort(entries.begin(), entries.end(),
                   [](const applayer::BufferEntry& a, const applayer::BufferEntry& b) { return a.id < b.id; });
  Transaction tx;
  tx.proto = proto;
  tx.direction = direction;
  tx.buffers = entries;
  tx.values = values;
  FlowFacts facts;
  if (proto == applayer::AppProto::dns) {
    facts.proto = 17;
    facts.server_port = 53;
  }
  FlowState state;
  Packet packet = facts.oriented(direction);
  packet.flow_state = &state;
  std::vector<const RuleInfo*> alerts;
  matcher.match(packet, tx, alerts);
  std::map<uint32_t, int> counts;
  for (const RuleInfo* info : alerts) ++counts[info->sid];
  return counts;
}

constexpr std::string_view kRequest =
    "GET /a/./b/../admin%2fLogin.php?user=Bob&x=%41 HTTP/1.1\r\n"
    "Host: WWW.Example.COM:8080\r\n"
    "User-Agent: Evil  Bot\t1.0\r\n"
    "Cookie: session=abc\r\n"
    "\r\n";
constexpr std::string_view kResponse =
    "HTTP/1.1 404 Not Found\r\n"
    "Server: nginx\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "oops!";

}  // namespace

TEST_CASE("app-layer: every sticky buffer, legacy modifier, pcre buffer flag and transform loads",
          "[rules][applayer]") {
  auto set = compile_clean(
      "alert http any any -> any any (msg:\"sticky\"; http.method; content:\"GET\"; http.uri; content:\"/a\"; "
      "http.uri.raw; content:\"%2f\"; http.host; content:\"example\"; http.host.raw; content:\"COM\"; "
      "http.user_agent; content:\"Bot\"; http.cookie; content:\"session\"; http.header; content:\"Host\"; "
      "http.header_names; content:!\"Referer\"; http.request_line; content:\"GET\"; http.start; content:\"GET\"; "
      "http.protocol; content:\"HTTP/1.1\"; sid:1;)\n"
      "alert http any any -> any any (msg:\"response\"; flow:to_client; http.stat_code; content:\"404\"; "
      "http.stat_msg; content:\"Not\"; http.response_line; content:\"404\"; http.server; content:\"nginx\"; "
      "http.response_body; content:\"oops\"; file.data; content:\"oops\"; http.content_len; content:\"5\"; sid:2;)\n"
      "alert http any any -> any any (msg:\"legacy\"; content:\"GET\"; http_method; content:\"/a\"; http_uri; "
      "depth:2; content:\"bot\"; nocase; http_user_agent; content:\"session\"; http_cookie; "
      "content:\"Host\"; http_header; content:\"www\"; http_host; content:\"%2f\"; http_raw_uri; sid:3;)\n"
      "alert http any any -> any any (msg:\"old sticky names\"; http_request_line; content:\"GET\"; "
      "http_header_names; content:\"Host\"; http_content_type; content:\"x\"; file_data; content:\"y\"; sid:4;)\n"
      "alert http any any -> any any (msg:\"pcre flags\"; pcre:\"/admin/U\"; pcre:\"/%2f/I\"; pcre:\"/^GET$/M\"; "
      "pcre:\"/Host/H\"; pcre:\"/bot/Vi\"; pcre:\"/example/W\"; pcre:\"/abc/C\"; sid:5;)\n"
      "alert dns any any -> any any (msg:\"dns\"; dns.query; dotprefix; content:\".example.com\"; endswith; sid:6;)\n"
      "alert dns any any -> any any (msg:\"dns legacy\"; dns_query; content:\"example\"; sid:7;)\n"
      "alert tls any any -> any any (msg:\"tls\"; tls.sni; content:\"example.com\"; tls.cert_subject; "
      "content:\"CN=\"; tls.cert_issuer; content:\"O=\"; tls.certs; content:\"|30 82|\"; sid:8;)\n"
      "alert tls any any -> any any (msg:\"tls legacy\"; tls_sni; content:\"x\"; ja3_hash; "
      "content:\"e7d705a3286e19ea42f587b344ee6865\"; ja3.string; content:\"771,\"; ja3s.hash; content:\"a\"; sid:9;)\n"
      "alert ssh any any -> any any (msg:\"ssh\"; ssh.proto; content:\"2.0\"; ssh.software; content:\"OpenSSH\"; sid:10;)\n"
      "alert http any any -> any any (msg:\"transforms\"; http.user_agent; to_lowercase; compress_whitespace; "
      "content:\"evil bot\"; http.uri.raw; url_decode; content:\"/admin/\"; http.cookie; strip_whitespace; "
      "to_uppercase; content:\"SESSION\"; sid:11;)\n"
      "alert http any any -> any any (msg:\"sizes\"; urilen:>5; http.host; bsize:<100; content:\"example\"; "
      "urilen:10<>200,raw; sid:12;)\n"
      "alert tcp any any -> any any (msg:\"tcp header, http buffer\"; http.uri; content:\"/admin\"; sid:13;)\n"
      "alert smtp any any -> any any (msg:\"smtp file_data stays on the payload\"; file_data; content:\"x\"; sid:14;)\n");
  CHECK(set->size() == 14);
}

TEST_CASE("app-layer: bad buffer keywords are reported with file, line, sid and reason", "[rules][applayer]") {
  RuleLoadReport report;
  auto set = compile(
      "alert http any any -> any any (msg:\"ok\"; http.uri; content:\"/x\"; sid:1;)\n"
      "alert http any any -> any any (msg:\"transform first\"; dotprefix; http.host; content:\"x\"; sid:2;)\n"
      "alert http any any -> any any (msg:\"bsize first\"; bsize:10; http.host; content:\"x\"; sid:3;)\n"
      "alert http any any -> any any (msg:\"modifier alone\"; http_uri; content:\"x\"; sid:4;)\n"
      "alert http any any -> any any (msg:\"both\"; http.uri; content:\"x\"; http_uri; sid:5;)\n"
      "alert http any any -> any any (msg:\"other buffer\"; http.uri; pcre:\"/x/H\"; sid:6;)\n"
      "alert dns any any -> any any (msg:\"wrong proto\"; http.uri; content:\"x\"; sid:7;)\n"
      "alert http any any -> any any (msg:\"two protos\"; http.uri; content:\"x\"; dns.query; content:\"y\"; sid:8;)\n"
      "alert http any any -> any any (msg:\"empty\"; http.uri; sid:9;)\n"
      "alert dns any any -> any any (msg:\"mixed\"; content:\"x\"; dns.query; content:\"y\"; sid:10;)\n"
      "alert http any any -> any any (msg:\"urilen\"; urilen:5,both; sid:11;)\n"
      "alert http any any -> any any (msg:\"bsize\"; http.uri; bsize:lots; sid:12;)\n"
      "alert smb any any -> any any (msg:\"no parser\"; http.uri; content:\"x\"; sid:13;)\n"
      "alert http any any -> any any (msg:\"dsize\"; dsize:>10; http.uri; content:\"x\"; sid:14;)\n",
      &report);
  CHECK(set->size() == 1);
  REQUIRE(report.issues.size() == 13);
  for (const RuleIssue& issue : report.issues) {
    CHECK(issue.file == "test.rules");
    CHECK(issue.sid == static_cast<uint32_t>(issue.line));
  }
  CHECK_THAT(issue_at(report, 2)->reason, Catch::Contains("transform 'dotprefix' needs a sticky buffer"));
  CHECK_THAT(issue_at(report, 3)->reason, Catch::Contains("bsize needs a sticky buffer"));
  CHECK_THAT(issue_at(report, 4)->reason, Catch::Contains("'http_uri' needs a preceding content"));
  CHECK_THAT(issue_at(report, 5)->reason, Catch::Contains("inside the sticky buffer 'http.uri'"));
  CHECK_THAT(issue_at(report, 6)->reason, Catch::Contains("names http.header inside the sticky buffer http.uri"));
  CHECK_THAT(issue_at(report, 7)->reason, Catch::Contains("'http.uri' is a http buffer, but the rule inspects dns"));
  CHECK_THAT(issue_at(report, 8)->reason, Catch::Contains("'dns.query' is a dns buffer, but the rule inspects http"));
  CHECK_THAT(issue_at(report, 9)->reason, Catch::Contains("'http.uri' is not followed by anything that inspects it"));
  CHECK(issue_at(report, 10)->unsupported());
  CHECK_THAT(issue_at(report, 10)->reason, Catch::Contains("packet payload keywords together with dns buffers"));
  CHECK_THAT(issue_at(report, 11)->reason, Catch::Contains("expected norm or raw"));
  CHECK_THAT(issue_at(report, 12)->reason, Catch::Contains("bsize"));
  CHECK(issue_at(report, 13)->unsupported());
  CHECK_THAT(issue_at(report, 13)->reason, Catch::Contains("'smb' rule"));
  CHECK(issue_at(report, 14)->unsupported());
  CHECK_THAT(issue_at(report, 14)->reason, Catch::Contains("dsize"));
}

TEST_CASE("app-layer: tls.version takes Suricata's values, and errors name the rule and the reason", "[rules][applayer]") {
  RuleLoadReport report;
  auto set = compile(
      "alert tls any any -> any any (msg:\"ok\"; tls.version:1.1; sid:1;)\n"
      "alert tls any any -> any any (msg:\"bad value\"; tls.version:1.4; sid:2;)\n"
      "alert tls any any -> any any (msg:\"short code\"; tls.version:0x303; sid:3;)\n"
      "alert http any any -> any any (msg:\"wrong proto\"; tls.version:1.2; sid:4;)\n"
      "alert tls any any -> any any (msg:\"with payload\"; tls.version:1.2; content:\"x\"; sid:5;)\n"
      "alert tcp any any -> any any (msg:\"tcp header\"; tls.version:1.2; sid:6;)\n"
      "alert tls any any -> any any (msg:\"dsize\"; tls.version:1.2; dsize:>10; sid:7;)\n",
      &report);
  CHECK(set->size() == 3);
  REQUIRE(report.issues.size() == 4);
  CHECK_THAT(issue_at(report, 2)->reason, Catch::Contains("tls.version: expected 1.0, 1.1, 1.2, 1.3 or a 4-digit code"));
  CHECK_THAT(issue_at(report, 3)->reason, Catch::Contains("got '0x303'"));
  CHECK_THAT(issue_at(report, 4)->reason, Catch::Contains("'tls.version' is a tls keyword, but the rule inspects http"));
  CHECK(issue_at(report, 5) == nullptr);  // payload keywords of a TLS transaction rule: its raw records
  CHECK(issue_at(report, 7)->unsupported());

  // `alert tcp` with tls.version inspects TLS transactions, as Suricata sets the rule's app protocol.
  applayer::TxValues v12;
  v12.tls_version = 0x0303;
  CHECK(text(on_tx("alert tcp any any -> any any (msg:\"tcp header\"; tls.version:1.2; sid:6;)",
                   applayer::AppProto::tls, Direction::to_client, {}, v12)) == "6:1");
  // A TLS 1.3 draft version (0x7f1c) counts as 1.3 unless the rule asks for the raw code.
  applayer::TxValues draft;
  draft.tls_version = 0x7f1c;
  const std::string drafts =
      "alert tls any any -> any any (msg:\"1.3\"; tls.version:1.3; sid:1;)\n"
      "alert tls any any -> any any (msg:\"draft 28\"; tls.version:0x7f1c; sid:2;)\n"
      "alert tls any any -> any any (msg:\"draft 23\"; tls.version:0x7f17; sid:3;)\n"
      "alert tls any any -> any any (msg:\"1.3 raw\"; tls.version:0x0304; sid:4;)\n";
  CHECK(text(on_tx(drafts, applayer::AppProto::tls, Direction::to_client, {}, draft)) == "1:1 2:1");
  // A DNS transaction never meets a tls.version rule.
  CHECK(on_tx(drafts, applayer::AppProto::dns, Direction::to_server, {}, draft).empty());
}

TEST_CASE("app-layer: app-layer-protocol on a buffer rule is checked against the transaction's protocol",
          "[rules][applayer]") {
  const std::string rules =
      "alert dns any any -> any any (msg:\"not http\"; dns.query; content:\"example\"; app-layer-protocol:!http; sid:1;)\n"
      "alert dns any any -> any any (msg:\"http\"; dns.query; content:\"example\"; app-layer-protocol:http; sid:2;)\n";
  CHECK(text(on_tx(rules, applayer::AppProto::dns, Direction::to_server, {{applayer::BufferId::dns_query, "www.example.com"}})) ==
        "1:1");
}

TEST_CASE("app-layer: buffer rules never fire on packets", "[rules][applayer]") {
  Scanner scanner(compile_clean(
      "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/admin\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"negated only\"; http.header_names; content:!\"Referer\"; sid:2;)\n"
      "alert tcp any any -> any any (msg:\"packet\"; content:\"/admin\"; sid:3;)\n"));
  CHECK(scan_sids(scanner, http_request(std::string(kRequest))) == std::vector<uint32_t>{3});
}

TEST_CASE("app-layer: each HTTP request buffer matches its own content and not another's", "[rules][applayer]") {
  // Normalised URI: /a/./b/../admin%2fLogin.php -> /a/admin/Login.php, query %41 decoded.
  CHECK(on_request("alert http any any -> any any (msg:\"u\"; http.uri; content:\"/a/admin/Login.php?user=Bob&x=A\"; "
                   "startswith; endswith; sid:1;)",
                   kRequest)[1] == 1);
  CHECK(on_request("alert http any any -> any any (msg:\"u\"; http.uri; content:\"%2f\"; sid:1;)", kRequest).empty());
  CHECK(on_request("alert http any any -> any any (msg:\"r\"; http.uri.raw; content:\"%2f\"; sid:1;)", kRequest)[1] == 1);
  // Host: lower case, no port; the raw host keeps both.
  CHECK(on_request("alert http any any -> any any (msg:\"h\"; http.host; content:\"www.example.com\"; bsize:15; sid:1;)",
                   kRequest)[1] == 1);
  CHECK(on_request("alert http any any -> any any (msg:\"h\"; http.host; content:\"Example\"; sid:1;)", kRequest).empty());
  CHECK(on_request("alert http any any -> any any (msg:\"h\"; http.host.raw; content:\"Example.COM:8080\"; sid:1;)",
                   kRequest)[1] == 1);
  // The URI's text is not in the User-Agent buffer, and the reverse.
  CHECK(on_request("alert http any any -> any any (msg:\"ua\"; http.user_agent; content:\"admin\"; sid:1;)", kRequest).empty());
  CHECK(on_request("alert http any any -> any any (msg:\"ua\"; http.uri; content:\"Evil\"; sid:1;)", kRequest).empty());
  CHECK(on_request("alert http any any -> any any (msg:\"ua\"; http.user_agent; content:\"Evil\"; startswith; sid:1;)",
                   kRequest)[1] == 1);
  CHECK(on_request("alert http any any -> any any (msg:\"c\"; http.cookie; content:\"session=abc\"; bsize:11; sid:1;)",
                   kRequest)[1] == 1);
  CHECK(on_request("alert http any any -> any any (msg:\"m\"; http.method; content:\"POST\"; sid:1;)", kRequest).empty());
  // http.header leaves the Cookie out (it has its own buffer).
  CHECK(on_request("alert http any any -> any any (msg:\"hd\"; http.header; content:\"session=abc\"; sid:1;)", kRequest).empty());
  CHECK(on_request("alert http any any -> any any (msg:\"hd\"; http.header; content:\"User-Agent|3a 20|Evil\"; sid:1;)",
                   kRequest)[1] == 1);
  CHECK(on_request("alert http any any -> any any (msg:\"hn\"; http.header_names; content:!\"Referer\"; sid:1;)",
                   kRequest)[1] == 1);
  CHECK(on_request("alert http any any -> any any (msg:\"hn\"; http.header_names; content:!\"Cookie\"; sid:1;)", kRequest).empty());
}

TEST_CASE("app-layer: legacy modifiers, pcre buffer flags and urilen match as their sticky forms", "[rules][applayer]") {
  const auto fired = on_request(
      "alert http any any -> any any (msg:\"legacy\"; content:\"GET\"; http_method; content:\"/a/\"; http_uri; depth:3; "
      "content:\"login\"; nocase; http_uri; distance:0; content:\"evil\"; nocase; http_user_agent; sid:1;)\n"
      "alert http any any -> any any (msg:\"legacy depth fails\"; content:\"admin\"; http_uri; depth:4; sid:2;)\n"
      "alert http any any -> any any (msg:\"pcre U\"; pcre:\"/^\\/a\\/admin\\/[A-Z]ogin\\.php/U\"; sid:3;)\n"
      "alert http any any -> any any (msg:\"pcre U is not raw\"; pcre:\"/%2f/U\"; sid:4;)\n"
      "alert http any any -> any any (msg:\"pcre relative in sticky\"; http.uri; content:\"/admin/\"; "
      "pcre:\"/^Login/UR\"; sid:5;)\n"
      "alert http any any -> any any (msg:\"urilen\"; urilen:31; sid:6;)\n"
      "alert http any any -> any any (msg:\"urilen raw\"; urilen:>40,raw; sid:7;)\n"
      "alert http any any -> any any (msg:\"urilen range\"; urilen:1<>30; sid:8;)\n"
      "alert http any any -> any any (msg:\"pcre H\"; content:\"GET\"; http_method; pcre:\"/^Host\\x3a\\x20WWW/Hm\"; sid:9;)\n",
      kRequest);
  CHECK(text(fired) == "1:1 3:1 5:1 6:1 7:1 9:1");
}

TEST_CASE("app-layer: transforms change what the chain and the fast pattern see", "[rules][applayer]") {
  const auto fired = on_request(
      "alert http any any -> any any (msg:\"lower+compress\"; http.user_agent; to_lowercase; compress_whitespace; "
      "content:\"evil bot\"; fast_pattern; content:\"1.0\"; distance:0; sid:1;)\n"
      "alert http any any -> any any (msg:\"no transform\"; http.user_agent; content:\"evil bot\"; sid:2;)\n"
      "alert http any any -> any any (msg:\"strip\"; http.user_agent; strip_whitespace; content:\"EvilBot1.0\"; "
      "bsize:10; sid:3;)\n"
      "alert http any any -> any any (msg:\"url_decode\"; http.uri.raw; url_decode; content:\"/admin/Login.php\"; sid:4;)\n"
      "alert http any any -> any any (msg:\"upper\"; http.host; to_uppercase; content:\"WWW.EXAMPLE.COM\"; sid:5;)\n"
      "alert http any any -> any any (msg:\"same buffer, plain and transformed\"; http.user_agent; content:\"Evil  Bot\"; "
      "http.user_agent; to_lowercase; content:\"evil  bot\"; sid:6;)\n"
      "alert http any any -> any any (msg:\"bsize after transform\"; http.host; dotprefix; bsize:15; content:\".www\"; sid:7;)\n",
      kRequest);
  CHECK(text(fired) == "1:1 3:1 4:1 5:1 6:1");
}

TEST_CASE("app-layer: every buffer condition must hold on the same transaction", "[rules][applayer]") {
  auto set = compile_clean(
      "alert http any any -> any any (msg:\"uri+ua\"; flow:to_server; http.uri; content:\"/admin\"; "
      "http.user_agent; content:\"Evil\"; sid:1;)\n"
      "alert http any any -> any any (msg:\"uri+wrong ua\"; http.uri; content:\"/admin\"; http.user_agent; "
      "content:\"Firefox\"; sid:2;)\n"
      "alert http any any -> any any (msg:\"request uri + response code\"; flow:to_client; http.uri; content:\"/admin\"; "
      "http.stat_code; content:\"404\"; sid:3;)\n"
      "alert http any any -> any any (msg:\"code to server\"; flow:to_server; http.stat_code; content:\"404\"; sid:4;)\n"
      "alert http any any -> any any (msg:\"body\"; flow:to_client; file.data; content:\"oops!\"; bsize:5; sid:5;)\n"
      "alert http any any -> any any (msg:\"set\"; flow:to_server; http.uri; content:\"/admin\"; "
      "flowbits:set,admin; flowbits:noalert; sid:6;)\n"
      "alert http any any -> any any (msg:\"isset\"; flow:to_client; flowbits:isset,admin; http.stat_code; "
      "content:\"404\"; sid:7;)\n"
      "alert http any any -> any any (msg:\"isnotset\"; flow:to_client; flowbits:isnotset,admin; http.stat_code; "
      "content:\"404\"; sid:8;)\n"
      "alert http $EXTERNAL_NET any -> $HOME_NET any (msg:\"wrong way\"; http.uri; content:\"/admin\"; sid:9;)\n"
      "alert http any any -> any 81 (msg:\"other port\"; http.uri; content:\"/admin\"; sid:10;)\n");
  const Fired fired = http_exchange(set, kRequest, kResponse);
  REQUIRE(fired.per_tx.size() == 2);
  CHECK(fired.directions[0] == Direction::to_server);
  CHECK(fired.per_tx[0] == std::vector<uint32_t>{1});
  // 9 runs on requests only (its only buffer is a request buffer), and the request goes the other way.
  CHECK(fired.per_tx[1] == std::vector<uint32_t>{3, 5, 7});
}

TEST_CASE("app-layer: dns.query with dotprefix matches a domain and its subdomains only", "[rules][applayer]") {
  const std::string rule =
      "alert dns $HOME_NET any -> any any (msg:\"evil domain\"; dns.query; dotprefix; content:\".evil.com\"; "
      "nocase; endswith; sid:1;)\n"
      "alert udp any any -> any 53 (msg:\"legacy\"; dns_query; content:\"evil\"; nocase; bsize:<9; sid:2;)\n";
  CHECK(text(on_dns(rule, {"www.evil.com"})) == "1:1");
  CHECK(text(on_dns(rule, {"EVIL.com"})) == "1:1 2:1");
  CHECK(on_dns(rule, {"notevil.com"}).empty());
  CHECK(on_dns(rule, {"evil.com.example"}).empty());
  // A query with two questions: one entry is enough, and the rule fires once.
  CHECK(text(on_dns(rule, {"example.org", "a.evil.com"})) == "1:1");
}

TEST_CASE("app-layer: payload contents of an http buffer rule match the transaction's raw side", "[rules][applayer]") {
  // ET's `alert http ... content:"..."; fast_pattern; http.method; content:"POST"; ...`: the plain
  // contents stand for Suricata's raw stream: here the side's line, raw headers and body.
  constexpr std::string_view kPost =
      "POST /submit HTTP/1.1\r\nHost: example.com\r\nContent-Length: 17\r\n\r\ncommand=ls&result";
  const auto fired = on_request(
      "alert http any any -> any any (msg:\"body and header\"; content:\"Content-Length|3a 20|17|0d 0a 0d 0a|command=\"; "
      "fast_pattern; http.method; content:\"POST\"; http.uri; content:\"/submit\"; sid:1;)\n"
      "alert http any any -> any any (msg:\"relative across line and body\"; content:\"POST /submit\"; startswith; "
      "content:\"&result\"; distance:0; endswith; http.host; content:\"example\"; sid:2;)\n"
      "alert http any any -> any any (msg:\"buffer fails\"; content:\"command=\"; http.method; content:\"GET\"; sid:3;)\n"
      "alert http any any -> any any (msg:\"payload fails\"; content:\"password=\"; http.method; content:\"POST\"; sid:4;)\n",
      kPost);
  CHECK(text(fired) == "1:1 2:1");
}

TEST_CASE("app-layer: a pass rule silences the transaction, noalert only sets flowbits", "[rules][applayer]") {
  auto set = compile_clean(
      "pass http any any -> any any (msg:\"allow\"; http.host; content:\"www.example.com\"; sid:1;)\n"
      "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/admin\"; sid:2;)\n");
  CHECK(http_exchange(set, kRequest, "").counts.empty());
  CHECK(http_exchange(compile_clean("alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/admin\"; sid:2;)"),
                      kRequest, "")
            .counts == std::map<uint32_t, int>{{2, 1}});
}

TEST_CASE("app-layer: HTTP, DNS and TLS rules fire on the transactions of real captures", "[rules][applayer][corpus]") {
  using applayer::test::corpus_path;
  using applayer::test::feed_capture;
  SECTION("HTTP on port 8080 (Log4Shell capture): the POST on 8080 and the two Java downloads on 80") {
    const std::string path = corpus_path("attacks/web/ndpi-log4j-webapp-exploit.pcap");
    if (path.empty()) return;
    const auto counts = on_capture(
        "alert http any any -> any any (msg:\"jndi in UA\"; flow:to_server; http.user_agent; content:\"jndi|3a|ldap\"; "
        "startswith; http.method; content:\"POST\"; sid:1;)\n"
        "alert http any any -> any 8080 (msg:\"login on 8080\"; http.uri; content:\"/log4shell/login\"; bsize:16; sid:2;)\n"
        "alert http any any -> any any (msg:\"java fetch\"; content:\"Java/\"; http_user_agent; "
        "content:\".class\"; http_uri; endswith; sid:3;)\n"
        "alert http any any -> any any (msg:\"200 to the POST\"; flow:to_client; http.method; content:\"POST\"; "
        "http.stat_code; content:\"200\"; sid:4;)\n"
        "alert http any any -> any any (msg:\"nothing\"; http.uri; content:\"/not-there\"; sid:5;)\n",
        feed_capture(path));
    CHECK(text(counts) == "1:1 2:1 3:2 4:1");
  }
  SECTION("a URI split across TCP segments: 37 requests whose URIs are 1.2-1.5 KB") {
    const std::string path = corpus_path("mixed/ndpi/http_ua_splitted_in_two_pkts.pcapng");
    if (path.empty()) return;
    const auto counts = on_capture(
        "alert http any any -> any any (msg:\"tracking\"; http.uri; content:\"/tracking/adImpression?d=\"; startswith; "
        "http.host; content:\"startappservice.com\"; endswith; sid:1;)\n"
        "alert http any any -> any any (msg:\"long uri\"; flow:to_server; urilen:>1000; sid:2;)\n"
        "alert http any any -> any any (msg:\"android\"; flow:to_server; http.user_agent; "
        "content:\"Android 6.0.1\"; sid:3;)\n",
        feed_capture(path));
    // tshark: 27 of the 37 requests are /tracking/adImpression; the rest adClick and adClose. Rule 1
    // has no flow keyword: its buffers are request buffers, so it runs on requests only.
    CHECK(counts.at(1) == 27);
    CHECK(counts.at(2) == 37);
    CHECK(counts.at(3) == 37);
  }
  SECTION("DNS over UDP: the DNSKEY queries for weberlab.de") {
    const std::string path = corpus_path("mixed/ndpi/dns_fragmented.pcap");
    if (path.empty()) return;
    const auto result = feed_capture(path);
    int weberlab_udp = 0;
    for (const auto& tx : result.transactions) {
      if (tx.has(applayer::BufferId::dns_query) && tx.get(applayer::BufferId::dns_query) == "weberlab.de") ++weberlab_udp;
    }
    const auto counts = on_capture(
        "alert dns any any -> any any (msg:\"weberlab\"; dns.query; dotprefix; content:\".weberlab.de\"; endswith; "
        "bsize:12; sid:1;)\n"
        "alert dns any any -> any any (msg:\"other\"; dns.query; content:\"example.com\"; sid:2;)\n",
        result);
    CHECK(weberlab_udp > 0);
    CHECK(text(counts) == "1:" + std::to_string(weberlab_udp));
  }
  SECTION("TLS: the SNI of a TLS 1.2 handshake") {
    const std::string path = corpus_path("mixed/zeek/tls_tls-1.2-stream-keylog.pcap");
    if (path.empty()) return;
    const auto counts = on_capture(
        "alert tls any any -> any any (msg:\"heise\"; flow:to_server; tls.sni; content:\"heise.de\"; endswith; sid:1;)\n"
        "alert tls any any -> any any (msg:\"legacy\"; flow:to_server; tls_sni; content:\"www.heise.de\"; bsize:12; sid:2;)\n"
        "alert tls any any -> any any (msg:\"other\"; tls.sni; content:\"example.org\"; sid:3;)\n"
        "alert tls any any -> any any (msg:\"ja3\"; ja3_hash; content:\"579ccef312d18482fc42e2b822ca2430\"; sid:4;)\n"
        "alert tls any any -> any any (msg:\"cert\"; flow:to_client; tls.cert_subject; content:\"CN=www.heise.de\"; "
        "bsize:15; tls.cert_issuer; content:\"O=Sectigo Limited\"; sid:5;)\n"
        "alert tls any any -> any any (msg:\"ja3s\"; ja3s.hash; content:\"953e28364e4bd093e9de5afe980cfe7c\"; sid:6;)\n",
        feed_capture(path));
    // One ClientHello (to the server), one server handshake (to the client).
    CHECK(text(counts) == "1:1 2:1 4:1 5:1 6:1");
  }
  SECTION("tls.version: each side's version, TLS 1.2 on both sides of one handshake, TLS 1.3 chosen by six servers") {
    const std::string versions =
        "alert tls any any -> any any (msg:\"1.2\"; tls.version:1.2; sid:1;)\n"
        "alert tls any any -> any any (msg:\"1.2 client\"; flow:to_server; tls.version:\"1.2\"; sid:2;)\n"
        "alert tls any any -> any any (msg:\"1.3\"; tls.version:1.3; sid:3;)\n"
        "alert tls any any -> any any (msg:\"1.3 raw\"; flow:to_client; tls.version:0x0304; sid:4;)\n"
        "alert tls any any -> any any (msg:\"1.0\"; tls.version:1.0; sid:5;)\n"
        "alert tls any any -> any any (msg:\"1.3 sni\"; tls.sni; content:\".\"; tls.version:1.3; sid:6;)\n";
    const std::string tls12 = corpus_path("mixed/zeek/tls_tls-1.2-stream-keylog.pcap");
    if (tls12.empty()) return;
    CHECK(text(on_capture(versions, feed_capture(tls12))) == "1:2 2:1");
    // tshark on chrome.pcap: 6 flows; each ClientHello says 0x0303 (TLS 1.3 clients do), each
    // ServerHello's supported_versions says 0x0304. Suricata compares the side's own version, so
    // 1.3 holds on the server's side only, and a rule mixing it with tls.sni never fires.
    const std::string tls13 = corpus_path("mixed/ndpi/chrome.pcap");
    if (tls13.empty()) return;
    CHECK(text(on_capture(versions, feed_capture(tls13))) == "1:6 2:6 3:6 4:6");
  }
  SECTION("payload keywords of a TLS rule match the side's handshake records (ET's JARM rules)") {
    const std::string path = corpus_path("mixed/zeek/tls_tls-1.2-stream-keylog.pcap");
    if (path.empty()) return;
    const auto counts = on_capture(
        // The SNI as sent in the ClientHello's server_name extension, and the record header.
        "alert tls any any -> any any (msg:\"sni bytes\"; flow:established,to_server; tls.version:1.2; "
        "content:\"|16 03|\"; startswith; content:\"|00 0c|www.heise.de\"; distance:0; sid:1;)\n"
        // The certificate's subject, in the server's records; not in the client's.
        "alert tls any any -> any any (msg:\"cert bytes\"; flow:to_client; tls.version:1.2; content:\"www.heise.de\"; "
        "tls.cert_issuer; content:\"Sectigo\"; sid:2;)\n"
        "alert tls any any -> any any (msg:\"issuer in client\"; flow:to_server; content:\"Sectigo\"; "
        "tls.sni; content:\"heise\"; sid:3;)\n"
        "alert tls any any -> any any (msg:\"wrong version\"; flow:to_server; tls.version:1.3; content:\"heise\"; sid:4;)\n",
        feed_capture(path));
    CHECK(text(counts) == "1:1 2:1");
  }
}

TEST_CASE("app-layer: buffer databases go to the rule cache and load back from it", "[rules][applayer][cache]") {
  namespace fs = std::filesystem;
  const std::string packet_rules = "alert tcp any any -> any 80 (msg:\"packet\"; content:\"GET /evil\"; sid:1;)\n";
  const std::string buffer_rules =
      "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/admin\"; sid:2;)\n"
      "alert dns any any -> any any (msg:\"dns\"; dns.query; dotprefix; content:\".evil.com\"; endswith; sid:3;)\n";
  const fs::path root = fs::temp_directory_path() / ("vigil-app-rule-cache-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const auto files_after = [&](const std::string& text, const std::string& dir) {
    RuleLoadReport report;
    auto set = compile_rule_text(text, "test.rules", RuleVariables::suricata_defaults(), report, {(root / dir).string()});
    REQUIRE(set.has_value());
    REQUIRE(report.issues.empty());
    std::map<std::string, fs::file_time_type> files;
    for (const auto& e : fs::directory_iterator(root / dir)) files[e.path().filename().string()] = e.last_write_time();
    return std::make_pair(*set, files);
  };
  const auto [packet_set, packet_files] = files_after(packet_rules, "packet");
  const auto [first_set, first_files] = files_after(packet_rules + buffer_rules, "both");
  // One database per buffer variant: http.uri, and dns.query as dotprefix leaves it.
  CHECK(first_files.size() == packet_files.size() + 2);
  const auto [second_set, second_files] = files_after(packet_rules + buffer_rules, "both");
  CHECK(second_files == first_files);  // read back, not rewritten
  CHECK(text(http_exchange(second_set, kRequest, "").counts) == "2:1");
  fs::remove_all(root);
}

TEST_CASE("app-layer: rules test --explain says a buffer rule is matched on transactions", "[rules][applayer]") {
  auto explainer = RuleExplainer::create(
      compile_clean("alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/admin\"; "
                    "http.user_agent; content:\"Evil\"; sid:7;)"),
      7);
  REQUIRE(explainer.has_value());
  const RuleExplanation why = (*explainer)->explain(http_request(std::string(kRequest)));
  CHECK(why.header_admits);
  CHECK_FALSE(why.matched);
  CHECK(why.failed == "the rule inspects app-layer transactions (http.uri, http.user_agent): it is matched on the flow's "
                      "transactions, never on a packet");
}

TEST_CASE("app-layer: pipelined requests are matched one by one, thresholds count transactions", "[rules][applayer]") {
  constexpr std::string_view kTwo =
      "GET /admin/one HTTP/1.1\r\nHost: a.example\r\n\r\n"
      "GET /admin/two HTTP/1.1\r\nHost: b.example\r\n\r\n";
  auto set = compile_clean(
      "alert http any any -> any any (msg:\"every\"; http.uri; content:\"/admin/\"; sid:1;)\n"
      "alert http any any -> any any (msg:\"once per flow\"; http.uri; content:\"/admin/\"; "
      "threshold:type limit, track by_flow, count 1, seconds 60; sid:2;)\n"
      "alert http any any -> any any (msg:\"second only\"; http.uri; content:\"/two\"; http.host; "
      "content:\"b.example\"; sid:3;)\n"
      "alert http any any -> any any (msg:\"never: uri and host of different requests\"; http.uri; "
      "content:\"/one\"; http.host; content:\"b.example\"; sid:4;)\n");
  const Fired fired = http_exchange(set, kTwo, "");
  REQUIRE(fired.per_tx.size() == 2);
  CHECK(fired.per_tx[0] == std::vector<uint32_t>{1, 2});
  CHECK(fired.per_tx[1] == std::vector<uint32_t>{1, 3});
}

TEST_CASE("app-layer: dotprefix leaves an empty buffer empty", "[rules][applayer]") {
  using applayer::BufferId;
  const auto fired = on_tx(
      "alert http any any -> any any (msg:\"dot only\"; http.host; dotprefix; content:\".\"; bsize:1; sid:1;)\n"
      "alert http any any -> any any (msg:\"empty\"; http.uri; content:\"/\"; http.host; dotprefix; bsize:0; sid:2;)\n"
      "alert http any any -> any any (msg:\"non-empty\"; http.uri; dotprefix; content:\"./\"; startswith; sid:3;)\n",
      applayer::AppProto::http, Direction::to_server, {{BufferId::http_uri, "/"}, {BufferId::http_host, ""}});
  CHECK(text(fired) == "2:1 3:1");
}

TEST_CASE("app-layer: a chain is chosen by (buffer, transforms since the buffer was named)", "[rules][applayer]") {
  using applayer::BufferId;
  SECTION("naming a buffer again starts from no transforms") {
    const auto fired = on_tx(
        "alert http any any -> any any (msg:\"dotprefix, then plain\"; http.host; dotprefix; "
        "content:\".example.com\"; endswith; http.host; content:\"www.\"; startswith; sid:1;)\n"
        "alert http any any -> any any (msg:\"plain, then dotprefix\"; http.host; content:\"www.\"; startswith; "
        "http.host; dotprefix; content:\".www.\"; startswith; sid:2;)\n",
        applayer::AppProto::http, Direction::to_server, {{BufferId::http_host, "www.example.com"}});
    CHECK(text(fired) == "1:1 2:1");
  }
  SECTION("a transform does not copy the transforms of an earlier chain") {
    const std::string rules =
        "alert http any any -> any any (msg:\"url_decode only\"; http.uri; to_lowercase; content:\"/a\"; "
        "http.uri; url_decode; content:\"/BA\"; sid:1;)\n"
        "alert http any any -> any any (msg:\"not both\"; http.uri; to_lowercase; content:\"/a\"; "
        "http.uri; url_decode; content:\"/bA\"; sid:2;)\n"
        "alert http any any -> any any (msg:\"transforms accumulate after a content\"; http.uri; to_lowercase; "
        "content:\"/a\"; url_decode; content:\"/bA\"; sid:3;)\n";
    CHECK(text(on_tx(rules, applayer::AppProto::http, Direction::to_server, {{BufferId::http_uri, "/a/B%41"}})) ==
          "1:1 3:1");
  }
  SECTION("the same buffer and transforms continue one chain, relative keywords included") {
    const auto fired = on_tx(
        "alert http any any -> any any (msg:\"continued\"; http.uri; to_lowercase; content:\"/a/\"; "
        "http.host; content:\"www\"; http.uri; to_lowercase; content:\"b\"; within:1; sid:1;)\n"
        "alert http any any -> any any (msg:\"other chain\"; http.uri; to_lowercase; content:\"/a/\"; "
        "http.uri; content:\"b\"; within:1; sid:2;)\n",
        applayer::AppProto::http, Direction::to_server,
        {{BufferId::http_uri, "/a/B%41"}, {BufferId::http_host, "www.example.com"}});
    CHECK(text(fired) == "1:1");
  }
  SECTION("transforms that nothing inspects are reported") {
    RuleLoadReport report;
    auto set = compile(
        "alert http any any -> any any (msg:\"left over\"; http.uri; content:\"/a\"; to_lowercase; http.host; "
        "content:\"x\"; sid:1;)\n"
        "alert http any any -> any any (msg:\"at the end\"; http.uri; content:\"/a\"; url_decode; sid:2;)\n"
        "alert http any any -> any any (msg:\"named, never inspected\"; http.uri; dotprefix; http.host; "
        "content:\"x\"; sid:3;)\n",
        &report);
    CHECK(set->size() == 0);
    REQUIRE(report.issues.size() == 3);
    CHECK_THAT(issue_at(report, 1)->reason, Catch::Contains("transforms of 'http.uri' are not followed"));
    CHECK_THAT(issue_at(report, 2)->reason, Catch::Contains("transforms of 'http.uri' are not followed"));
    CHECK_THAT(issue_at(report, 3)->reason, Catch::Contains("transforms of 'http.uri' are not followed"));
  }
}

TEST_CASE("app-layer: a multi-instance buffer named again is a new chain, any entry may satisfy it",
          "[rules][applayer]") {
  using applayer::BufferId;
  const std::string dns_rules =
      "alert dns any any -> any any (msg:\"two chains\"; dns.query; content:\"example\"; dns.query; "
      "content:\".com\"; sid:1;)\n"
      "alert dns any any -> any any (msg:\"one chain\"; dns.query; content:\"example\"; content:\".com\"; sid:2;)\n"
      "alert dns any any -> any any (msg:\"no entry\"; dns.query; content:\"example\"; dns.query; "
      "content:\".org\"; sid:3;)\n";
  CHECK(text(on_tx(dns_rules, applayer::AppProto::dns, Direction::to_server,
                   {{BufferId::dns_query, "example.net"}, {BufferId::dns_query, "something.com"}})) == "1:1");
  CHECK(text(on_tx(dns_rules, applayer::AppProto::dns, Direction::to_server,
                   {{BufferId::dns_query, "example.com"}})) == "1:1 2:1");
  const std::string tls_rules =
      "alert tls any any -> any any (msg:\"leaf and CA\"; tls.certs; content:\"leaf\"; tls.certs; "
      "content:\"root CA\"; sid:1;)\n"
      "alert tls any any -> any any (msg:\"one cert\"; tls.certs; content:\"leaf\"; content:\"root CA\"; sid:2;)\n";
  CHECK(text(on_tx(tls_rules, applayer::AppProto::tls, Direction::to_client,
                   {{BufferId::tls_certs, "leaf cert"}, {BufferId::tls_certs, "root CA cert"}})) == "1:1");
}

TEST_CASE("app-layer: a byte_extract variable is used only in the list that extracts it", "[rules][applayer]") {
  using applayer::BufferId;
  RuleLoadReport report;
  auto set = compile(
      "alert http any any -> any any (msg:\"same chain\"; http.uri; byte_extract:1,1,n,string,dec; "
      "content:\"x\"; distance:n; sid:1;)\n"
      "alert http any any -> any any (msg:\"other chain\"; http.uri; byte_extract:1,1,n,string,dec; "
      "http.host; content:\"x\"; offset:n; sid:2;)\n"
      "alert http any any -> any any (msg:\"payload\"; http.uri; byte_extract:1,1,n,string,dec; content:\"x\"; "
      "pkt_data; byte_test:1,=,n,0; sid:3;)\n"
      "alert http any any -> any any (msg:\"transformed chain\"; http.uri; byte_extract:1,1,n,string,dec; "
      "content:\"x\"; http.uri; to_lowercase; isdataat:n; sid:4;)\n"
      "alert http any any -> any any (msg:\"moved by a legacy modifier\"; byte_extract:1,0,n; content:\"x\"; "
      "distance:n; http_uri; sid:5;)\n",
      &report);
  CHECK(set->size() == 1);
  REQUIRE(report.issues.size() == 4);
  CHECK_THAT(issue_at(report, 5)->reason, Catch::Contains("of the packet payload in 'http.uri' chain 1"));
  CHECK_THAT(issue_at(report, 2)->reason, Catch::Contains("offset uses the byte_extract variable 'n' of 'http.uri'"));
  CHECK_THAT(issue_at(report, 2)->reason, Catch::Contains("in 'http.host' chain 2"));
  CHECK_THAT(issue_at(report, 3)->reason, Catch::Contains("byte_test uses the byte_extract variable 'n'"));
  CHECK_THAT(issue_at(report, 3)->reason, Catch::Contains("in the packet payload"));
  CHECK_THAT(issue_at(report, 4)->reason, Catch::Contains("'http.uri' (transformed) chain 2"));
  // "/2..x": n = 2, "x" 2 bytes after the extracted digit.
  CHECK(text(on_tx("alert http any any -> any any (msg:\"same chain\"; http.uri; byte_extract:1,1,n,string,dec; "
                   "content:\"x\"; distance:n; sid:1;)\n",
                   applayer::AppProto::http, Direction::to_server, {{BufferId::http_uri, "/2..x"}})) == "1:1");
  CHECK(on_tx("alert http any any -> any any (msg:\"same chain\"; http.uri; byte_extract:1,1,n,string,dec; "
              "content:\"x\"; distance:n; sid:1;)\n",
              applayer::AppProto::http, Direction::to_server, {{BufferId::http_uri, "/3..x"}})
            .empty());
}
