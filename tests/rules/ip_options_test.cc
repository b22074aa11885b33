// `ipopts`: which IPv4 options a header carries, read as Suricata's decoder reads them.
#include "rules_test_util.h"

using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {

// A 20-byte IPv4 header followed by `options` (padded by the caller to a multiple of 4).
std::string ipv4_header(const std::string& options) {
  std::string h(20, '\0');
  h[0] = static_cast<char>(0x40 | ((20 + options.size()) / 4));
  h[8] = 64;
  h[9] = 6;
  return h + options;
}

std::vector<uint32_t> sids_for(Scanner& scanner, const std::string& header) {
  Packet p = tcp_packet("9.10.11.12", 20, "13.14.15.16", 80, "");
  p.ip_header = header;
  return scan_sids(scanner, p);
}

}  // namespace

TEST_CASE("ipopts matches the options in the IPv4 header", "[rules][scanner][ipopts]") {
  auto set = compile_clean(
      "alert ip any any -> any any (msg:\"rr\"; ipopts:rr; sid:1;)\n"
      "alert ip any any -> any any (msg:\"lsrr\"; ipopts:lsrr; sid:2;)\n"
      "alert ip any any -> any any (msg:\"eol\"; ipopts:eol; sid:3;)\n"
      "alert ip any any -> any any (msg:\"nop\"; ipopts:nop; sid:4;)\n"
      "alert ip any any -> any any (msg:\"ts\"; ipopts:ts; sid:5;)\n"
      "alert ip any any -> any any (msg:\"sec\"; ipopts:sec; sid:6;)\n"
      "alert ip any any -> any any (msg:\"any\"; ipopts:any; sid:9;)\n");
  Scanner scanner(set);
  using S = std::vector<uint32_t>;
  // Record route with room for one address (pointer 4), then EOL.
  CHECK(sids_for(scanner, ipv4_header(std::string("\x07\x07\x04\0\0\0\0\0", 8))) == S{1, 3, 9});
  // Loose source route with two addresses, then EOL.
  CHECK(sids_for(scanner, ipv4_header(std::string("\x83\x0b\x04\x01\x02\x03\x04\x05\x06\x07\x08\0", 12))) ==
        S{2, 3, 9});
  // NOP, NOP, NOP, EOL.
  CHECK(sids_for(scanner, ipv4_header(std::string("\x01\x01\x01\0", 4))) == S{3, 4, 9});
  // Timestamp, timestamps only (flag 0), pointer 5: one empty record.
  CHECK(sids_for(scanner, ipv4_header(std::string("\x44\x08\x05\0\0\0\0\0", 8))) == S{5, 9});
  // Security (RFC 1108, 11 bytes), then EOL.
  CHECK(sids_for(scanner, ipv4_header(std::string("\x82\x0b\0\0\0\0\0\0\0\0\0\0", 12))) == S{3, 6, 9});
  // Basic security of 3 bytes (RFC 1108 lets it vary), NOP: counted; 2 bytes is too short.
  CHECK(sids_for(scanner, ipv4_header(std::string("\x82\x03\x01\x01", 4))) == S{4, 6, 9});
  CHECK(sids_for(scanner, ipv4_header(std::string("\x82\x02\x01\x01", 4))) == S{4, 9});
  // No options, and not IPv4 at all: nothing.
  CHECK(sids_for(scanner, ipv4_header("")).empty());
  CHECK(sids_for(scanner, "").empty());
}

TEST_CASE("ipopts ignores options whose layout is invalid", "[rules][scanner][ipopts]") {
  auto set = compile_clean(
      "alert ip any any -> any any (msg:\"rr\"; ipopts:rr; sid:1;)\n"
      "alert ip any any -> any any (msg:\"nop\"; ipopts:nop; sid:4;)\n"
      "alert ip any any -> any any (msg:\"any\"; ipopts:any; sid:9;)\n");
  Scanner scanner(set);
  // Record route whose pointer (5) is not on an address boundary: not counted, the NOP is.
  CHECK(sids_for(scanner, ipv4_header(std::string("\x07\x07\x05\0\0\0\0\x01", 8))) == std::vector<uint32_t>{4, 9});
  // An option length that runs past the header: the header's options are not trusted at all.
  CHECK(sids_for(scanner, ipv4_header(std::string("\x01\x07\x20\x04", 4))).empty());
  // Truncated: fewer bytes than the header length says are not read past.
  std::string cut = ipv4_header(std::string("\x07\x07\x04\0\0\0\0\0", 8));
  CHECK(sids_for(scanner, cut.substr(0, 24)).empty());
}

TEST_CASE("ipopts values that Suricata does not know are rejected, prefilter is accepted", "[rules][parser]") {
  RuleLoadReport report;
  compile("alert ip any any -> any any (ipopts:bogus; sid:1;)\n"
          "alert ip any any -> any any (ttl:64; prefilter; sid:2;)\n",
          &report);
  REQUIRE(report.issues.size() == 1);
  CHECK(report.issues[0].sid == 1);
  CHECK_THAT(report.issues[0].reason, Catch::Contains("ipopts"));
}
