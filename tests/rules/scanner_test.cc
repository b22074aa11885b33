#include <catch2/catch.hpp>

#include "rules_test_util.h"

using namespace vigil;
using namespace vigil::rules;
using namespace vigil::rules::testing;

TEST_CASE("flow keywords: direction and state", "[rules][scanner][flow]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"ts\"; flow:to_server; content:\"x\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"tc\"; flow:to_client,established; content:\"x\"; sid:2;)\n"
      "alert tcp any any -> any any (msg:\"fc\"; flow:from_client; content:\"x\"; sid:3;)\n"
      "alert tcp any any -> any any (msg:\"fs\"; flow:from_server; content:\"x\"; sid:4;)\n"
      "alert tcp any any -> any any (msg:\"ne\"; flow:not_established; content:\"x\"; sid:5;)\n"
      "alert tcp any any -> any any (msg:\"sl\"; flow:stateless; content:\"x\"; sid:6;)\n"
      "alert tcp any any -> any any (msg:\"os\"; flow:established,to_server,only_stream; content:\"x\"; sid:7;)\n"
      "alert tcp any any -> any any (msg:\"ns\"; flow:to_server,no_stream; content:\"x\"; sid:8;)\n");
  Scanner scanner(set);
  Packet p = http_request("x");
  // only_stream (sid 7) matches reassembled streams only: see stream_scan_test.cc.
  CHECK(scan_sids(scanner, p) == std::vector<uint32_t>{1, 3, 6, 8});
  p.to_server = false;
  CHECK(scan_sids(scanner, p) == std::vector<uint32_t>{2, 4, 6});
  p.established = false;
  CHECK(scan_sids(scanner, p) == std::vector<uint32_t>{4, 5, 6});
}

TEST_CASE("dsize, ttl, flags, itype, icode, icmp_id, icmp_seq", "[rules][scanner][packet]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"d eq\"; dsize:3; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"d lt\"; dsize:<3; sid:2;)\n"
      "alert tcp any any -> any any (msg:\"d gt\"; dsize:>3; sid:3;)\n"
      "alert tcp any any -> any any (msg:\"d range\"; dsize:2<>5; sid:4;)\n"
      "alert tcp any any -> any any (msg:\"d not\"; dsize:!3; sid:5;)\n"
      "alert tcp any any -> any any (msg:\"ttl\"; ttl:<10; sid:6;)\n");
  Scanner scanner(set);
  auto p = http_request("abc");
  p.ttl = 64;
  CHECK(scan_sids(scanner, p) == std::vector<uint32_t>{1, 4});
  auto p2 = http_request("ab");
  p2.ttl = 3;
  CHECK(scan_sids(scanner, p2) == std::vector<uint32_t>{2, 5, 6});
  auto p5 = http_request("abcde");
  CHECK(scan_sids(scanner, p5) == std::vector<uint32_t>{3, 5});

  auto flags = compile_clean(
      "alert tcp any any -> any any (msg:\"syn only\"; flags:S; sid:10;)\n"
      "alert tcp any any -> any any (msg:\"syn ack\"; flags:SA; sid:11;)\n"
      "alert tcp any any -> any any (msg:\"syn plus\"; flags:S+; sid:12;)\n"
      "alert tcp any any -> any any (msg:\"any of FR\"; flags:*FR; sid:13;)\n"
      "alert tcp any any -> any any (msg:\"no rst\"; flags:!R; sid:14;)\n"
      "alert tcp any any -> any any (msg:\"syn ignoring ecn\"; flags:S,12; sid:15;)\n"
      "alert tcp any any -> any any (msg:\"null scan\"; flags:0; sid:16;)\n");
  Scanner fs(flags);
  auto t = http_request("");
  t.tcp_flags = kTcpSyn;
  CHECK(scan_sids(fs, t) == std::vector<uint32_t>{10, 12, 14, 15});
  t.tcp_flags = kTcpSyn | kTcpAck;
  CHECK(scan_sids(fs, t) == std::vector<uint32_t>{11, 12, 14});
  t.tcp_flags = kTcpSyn | kTcpEce | kTcpCwr;
  CHECK(scan_sids(fs, t) == std::vector<uint32_t>{12, 14, 15});
  t.tcp_flags = kTcpRst | kTcpAck;
  CHECK(scan_sids(fs, t) == std::vector<uint32_t>{13});
  t.tcp_flags = 0;
  CHECK(scan_sids(fs, t) == std::vector<uint32_t>{14, 16});

  auto icmp = compile_clean(
      "alert icmp any any -> any any (msg:\"echo req\"; itype:8; icode:0; sid:20;)\n"
      "alert icmp any any -> any any (msg:\"unreach\"; itype:3; icode:>1; sid:21;)\n"
      "alert icmp any any -> any any (msg:\"id\"; itype:8; icmp_id:4660; icmp_seq:1; sid:22;)\n"
      "alert tcp any any -> any any (msg:\"tcp itype never\"; itype:8; sid:23;)\n");
  Scanner is(icmp);
  Packet ping = http_request("ping");
  ping.proto = 1;
  ping.src_port = ping.dst_port = 0;
  ping.icmp_type = 8;
  ping.has_icmp_echo_fields = true;
  ping.icmp_id = 4660;
  ping.icmp_seq = 1;
  CHECK(scan_sids(is, ping) == std::vector<uint32_t>{20, 22});
  ping.icmp_seq = 2;
  CHECK(scan_sids(is, ping) == std::vector<uint32_t>{20});
  Packet unreach = ping;
  unreach.icmp_type = 3;
  unreach.icmp_code = 3;
  unreach.has_icmp_echo_fields = false;
  CHECK(scan_sids(is, unreach) == std::vector<uint32_t>{21});
  unreach.icmp_code = 1;
  CHECK(scan_sids(is, unreach).empty());
}

