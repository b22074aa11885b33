// Candidates are dropped by their header facts while they are gathered (RuleGate) and, when the
// gate covered the addresses, only the ports are checked after it: every header part must still
// decide exactly as header_matches would.
#include <string>

#include "rules_test_util.h"

using namespace vigil::rules;
using namespace vigil::rules::testing;

TEST_CASE("gate: a multi-range client port list still decides when the addresses are gate sets",
          "[rules][scanner][gate]") {
  // Both sides are gate address sets; the source port list has two ranges, which the gate does not
  // check: the port part of the header must still run.
  Scanner scanner(compile_clean(
      "alert tcp $HOME_NET [1024:2000,3000:4000] -> $EXTERNAL_NET 80 (msg:\"ports\"; content:\"abc\"; sid:1;)\n"
      "alert tcp $HOME_NET any -> $EXTERNAL_NET 80 (msg:\"plain\"; flow:established; sid:2;)\n"
      "alert tcp $HOME_NET [1024:2000,3000:4000] -> $EXTERNAL_NET 80 (msg:\"no payload\"; flags:AP; sid:3;)\n"));
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 1500, "203.0.113.5", 80, "abc")) ==
        std::vector<uint32_t>{1, 2, 3});
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 3500, "203.0.113.5", 80, "abc")) ==
        std::vector<uint32_t>{1, 2, 3});
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 2500, "203.0.113.5", 80, "abc")) ==
        std::vector<uint32_t>{2});
  // The address sides, either way round.
  CHECK(scan_sids(scanner, tcp_packet("203.0.113.5", 1500, "192.168.1.10", 80, "abc")).empty());
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 1500, "192.168.1.11", 80, "abc")).empty());
  // Flow state is a gate fact too.
  Packet early = tcp_packet("192.168.1.10", 1500, "203.0.113.5", 80, "abc");
  early.established = false;
  CHECK(scan_sids(scanner, early) == std::vector<uint32_t>{1, 3});
}

TEST_CASE("gate: a single-range client port is decided by the gate alone, at both ends of the range",
          "[rules][scanner][gate]") {
  // Both address sides are gate sets and both port lists single ranges: nothing is left to check after
  // the gate, so its own client-port bounds are all that decides (a swapped or off-by-one bound shows).
  Scanner scanner(compile_clean(
      "alert tcp $HOME_NET 1024:2000 -> $EXTERNAL_NET 80 (msg:\"client ports\"; flags:AP; sid:4;)\n"
      "alert tcp $HOME_NET 1024:2000 -> $EXTERNAL_NET 80 (msg:\"client ports, content\"; content:\"abc\"; sid:5;)\n"));
  for (const uint16_t port : {1024, 1500, 2000}) {
    INFO("client port " << port);
    CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", port, "203.0.113.5", 80, "abc")) ==
          std::vector<uint32_t>{4, 5});
  }
  for (const uint16_t port : {1023, 2001, 2500}) {
    INFO("client port " << port);
    CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", port, "203.0.113.5", 80, "abc")).empty());
  }
}

TEST_CASE("gate: a `<>` rule is matched either way round, addresses and ports", "[rules][scanner][gate]") {
  Scanner scanner(compile_clean(
      "alert tcp $HOME_NET 1000 <> $EXTERNAL_NET [80,8080] (msg:\"both\"; content:\"abc\"; sid:1;)\n"));
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 1000, "203.0.113.5", 8080, "abc")) ==
        std::vector<uint32_t>{1});
  CHECK(scan_sids(scanner, tcp_packet("203.0.113.5", 80, "192.168.1.10", 1000, "abc")) ==
        std::vector<uint32_t>{1});
  CHECK(scan_sids(scanner, tcp_packet("203.0.113.5", 1000, "192.168.1.10", 80, "abc")).empty());
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 1000, "192.168.1.11", 80, "abc")).empty());
}

TEST_CASE("gate: IP-only rules with wide address lists on both sides match by address", "[rules][scanner][ip-only]") {
  // Spamhaus DROP style: a source list of millions of addresses against $HOME_NET. Such rules are
  // found through an address index (on the first packet of each flow direction), not by class.
  Scanner scanner(compile_clean(
      "alert ip [27.146.0.0/16,36.116.0.0/15,36.119.0.0/16,38.54.20.0/24] any -> $HOME_NET any "
      "(msg:\"drop group\"; sid:2400001;)\n"
      "alert ip [5.0.0.0/9] any -> $HOME_NET any (msg:\"wide\"; sid:2400002;)\n"));
  CHECK(scan_sids(scanner, tcp_packet("36.117.200.1", 5555, "192.168.1.10", 22, "")) ==
        std::vector<uint32_t>{2400001});
  CHECK(scan_sids(scanner, tcp_packet("5.127.0.1", 5555, "10.1.2.3", 22, "")) == std::vector<uint32_t>{2400002});
  CHECK(scan_sids(scanner, tcp_packet("36.118.0.1", 5555, "192.168.1.10", 22, "")).empty());
  CHECK(scan_sids(scanner, tcp_packet("36.117.200.1", 5555, "203.0.113.5", 22, "")).empty());
  Packet later = tcp_packet("36.117.200.1", 5555, "192.168.1.10", 22, "");
  later.first_in_direction = false;  // IP-only rules run on a flow direction's first packet only
  CHECK(scan_sids(scanner, later).empty());
}

