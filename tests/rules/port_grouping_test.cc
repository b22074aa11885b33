// The fast-pattern databases are split by protocol, flow direction and server port: whatever the
// split, every rule must still alert exactly where its header says it applies.
#include <algorithm>
#include <string>

#include "rules_test_util.h"

using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {

Packet to_client(uint16_t server_port, std::string_view payload) {
  Packet p = tcp_packet("203.0.113.5", server_port, "192.168.1.10", 40000, payload);
  p.to_server = false;
  return p;
}

}  // namespace

TEST_CASE("grouping: many distinct port lists still alert on each of their ports", "[rules][grouping]") {
  // Ten single-port rules: more distinct port lists than a (protocol, direction) gets tables of
  // its own, so most share one table; each must still fire on its port only.
  std::string text;
  for (int i = 0; i < 10; ++i) {
    text += "alert tcp any any -> any " + std::to_string(1000 + i) + " (msg:\"p\"; content:\"needle\"; sid:" +
            std::to_string(100 + i) + ";)\n";
  }
  text += "alert tcp any any -> any any (msg:\"any\"; content:\"needle\"; sid:99;)\n";
  Scanner scanner(compile_clean(text));
  for (int i = 0; i < 10; ++i) {
    const auto port = static_cast<uint16_t>(1000 + i);
    CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 40000, "203.0.113.5", port, "a needle")) ==
          std::vector<uint32_t>{99, static_cast<uint32_t>(100 + i)});
  }
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 40000, "203.0.113.5", 2000, "a needle")) ==
        std::vector<uint32_t>{99});
}

TEST_CASE("grouping: direction and server port decide which rules a packet meets", "[rules][grouping]") {
  Scanner scanner(compile_clean(
      "alert tcp any any -> any 80 (msg:\"to server\"; flow:to_server; content:\"abc\"; sid:1;)\n"
      "alert tcp any 80 -> any any (msg:\"to client\"; flow:to_client; content:\"abc\"; sid:2;)\n"
      "alert tcp any any <> any 8080 (msg:\"either way\"; content:\"abc\"; sid:3;)\n"
      "alert udp any any -> any 80 (msg:\"udp\"; content:\"abc\"; sid:4;)\n"
      "alert tcp-stream any any -> any 80 (msg:\"stream only\"; content:\"abc\"; sid:5;)\n"));
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 40000, "203.0.113.5", 80, "abc")) ==
        std::vector<uint32_t>{1});
  CHECK(scan_sids(scanner, to_client(80, "abc")) == std::vector<uint32_t>{2});
  // `<>`: port 8080 on either side, in either flow direction.
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 40000, "203.0.113.5", 8080, "abc")) ==
        std::vector<uint32_t>{3});
  CHECK(scan_sids(scanner, to_client(8080, "abc")) == std::vector<uint32_t>{3});
  // A to-server packet whose source port is 8080 (the rule's port on the client side).
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 8080, "203.0.113.5", 5555, "abc")) ==
        std::vector<uint32_t>{3});
  Packet udp = tcp_packet("192.168.1.10", 40000, "203.0.113.5", 80, "abc");
  udp.proto = 17;
  CHECK(scan_sids(scanner, udp) == std::vector<uint32_t>{4});
}

TEST_CASE("grouping: more distinct port selections than a byte holds still alert on each port", "[rules][grouping]") {
  // 300 header-only rules on 300 ports: each port selects its own plain list, more than the 256 a
  // compact selection map holds, so select() asks the per-port maps (which are then kept).
  std::string text;
  for (int i = 0; i < 300; ++i) {
    text += "alert tcp any any -> any " + std::to_string(2000 + i) + " (msg:\"p\"; flags:S; sid:" +
            std::to_string(1000 + i) + ";)\n";
  }
  text += "alert tcp any any -> any 80 (msg:\"content\"; content:\"needle\"; sid:7;)\n";
  Scanner scanner(compile_clean(text));
  for (int i = 0; i < 300; i += 37) {
    Packet syn = tcp_packet("192.168.1.10", 40000, "203.0.113.5", static_cast<uint16_t>(2000 + i), "");
    syn.tcp_flags = kTcpSyn;
    CHECK(scan_sids(scanner, syn) == std::vector<uint32_t>{static_cast<uint32_t>(1000 + i)});
  }
  Packet other = tcp_packet("192.168.1.10", 40000, "203.0.113.5", 1999, "");
  other.tcp_flags = kTcpSyn;
  CHECK(scan_sids(scanner, other).empty());
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 40000, "203.0.113.5", 80, "a needle")) ==
        std::vector<uint32_t>{7});
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 40000, "203.0.113.5", 81, "a needle")).empty());
}