TEST_CASE("flowbits carry state across packets of a flow", "[rules][scanner][flowbits]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"check\"; content:\"PASS\"; flowbits:isset,login; sid:3;)\n"
      "alert tcp any any -> any any (msg:\"login\"; content:\"USER\"; flowbits:set,login; flowbits:noalert; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"not yet\"; content:\"PASS\"; flowbits:isnotset,login; sid:4;)\n"
      "alert tcp any any -> any any (msg:\"logout\"; content:\"QUIT\"; flowbits:unset,login; sid:5;)\n"
      "alert tcp any any -> any any (msg:\"flip\"; content:\"FLIP\"; flowbits:toggle,f; noalert; sid:6;)\n"
      "alert tcp any any -> any any (msg:\"either\"; content:\"ANY\"; flowbits:isset,f|login; sid:7;)\n"
      "alert tcp any any -> any any (msg:\"both\"; content:\"ALL\"; flowbits:isset,f&login; sid:8;)\n");
  Scanner scanner(set);
  FlowState flow;
  auto pkt = [&](std::string_view payload) {
    Packet p = http_request(payload);
    p.flow_state = &flow;
    return p;
  };
  CHECK(scan_sids(scanner, pkt("PASS x")) == std::vector<uint32_t>{4});
  CHECK(scan_sids(scanner, pkt("ANY")).empty());
  CHECK(scan_sids(scanner, pkt("USER bob")).empty());  // noalert
  CHECK(flow.is_set(0));
  CHECK(scan_sids(scanner, pkt("PASS x")) == std::vector<uint32_t>{3});
  CHECK(scan_sids(scanner, pkt("ANY")) == std::vector<uint32_t>{7});
  CHECK(scan_sids(scanner, pkt("ALL")).empty());
  CHECK(scan_sids(scanner, pkt("FLIP")).empty());
  CHECK(scan_sids(scanner, pkt("ALL")) == std::vector<uint32_t>{8});
  CHECK(scan_sids(scanner, pkt("QUIT")) == std::vector<uint32_t>{5});
  CHECK(scan_sids(scanner, pkt("PASS x")) == std::vector<uint32_t>{4});
  CHECK(scan_sids(scanner, pkt("FLIP")).empty());
  CHECK(scan_sids(scanner, pkt("ANY")).empty());

  // Setter and checker on the same packet: the setter runs first, whatever the file order.
  FlowState other;
  Packet both = http_request("USER x PASS y");
  both.flow_state = &other;
  CHECK(scan_sids(scanner, both) == std::vector<uint32_t>{3});
  // Without flow state, isset is false and isnotset true.
  CHECK(scan_sids(scanner, http_request("PASS")) == std::vector<uint32_t>{4});
}

