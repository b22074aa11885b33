// Rules whose header names an application protocol (`alert http ...`) apply only once the flow is
// recognised as that protocol, when vigil can recognise it, as in Suricata's IDS mode: data is
// handed to the app-layer when the other side acknowledges it.
#include "rules_test_util.h"

using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {

Packet client(FlowState& flow, std::string_view payload, bool established = true) {
  Packet p = http_request(payload);
  p.flow_state = &flow;
  p.established = established;
  return p;
}

Packet server(FlowState& flow, std::string_view payload, bool syn_ack = false) {
  Packet p = tcp_packet("203.0.113.5", 80, "192.168.1.10", 40000, payload);
  p.flow_state = &flow;
  p.to_server = false;
  p.established = !syn_ack;
  if (syn_ack) p.tcp_flags = kTcpSyn | kTcpAck;
  return p;
}

}  // namespace

TEST_CASE("an http rule applies from the packet after the one the server acknowledges", "[rules][scanner][app]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"tcp\"; flow:to_server; sid:1;)\n"
      "alert http any any -> any any (msg:\"http\"; flow:to_server; sid:2;)\n");
  Scanner scanner(set);
  using S = std::vector<uint32_t>;
  FlowState flow;
  CHECK(scan_sids(scanner, client(flow, "", false)) == S{1});  // SYN: nothing known yet
  CHECK(scan_sids(scanner, server(flow, "", true)).empty());  // SYN-ACK
  CHECK(scan_sids(scanner, client(flow, "GET / HTTP/1.1\r\n\r\n")) == S{1});  // recognised, not yet parsed
  CHECK(scan_sids(scanner, server(flow, "")).empty());         // the ACK hands the request to the app-layer
  CHECK(scan_sids(scanner, client(flow, "")) == S{1, 2});
}

TEST_CASE("data sent with the SYN (TCP Fast Open) reaches the app-layer after the handshake", "[rules][scanner][app]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"tcp\"; flow:to_server; sid:1;)\n"
      "alert http any any -> any any (msg:\"http\"; flow:to_server; sid:2;)\n");
  Scanner scanner(set);
  using S = std::vector<uint32_t>;
  FlowState flow;
  CHECK(scan_sids(scanner, client(flow, "GET / HTTP/1.0\r\n\r\n", false)) == S{1});  // SYN with data
  CHECK(scan_sids(scanner, server(flow, "", true)).empty());  // SYN-ACK: handshake not complete
  CHECK(scan_sids(scanner, client(flow, "")) == S{1});         // the final ACK
  CHECK(scan_sids(scanner, server(flow, "HTTP/1.1 200 OK\r\n\r\n")).empty());
  CHECK(scan_sids(scanner, client(flow, "")) == S{1, 2});
}

TEST_CASE("an http content rule matches the request itself, once", "[rules][scanner][app]") {
  // Suricata alerts when the acknowledged request is inspected as raw stream; the count is the same.
  auto set = compile_clean(
      "alert http any any -> any any (msg:\"req\"; flow:to_server; content:\"GET /admin\"; sid:2;)\n");
  Scanner scanner(set);
  using S = std::vector<uint32_t>;
  FlowState flow;
  CHECK(scan_sids(scanner, client(flow, "", false)).empty());                    // SYN
  CHECK(scan_sids(scanner, server(flow, "", true)).empty());                     // SYN-ACK
  CHECK(scan_sids(scanner, client(flow, "GET /admin HTTP/1.1\r\n\r\n")) == S{2});  // recognised here
  CHECK(scan_sids(scanner, server(flow, "")).empty());
  CHECK(scan_sids(scanner, client(flow, "")).empty());
  CHECK(scan_sids(scanner, client(flow, "GET /admin HTTP/1.1\r\n\r\n")) == S{2});  // the next request
  FlowState other;  // a flow that is not http never matches
  CHECK(scan_sids(scanner, client(other, "SSH-2.0-x GET /admin")).empty());
}