TEST_CASE("grouping: a fast pattern shared by 255 or by 300 rules alerts for every one of them", "[rules][grouping]") {
  // A block table reports a pattern by its rule span (first << 8 | count) while every pattern has
  // fewer than 256 rules; a table with a larger one keeps plain pattern numbers. Both must find all.
  for (const int count : {255, 300}) {
    std::string text;
    for (int sid = 1; sid <= count; ++sid) {
      text += "alert tcp any any -> any 80 (msg:\"shared\"; content:\"sharedpattern\"; sid:" + std::to_string(sid) +
              ";)\n";
    }
    text += "alert tcp any any -> any 80 (msg:\"other\"; content:\"otherpattern\"; sid:5000;)\n";
    Scanner scanner(compile_clean(text));
    const auto sids = scan_sids(scanner, http_request("GET /sharedpattern otherpattern"));
    CHECK(sids.size() == static_cast<size_t>(count) + 1);
    CHECK(std::count(sids.begin(), sids.end(), 5000u) == 1);
    CHECK(scan_sids(scanner, http_request("GET /otherpattern")) == std::vector<uint32_t>{5000});
  }
}

TEST_CASE("grouping: in the table many port lists share, a pattern alerts only on its rules' ports",
          "[rules][grouping]") {
  // Fourteen ports with a pattern of their own, more lists than the shared table has port groups
  // (10), so some groups hold several lists; a range and a `<>` rule cross them; an any-port rule
  // and a to-client rule sit in the same tables. A scanner skips a hit on a pattern none of whose
  // rules takes the packet's server port: every pattern on every port must still give exactly
  // the alerts its rules' headers allow.
  std::string text;
  for (int i = 0; i < 14; ++i) {
    text += "alert tcp any any -> any " + std::to_string(1000 + i) + " (msg:\"p\"; content:\"needle-" +
            std::to_string(i) + "-\"; sid:" + std::to_string(100 + i) + ";)\n";
  }
  text += "alert tcp any any -> any 1003:1006 (msg:\"range\"; content:\"ranged\"; sid:200;)\n";
  text += "alert tcp any any <> any 1011 (msg:\"either\"; content:\"either\"; sid:201;)\n";
  text += "alert tcp any any -> any any (msg:\"any\"; content:\"anyport\"; sid:202;)\n";
  text += "alert tcp any 1008 -> any any (msg:\"client\"; flow:to_client; content:\"reply\"; sid:203;)\n";
  Scanner scanner(compile_clean(text));
  for (int port_index = 0; port_index < 16; ++port_index) {
    const auto port = static_cast<uint16_t>(999 + port_index);  // 999 and 1014 have no rule of their own
    INFO("server port " << port);
    for (int i = 0; i < 14; ++i) {
      const std::string payload = "x needle-" + std::to_string(i) + "- y";
      const std::vector<uint32_t> expected =
          port == 1000 + i ? std::vector<uint32_t>{static_cast<uint32_t>(100 + i)} : std::vector<uint32_t>{};
      CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 40000, "203.0.113.5", port, payload)) == expected);
    }
    const bool in_range = port >= 1003 && port <= 1006;
    CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 40000, "203.0.113.5", port, "ranged")) ==
          (in_range ? std::vector<uint32_t>{200} : std::vector<uint32_t>{}));
    CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 40000, "203.0.113.5", port, "either")) ==
          (port == 1011 ? std::vector<uint32_t>{201} : std::vector<uint32_t>{}));
    CHECK(scan_sids(scanner, to_client(port, "either")) ==
          (port == 1011 ? std::vector<uint32_t>{201} : std::vector<uint32_t>{}));
    CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 40000, "203.0.113.5", port, "anyport needle-13-")) ==
          (port == 1013 ? std::vector<uint32_t>{113, 202} : std::vector<uint32_t>{202}));
    CHECK(scan_sids(scanner, to_client(port, "reply")) ==
          (port == 1008 ? std::vector<uint32_t>{203} : std::vector<uint32_t>{}));
  }
  // `<>` with 1011 as the client port of a to-server packet.
  CHECK(scan_sids(scanner, tcp_packet("192.168.1.10", 1011, "203.0.113.5", 5555, "either")) ==
        std::vector<uint32_t>{201});
}