TEST_CASE("threshold limit, threshold, both and detection_filter on packet time", "[rules][scanner][threshold]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"limit\"; content:\"L\"; threshold:type limit, track by_src, count 2, seconds 60; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"threshold\"; content:\"T\"; threshold:type threshold,track by_dst,count 3,seconds 60; sid:2;)\n"
      "alert tcp any any -> any any (msg:\"both\"; content:\"B\"; threshold:type both, track by_rule, count 2, seconds 60; sid:3;)\n"
      "alert tcp any any -> any any (msg:\"df\"; content:\"D\"; detection_filter:track by_src, count 2, seconds 60; sid:4;)\n");
  Scanner scanner(set);
  auto at = [](std::string_view payload, int64_t second, const char* src = "192.168.1.10") {
    Packet p = tcp_packet(src, 40000, "203.0.113.5", 80, payload);
    p.timestamp = vigil::seconds(1'700'000'000 + second);
    return p;
  };
  auto fired = [&](const Packet& p) { return !scan_sids(scanner, p).empty(); };

  // limit: the first 2 per source per window.
  CHECK(fired(at("L", 0)));
  CHECK(fired(at("L", 1)));
  CHECK_FALSE(fired(at("L", 2)));
  CHECK(fired(at("L", 3, "192.168.1.11")));  // another source has its own count
  CHECK(fired(at("L", 61)));                 // new window
  CHECK(fired(at("L", 10)));                 // time went backwards (stitched capture): new window

  // threshold: every 3rd match in the window.
  std::vector<bool> t;
  for (int i = 0; i < 7; ++i) t.push_back(fired(at("T", i)));
  CHECK(t == std::vector<bool>{false, false, true, false, false, true, false});

  // both: once, at the 2nd match, per window.
  std::vector<bool> b;
  for (int i = 0; i < 4; ++i) b.push_back(fired(at("B", i, i % 2 ? "10.0.0.1" : "10.0.0.2")));
  CHECK(b == std::vector<bool>{false, true, false, false});
  CHECK_FALSE(fired(at("B", 100)));
  CHECK(fired(at("B", 101)));

  // detection_filter: every match after the first 2 in the window.
  std::vector<bool> d;
  for (int i = 0; i < 4; ++i) d.push_back(fired(at("D", i)));
  CHECK(d == std::vector<bool>{false, false, true, true});
  CHECK_FALSE(fired(at("D", 200)));

  RuleLoadReport report;
  compile("alert tcp any any -> any any (msg:\"x\"; threshold:type limit, count 1, seconds 60; sid:9;)", &report);
  REQUIRE(report.issues.size() == 1);
  CHECK_THAT(report.issues[0].reason, Catch::Contains("threshold needs"));
}

TEST_CASE("results are ordered by priority then sid, each rule once", "[rules][scanner]") {
  auto set = compile_clean(
      "alert tcp any any -> any any (msg:\"p3\"; content:\"a\"; classtype:misc-activity; sid:30;)\n"
      "alert tcp any any -> any any (msg:\"p1 high sid\"; content:\"a\"; content:\"a\"; classtype:trojan-activity; sid:20;)\n"
      "alert tcp any any -> any any (msg:\"p1 low sid\"; content:\"b\"; priority:1; sid:10;)\n"
      "alert tcp any any -> any any (msg:\"p2\"; pcre:\"/a/\"; classtype:bad-unknown; sid:5;)\n"
      "alert tcp any any -> any any (msg:\"header only\"; sid:40;)\n");
  Scanner scanner(set);
  std::vector<const RuleInfo*> alerts;
  const RuleInfo sentinel;
  alerts.push_back(&sentinel);  // scan appends, it does not clear
  scanner.scan(http_request("a b a"), alerts);
  REQUIRE(alerts.size() == 6);
  CHECK(alerts[0] == &sentinel);
  std::vector<uint32_t> sids;
  for (size_t i = 1; i < alerts.size(); ++i) sids.push_back(alerts[i]->sid);
  CHECK(sids == std::vector<uint32_t>{10, 20, 5, 30, 40});
  CHECK(alerts[1]->msg == "p1 low sid");
}