TEST_CASE("an http rule never applies to a flow that is not http", "[rules][scanner][app]") {
  auto set = compile_clean("alert http any any -> any any (msg:\"http\"; content:\"GET\"; sid:2;)\n");
  Scanner scanner(set);
  FlowState flow;
  CHECK(scan_sids(scanner, client(flow, "SSH-2.0-OpenSSH_9.0\r\n")).empty());
  CHECK(scan_sids(scanner, server(flow, "SSH-2.0-OpenSSH_9.0\r\n")).empty());
  CHECK(scan_sids(scanner, client(flow, "GET / HTTP/1.1\r\n\r\n")).empty());  // ssh was recognised first
  Packet p = http_request("GET / HTTP/1.1\r\n\r\n");  // no flow state: nothing is recognised
  CHECK(scan_sids(scanner, p).empty());
}

TEST_CASE("a one-sided established stream is handed to the app-layer at once", "[rules][scanner][app]") {
  auto set = compile_clean("alert http any any -> any any (msg:\"http\"; content:\"GET /i/\"; sid:2;)\n");
  Scanner scanner(set);
  FlowState flow;
  // Only the client's side is captured (Suricata's async-oneside): no ACK will ever come back.
  CHECK(scan_sids(scanner, client(flow, "", false)).empty());
  CHECK(scan_sids(scanner, client(flow, "GET /i/1.jpg HTTP/1.1\r\n\r\n")) == std::vector<uint32_t>{2});
}

TEST_CASE("application protocols vigil cannot recognise keep matching on their transport", "[rules][scanner][app]") {
  auto set = compile_clean("alert dns any any -> any any (msg:\"dns\"; content:\"example\"; sid:3;)\n");
  Scanner scanner(set);
  Packet p = tcp_packet("192.168.1.10", 5353, "8.8.8.8", 53, "..example..");
  p.proto = 17;
  CHECK(scan_sids(scanner, p) == std::vector<uint32_t>{3});
}

TEST_CASE("app-layer-protocol holds once the flow is recognised, negated or not", "[rules][scanner][app]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"http flow\"; flow:to_server; app-layer-protocol:http; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"not http\"; flow:to_server; app-layer-protocol:!http; sid:2;)\n"
      // Not an IP-only rule: it waits for the protocol instead of firing on the flow's first packet.
      "alert ip any any -> any any (msg:\"ip\"; app-layer-protocol:ssh; sid:3;)\n");
  Scanner scanner(set);
  using S = std::vector<uint32_t>;
  FlowState http;
  CHECK(scan_sids(scanner, client(http, "", false)).empty());  // SYN: unknown, no verdict either way
  CHECK(scan_sids(scanner, server(http, "", true)).empty());
  CHECK(scan_sids(scanner, client(http, "GET / HTTP/1.1\r\n\r\n")).empty());  // recognised, not handed over
  CHECK(scan_sids(scanner, server(http, "")).empty());
  CHECK(scan_sids(scanner, client(http, "")) == S{1});
  FlowState ssh;
  CHECK(scan_sids(scanner, client(ssh, "", false)).empty());
  CHECK(scan_sids(scanner, server(ssh, "", true)).empty());
  CHECK(scan_sids(scanner, client(ssh, "SSH-2.0-PuTTY\r\n")).empty());
  CHECK(scan_sids(scanner, server(ssh, "SSH-2.0-OpenSSH_9.0\r\n")) == S{3});
  CHECK(scan_sids(scanner, client(ssh, "")) == (S{2, 3}));
}

TEST_CASE("app-layer-protocol: names vigil cannot recognise and direction modes are reported", "[rules][app]") {
  RuleLoadReport report;
  auto set = compile(
      "alert tcp any any -> any any (msg:\"ok\"; app-layer-protocol:tls; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"smb\"; app-layer-protocol:smb; sid:2;)\n"
      "alert tcp any any -> any any (msg:\"mode\"; app-layer-protocol:http,final; sid:3;)\n"
      "alert tcp any any -> any any (msg:\"empty\"; app-layer-protocol:!; sid:4;)\n",
      &report);
  CHECK(set->size() == 1);
  REQUIRE(report.issues.size() == 3);
  CHECK(report.issues[0].unsupported());
  CHECK_THAT(report.issues[0].reason, Catch::Contains("app-layer-protocol 'smb'"));
  CHECK(report.issues[1].unsupported());
  CHECK_THAT(report.issues[1].reason, Catch::Contains("direction mode"));
  CHECK_FALSE(report.issues[2].unsupported());
  CHECK_THAT(report.issues[2].reason, Catch::Contains("needs a protocol name"));
}
