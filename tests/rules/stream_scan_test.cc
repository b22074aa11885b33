// Scanner::scan_stream: the stream-mode database over reassembled bytes handed in segment by
// segment, and how stream matches combine with packet matches.
#include <catch2/catch.hpp>

#include "rules_test_util.h"
#include "vigil/rules/stream_context.h"

using namespace vigil;
using namespace vigil::rules;
using namespace vigil::rules::testing;

namespace {

std::vector<uint32_t> sids_of(const std::vector<const RuleInfo*>& alerts) {
  std::vector<uint32_t> out;
  for (const RuleInfo* a : alerts) out.push_back(a->sid);
  return out;
}

// Scans one segment as the sensors do: packet first, then its new bytes on the stream.
std::vector<uint32_t> segment(Scanner& scanner, StreamContext& stream, std::string& history, std::string_view data) {
  Packet p = http_request(data);
  std::vector<const RuleInfo*> alerts;
  scanner.scan(p, alerts);
  scanner.scan_stream(p, stream, history, data, alerts);
  history += data;
  return sids_of(alerts);
}

const char* kRules =
    "alert tcp any any -> any any (msg:\"plain\"; content:\"evilcmd\"; sid:1;)\n"
    "alert tcp any any -> any any (msg:\"chain\"; content:\"USER \"; content:\"root\"; distance:0; "
    "fast_pattern; sid:2;)\n"
    "alert tcp-stream any any -> any any (msg:\"stream only\"; content:\"evilcmd\"; sid:3;)\n"
    "alert tcp-pkt any any -> any any (msg:\"packet only\"; content:\"evilcmd\"; sid:4;)\n"
    "alert tcp any any -> any any (msg:\"small packet\"; dsize:<100; content:\"evilcmd\"; sid:5;)\n"
    "alert udp any any -> any any (msg:\"udp\"; content:\"evilcmd\"; sid:6;)\n";

}  // namespace

TEST_CASE("stream scan: a pattern split across segments matches once, on the completing segment",
          "[rules][stream]") {
  Scanner scanner(compile_clean(kRules));
  StreamContext stream;
  std::string history;
  CHECK(segment(scanner, stream, history, "run evi").empty());
  CHECK(segment(scanner, stream, history, "lcmd now") == std::vector<uint32_t>{1, 3});
  CHECK(segment(scanner, stream, history, " and later").empty());
  CHECK(stream.open());
  CHECK(stream.scanned() == 25);
}

TEST_CASE("stream scan: a pattern inside one segment alerts from the packet only, stream-only rules from the stream",
          "[rules][stream]") {
  Scanner scanner(compile_clean(kRules));
  StreamContext stream;
  std::string history;
  CHECK(segment(scanner, stream, history, "run evilcmd now") == std::vector<uint32_t>{1, 3, 4, 5});
  // Twice in one packet: still once per rule.
  CHECK(segment(scanner, stream, history, "evilcmd evilcmd") == std::vector<uint32_t>{1, 3, 4, 5});
}

TEST_CASE("stream scan: a content chain across segments is verified against the history", "[rules][stream]") {
  Scanner scanner(compile_clean(kRules));
  StreamContext stream;
  std::string history;
  CHECK(segment(scanner, stream, history, "USER ").empty());
  CHECK(segment(scanner, stream, history, "root\r\n") == std::vector<uint32_t>{2});
  // The same chain again later in a single segment is the packet's own match, reported once.
  CHECK(segment(scanner, stream, history, "USER root\r\n") == std::vector<uint32_t>{2});
  // A new "root" does not re-report the chain already completed in the history.
  CHECK(segment(scanner, stream, history, "root").empty());
}

TEST_CASE("stream scan: after a reset nothing joins across the gap", "[rules][stream]") {
  Scanner scanner(compile_clean(kRules));
  StreamContext stream;
  std::string history;
  CHECK(segment(scanner, stream, history, "run evi").empty());
  stream.reset();
  history.clear();
  CHECK(segment(scanner, stream, history, "lcmd now").empty());
  CHECK(stream.scanned() == 8);
}

TEST_CASE("stream scan: without a stream database nothing happens", "[rules][stream]") {
  Scanner scanner(compile_clean("alert udp any any -> any any (msg:\"u\"; content:\"abc\"; sid:1;)\n"));
  StreamContext stream;
  std::vector<const RuleInfo*> alerts;
  Packet p = http_request("abc");
  scanner.scan_stream(p, stream, "", "abc", alerts);
  CHECK(alerts.empty());
  CHECK_FALSE(stream.open());
}