TEST_CASE("gate: with more than 64 short address sets each rule still matches on its own set",
          "[rules][scanner][gate]") {
  // Gate set ids (at most 64) go to the sets most rules name. 70 sets named once each come first
  // in load order, then $EXTERNAL_NET three times: it gets an id, some single-use sets do not, and
  // every rule must decide by its own addresses either way.
  std::string text;
  for (int i = 0; i < 70; ++i) {
    text += "alert tcp [100." + std::to_string(i) + ".0.0/16,172.16.0.1] any -> any 80 (msg:\"set " +
            std::to_string(i) + "\"; content:\"abc\"; sid:" + std::to_string(100 + i) + ";)\n";
  }
  for (int i = 0; i < 3; ++i) {
    text += "alert tcp $HOME_NET any -> $EXTERNAL_NET 80 (msg:\"out " + std::to_string(i) +
            "\"; content:\"abc\"; sid:" + std::to_string(900 + i) + ";)\n";
  }
  Scanner scanner(compile_clean(text));
  CHECK(scan_sids(scanner, tcp_packet("100.0.1.1", 5555, "203.0.113.5", 80, "abc")) == std::vector<uint32_t>{100});
  CHECK(scan_sids(scanner, tcp_packet("100.69.1.1", 5555, "203.0.113.5", 80, "abc")) == std::vector<uint32_t>{169});
  CHECK(scan_sids(scanner, tcp_packet("100.70.1.1", 5555, "203.0.113.5", 80, "abc")).empty());
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 5555, "203.0.113.5", 80, "abc")) ==
        std::vector<uint32_t>{900, 901, 902});
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 5555, "192.168.1.11", 80, "abc")).empty());
  CHECK(scan_sids(scanner, tcp_packet("100.5.0.1", 5555, "192.168.1.11", 80, "abc")) == std::vector<uint32_t>{105});
  std::vector<uint32_t> shared(70);
  for (uint32_t i = 0; i < 70; ++i) shared[i] = 100 + i;
  CHECK(scan_sids(scanner, tcp_packet("172.16.0.1", 5555, "192.168.1.11", 80, "abc")) == shared);
}

TEST_CASE("gate: a rule whose flags need SYN is not checked on packets without SYN, and still matches SYNs",
          "[rules][scanner][gate][profile]") {
  auto set = compile_clean(
      "alert tcp $HOME_NET any -> $EXTERNAL_NET 22 (msg:\"syn\"; flow:to_server; flags:S,12; sid:1;)\n"
      "alert tcp any any -> any 22 (msg:\"syn plus\"; flags:S+; sid:2;)\n"
      "alert tcp any any -> any 22 (msg:\"any of S\"; flags:*S; sid:3;)\n"
      "alert tcp any any -> any 22 (msg:\"any of SF\"; flags:*SF; sid:4;)\n"
      "alert tcp any any -> any 22 (msg:\"syn ack\"; flags:SA; content:\"x\"; sid:5;)\n");
  Scanner scanner(set);
  RuleProfile profile;
  scanner.set_profile(&profile);
  Packet p = tcp_packet("192.168.1.10", 40000, "203.0.113.5", 22, "");
  p.tcp_flags = kTcpAck;
  CHECK(scan_sids(scanner, p).empty());
  for (size_t i = 0; i < 3; ++i) CHECK(profile[i].checks == 0);  // sids 1-3: turned away by the gate
  CHECK(profile[3].checks == 1);  // *SF: a FIN alone would do, so the rule itself decides
  p.tcp_flags = kTcpFin;
  CHECK(scan_sids(scanner, p) == std::vector<uint32_t>{4});
  p.tcp_flags = kTcpSyn;
  CHECK(scan_sids(scanner, p) == std::vector<uint32_t>{1, 2, 3, 4});
  p.tcp_flags = kTcpSyn | 0x40;  // ECE, ignored by `S,12`
  CHECK(scan_sids(scanner, p) == std::vector<uint32_t>{1, 2, 3, 4});
  Packet synack = tcp_packet("192.168.1.10", 40000, "203.0.113.5", 22, "x");
  synack.tcp_flags = kTcpSyn | kTcpAck;
  CHECK(scan_sids(scanner, synack) == std::vector<uint32_t>{2, 3, 4, 5});
  synack.tcp_flags = kTcpAck;
  CHECK(scan_sids(scanner, synack).empty());
  // Not TCP: flags never match, with or without the gate.
  Packet udp = tcp_packet("192.168.1.10", 40000, "203.0.113.5", 22, "x");
  udp.proto = 17;
  udp.tcp_flags = kTcpSyn;
  CHECK(scan_sids(scanner, udp).empty());
}
