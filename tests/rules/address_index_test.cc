// IP-reputation style rules are found through an address index (a bit per IPv4 /16, then a binary
// search over the index's address segments). These check it against a plain model: random CIDR
// lists of many prefix lengths, probed at each range's edges and just outside them, where a /16 or
// a segment boundary would show an off-by-one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "rules_test_util.h"

using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {

std::string dotted(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
         std::to_string(a & 255);
}

struct Range {
  uint32_t lo;
  uint32_t hi;
};

}  // namespace

TEST_CASE("IP-list rules fire exactly for the addresses their CIDR lists hold", "[rules][scanner][address-index]") {
  std::mt19937 rng(1201);
  // Ranges cluster in a few /8s, so that /16s hold several segments and ranges overlap.
  const std::vector<uint32_t> bases{0xC6330000u, 0x0A000000u, 0xCB007100u, 0x5DB80000u};
  std::vector<std::vector<Range>> rules;
  std::vector<uint32_t> probes;
  std::string text;
  for (uint32_t sid = 1; sid <= 60; ++sid) {
    std::vector<Range> ranges;
    std::string list;
    const int count = std::uniform_int_distribution<int>(1, 8)(rng);
    for (int i = 0; i < count; ++i) {
      // Mostly longer than /16, so that range boundaries fall inside /16s (not only on their
      // edges) and a /16 holds several segments.
      const bool wide = std::uniform_int_distribution<int>(0, 5)(rng) == 0;
      const int prefix = wide ? std::uniform_int_distribution<int>(10, 16)(rng) : std::uniform_int_distribution<int>(17, 32)(rng);
      const uint32_t mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
      const uint32_t near = bases[std::uniform_int_distribution<size_t>(0, bases.size() - 1)(rng)];
      const uint32_t address = near + std::uniform_int_distribution<uint32_t>(0, 0x3ffff)(rng);
      const Range r{address & mask, (address & mask) | ~mask};
      ranges.push_back(r);
      list += (list.empty() ? "" : ",") + dotted(r.lo) + "/" + std::to_string(prefix);
      for (uint32_t p : {r.lo - 1, r.lo, r.lo + 1, r.hi - 1, r.hi, r.hi + 1}) probes.push_back(p);
    }
    text += "alert ip [" + list + "] any -> any any (msg:\"listed\"; sid:" + std::to_string(sid) + ";)\n";
    rules.push_back(ranges);
  }
  for (int i = 0; i < 300; ++i) {
    const uint32_t near = bases[std::uniform_int_distribution<size_t>(0, bases.size() - 1)(rng)];
    probes.push_back(near + std::uniform_int_distribution<uint32_t>(0, 0x7ffff)(rng));
  }
  Scanner scanner(compile_clean(text));
  size_t listed = 0;
  for (uint32_t probe : probes) {
    std::vector<uint32_t> expected;
    for (uint32_t sid = 1; sid <= rules.size(); ++sid) {
      const auto& ranges = rules[sid - 1];
      if (std::any_of(ranges.begin(), ranges.end(), [&](const Range& r) { return probe >= r.lo && probe <= r.hi; })) {
        expected.push_back(sid);
      }
    }
    listed += expected.empty() ? 0 : 1;
    INFO("source " << dotted(probe));
    CHECK(scan_sids(scanner, tcp_packet(dotted(probe), 1234, "192.0.2.200", 80, "")) == expected);
  }
  CHECK(listed > probes.size() / 3);  // the probes are not mostly misses
}

TEST_CASE("IP-list rules on IPv6 and IPv4 lists side by side", "[rules][scanner][address-index]") {
  auto set = compile_clean(
      "alert ip [2001:db8::/32,198.51.100.0/24] any -> any any (msg:\"mixed\"; sid:1;)\n"
      "alert ip [2001:db8:1::/48] any -> any any (msg:\"v6\"; sid:2;)\n");
  Scanner scanner(set);
  CHECK(scan_sids(scanner, tcp_packet("2001:db8:1::5", 1, "2001:db8:ffff::1", 80, "")) == std::vector<uint32_t>{1, 2});
  CHECK(scan_sids(scanner, tcp_packet("2001:db8:2::5", 1, "2001:db8:ffff::1", 80, "")) == std::vector<uint32_t>{1});
  CHECK(scan_sids(scanner, tcp_packet("2001:db9::1", 1, "2001:db8:ffff::1", 80, "")).empty());
  CHECK(scan_sids(scanner, tcp_packet("198.51.100.255", 1, "192.0.2.1", 80, "")) == std::vector<uint32_t>{1});
  CHECK(scan_sids(scanner, tcp_packet("198.51.101.0", 1, "192.0.2.1", 80, "")).empty());
}
