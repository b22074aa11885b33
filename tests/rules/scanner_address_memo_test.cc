// The Scanner remembers, per address, which $HOME_NET-like address sets it is in (two addresses:
// the current flow's ends). These check that the answers stay right as packets change direction,
// flow and addresses, and past the 64 sets the memo holds.
#include <catch2/catch.hpp>

#include <string>

#include "rules_test_util.h"

using namespace vigil;
using namespace vigil::rules;
using namespace vigil::rules::testing;

TEST_CASE("address sets stay right across directions, flows and changing addresses", "[rules][scanner][gate]") {
  auto set = compile_clean(
      "alert tcp $HOME_NET any -> $EXTERNAL_NET any (msg:\"out\"; content:\"x\"; sid:1;)\n"
      "alert tcp $EXTERNAL_NET any -> $HOME_NET any (msg:\"in\"; content:\"x\"; sid:2;)\n"
      "alert tcp [10.1.2.3] any -> $HOME_NET any (msg:\"inside host\"; content:\"x\"; sid:3;)\n");
  Scanner scanner(set);
  const auto sids = [&](const char* src, const char* dst) {
    return scan_sids(scanner, tcp_packet(src, 40000, dst, 80, "x"));
  };
  const std::vector<uint32_t> none;
  CHECK(sids("192.168.1.10", "203.0.113.5") == std::vector<uint32_t>{1});
  CHECK(sids("203.0.113.5", "192.168.1.10") == std::vector<uint32_t>{2});  // the same flow, other way
  CHECK(sids("192.168.1.10", "203.0.113.5") == std::vector<uint32_t>{1});
  CHECK(sids("10.0.0.7", "10.0.0.8") == none);  // a new flow, both ends inside
  CHECK(sids("10.0.0.8", "203.0.113.5") == std::vector<uint32_t>{1});  // one end kept, one new
  CHECK(sids("203.0.113.5", "203.0.113.5") == none);  // both ends one outside address
  CHECK(sids("10.1.2.3", "192.168.1.10") == std::vector<uint32_t>{3});
  CHECK(sids("203.0.113.9", "10.1.2.3") == std::vector<uint32_t>{2});
  CHECK(sids("192.168.1.10", "203.0.113.5") == std::vector<uint32_t>{1});
}

TEST_CASE("rules naming more distinct address sets than the memo holds still match exactly", "[rules][scanner][gate]") {
  std::string text;
  for (int i = 0; i < 80; ++i) {
    text += "alert tcp [10.0." + std::to_string(i) + ".0/24] any -> any any (msg:\"net " + std::to_string(i) +
            "\"; content:\"x\"; sid:" + std::to_string(i + 1) + ";)\n";
  }
  Scanner scanner(compile_clean(text));
  for (int i : {0, 3, 63, 64, 70, 79}) {
    const std::string src = "10.0." + std::to_string(i) + ".5";
    CHECK(scan_sids(scanner, tcp_packet(src, 40000, "203.0.113.5", 80, "x")) ==
          std::vector<uint32_t>{static_cast<uint32_t>(i + 1)});
  }
  CHECK(scan_sids(scanner, tcp_packet("10.0.80.5", 40000, "203.0.113.5", 80, "x")).empty());
}

TEST_CASE("rules found by address alert whichever end and memo slot the listed address is in",
          "[rules][scanner][ip-only]") {
  // Rules found through the address indexes (IP-only, and header-only rules with a short address
  // side): a listed address must be found as source and as destination, when it replaces either
  // remembered end of the flow, and after packets between unlisted addresses.
  auto set = compile_clean(
      "alert ip [198.51.100.7] any -> any any (msg:\"ip-only from\"; sid:1;)\n"
      "alert ip any any -> [198.51.100.8] any (msg:\"ip-only to\"; sid:2;)\n"
      "alert tcp [198.51.100.9] any -> any any (msg:\"syn from\"; flags:S; sid:3;)\n"
      "alert tcp any any -> [198.51.100.9] any (msg:\"syn to\"; flags:S; sid:4;)\n");
  Scanner scanner(set);
  const auto sids = [&](const char* src, const char* dst) {
    Packet p = tcp_packet(src, 40000, dst, 80, "");
    p.tcp_flags = kTcpSyn;
    return scan_sids(scanner, p);  // no flow: every packet is the first of its direction
  };
  const std::vector<uint32_t> none;
  CHECK(sids("192.168.1.10", "203.0.113.5") == none);
  CHECK(sids("192.168.1.10", "198.51.100.8") == std::vector<uint32_t>{2});  // listed end replaces one
  CHECK(sids("198.51.100.8", "192.168.1.10") == none);                      // same ends, other way
  CHECK(sids("198.51.100.7", "198.51.100.8") == (std::vector<uint32_t>{1, 2}));
  CHECK(sids("203.0.113.5", "192.168.1.10") == none);  // both listed ends forgotten
  CHECK(sids("198.51.100.9", "192.168.1.10") == std::vector<uint32_t>{3});
  CHECK(sids("192.168.1.10", "198.51.100.9") == std::vector<uint32_t>{4});
  CHECK(sids("198.51.100.9", "198.51.100.9") == (std::vector<uint32_t>{3, 4}));
  CHECK(sids("203.0.113.5", "198.51.100.7") == none);  // ip-only sid 1 lists its source side only
}