TEST_CASE("a matching pass rule silences the packet", "[rules][scanner]") {
  auto set = compile_clean(
      "pass tcp 192.168.1.99 any -> any any (msg:\"trusted scanner\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"attack\"; content:\"attack\"; sid:2;)\n");
  Scanner scanner(set);
  CHECK(scan_sids(scanner, http_request("attack")) == std::vector<uint32_t>{2});
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.99", 1, "203.0.113.5", 80, "attack")).empty());
}

TEST_CASE("non-IP packets and empty rule sets produce nothing", "[rules][scanner]") {
  Scanner empty(compile_clean("# nothing\n"));
  CHECK(scan_sids(empty, http_request("anything")).empty());
  Scanner all(compile_clean("alert ip any any -> any any (msg:\"any\"; sid:1;)"));
  Packet arp;
  CHECK(scan_sids(all, arp).empty());
  CHECK(scan_sids(all, http_request("x")) == std::vector<uint32_t>{1});
}

TEST_CASE("scanners move and share one rule set", "[rules][scanner]") {
  auto set = compile_clean("alert tcp any any -> any any (msg:\"m\"; content:\"x\"; sid:1;)");
  Scanner a(set);
  Scanner b(set);
  Scanner moved(std::move(a));
  CHECK(scan_sids(moved, http_request("x")) == std::vector<uint32_t>{1});
  CHECK(scan_sids(b, http_request("x")) == std::vector<uint32_t>{1});
  CHECK(&moved.rule_set() == set.get());
}

TEST_CASE("IP-list rules (reputation style) match by address, either way with <>", "[rules][scanner]") {
  std::string list = "[";
  for (int i = 1; i <= 200; ++i) list += "198.51.100." + std::to_string(i) + (i < 200 ? "," : "]");
  auto set = compile_clean(
      "alert ip " + list + " any -> $HOME_NET any (msg:\"bad src\"; threshold:type limit, track by_src, count 1, seconds 60; sid:1;)\n"
      "alert ip $HOME_NET any -> [203.0.113.7,203.0.113.8] any (msg:\"bad dst\"; sid:2;)\n"
      "alert tcp [192.0.2.1] any <> $HOME_NET 22 (msg:\"both ways\"; sid:3;)\n");
  Scanner scanner(set);
  CHECK(scan_sids(scanner, tcp_packet("198.51.100.77", 1, "10.0.0.1", 80, "x")) == std::vector<uint32_t>{1});
  CHECK(scan_sids(scanner, tcp_packet("198.51.100.201", 1, "10.0.0.1", 80, "x")).empty());
  CHECK(scan_sids(scanner, tcp_packet("198.51.100.77", 1, "8.8.8.8", 80, "x")).empty());
  CHECK(scan_sids(scanner, tcp_packet("10.0.0.1", 1, "203.0.113.8", 80, "x")) == std::vector<uint32_t>{2});
  CHECK(scan_sids(scanner, tcp_packet("192.0.2.1", 5555, "10.0.0.1", 22, "x")) == std::vector<uint32_t>{3});
  CHECK(scan_sids(scanner, tcp_packet("10.0.0.1", 22, "192.0.2.1", 5555, "x")) == std::vector<uint32_t>{3});
  CHECK(scan_sids(scanner, tcp_packet("10.0.0.1", 23, "192.0.2.1", 5555, "x")).empty());
}
