// `vigil rules lint` and `vigil rules test` as a rule writer runs them: what is listed, the
// summary, the exit codes, expected counts and --explain on real captures.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "run_command.h"

using nlohmann::json;
using vigil::test::run_vigil;
using vigil::test::split_lines;
using vigil::test::TempDir;
using vigil::test::write_file;

namespace {

const std::string kSample = VIGIL_SOURCE_DIR "/samples/sample.pcap";
const std::string kDefaultRules = VIGIL_SOURCE_DIR "/config/rules";
const std::filesystem::path kShared = VIGIL_SHARED_DIR;
const std::filesystem::path kDistanceWithin = kShared / "corpus/suricata-verify/alert-distance-within-1";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A comment, two good rules, a syntax error (line 4) and an unsupported keyword (line 5).
const std::string kMixedRules =
    "# local rules\n"
    "alert tcp any any -> any 80 (msg:\"good one\"; content:\"GET\"; sid:1000001; rev:1;)\n"
    "alert udp any any -> any 53 (msg:\"good two\"; dsize:>100; sid:1000002;)\n"
    "alert tcp any any -> any any (msg:\"bad depth\"; content:\"x\"; depth:abc; sid:1000003;)\n"
    "alert tcp any any -> any any (msg:\"lua\"; lua:script.lua; sid:1000004;)\n";

}  // namespace

TEST_CASE("rules lint lists each rule that does not load, then loaded and skipped counts, exit 1", "[cli][rules]") {
  TempDir dir;
  const std::string file = dir.file("local.rules");
  write_file(file, kMixedRules);
  const auto r = run_vigil({"rules", "lint", file});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const auto lines = split_lines(r.out);
  REQUIRE(lines.size() >= 6);
  CHECK(lines[0].rfind(file + ":4: sid 1000003: ", 0) == 0);
  CHECK(contains(lines[0], "depth"));
  CHECK(lines[1] == file + ":5: sid 1000004: unsupported keyword 'lua'");
  CHECK(lines[2] == "Rules loaded: 2");
  CHECK(lines[3] == "Rules skipped: 2");
  CHECK(lines[4] == "Skipped by reason:");
  // Equal counts: sorted by reason.
  CHECK(lines[5].rfind("  1  ", 0) == 0);
  CHECK(lines.back() == "  1  unsupported keyword 'lua'");
}

TEST_CASE("rules lint --json gives the same facts for scripts, a clean file exits 0, a missing one 2",
          "[cli][rules]") {
  TempDir dir;
  const std::string file = dir.file("local.rules");
  write_file(file, kMixedRules);
  const auto r = run_vigil({"rules", "lint", "--json", file});
  REQUIRE(r.exit_code == 1);
  const json out = json::parse(r.out);
  CHECK(out["loaded"] == 2);
  CHECK(out["skipped"] == 2);
  REQUIRE(out["issues"].size() == 2);
  CHECK(out["issues"][1]["line"] == 5);
  CHECK(out["issues"][1]["sid"] == 1000004);
  CHECK(out["issues"][1]["keyword"] == "lua");
  CHECK(out["skipped_by_reason"].size() == 2);

  const auto clean = run_vigil({"rules", "lint", kDefaultRules});
  INFO(clean.out << clean.err);
  CHECK(clean.exit_code == 0);
  CHECK(contains(clean.out, "Rules skipped: 0"));

  const auto missing = run_vigil({"rules", "lint", dir.file("nope.rules")});
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "nope.rules"));
}

TEST_CASE("rules lint on the whole ET Open ruleset finishes and counts what loads and why the rest does not",
          "[cli][rules][integration]") {
  const auto et_open = kShared / "corpus/rules/et-open";
  if (!std::filesystem::exists(et_open)) {
    WARN("skipped: " << et_open << " is not present");
    return;
  }
  const auto r = run_vigil({"rules", "lint", "--json", et_open.string()});
  INFO(r.err.substr(0, 2000));
  REQUIRE(r.exit_code == 1);  // app-layer rules are not supported yet
  const json out = json::parse(r.out);
  CHECK(out["loaded"].get<size_t>() >= 5583);  // the figure when lint was written; more is fine
  CHECK(out["loaded"].get<size_t>() + out["skipped"].get<size_t>() >= 24827);
  REQUIRE_FALSE(out["skipped_by_reason"].empty());
  size_t by_reason = 0;
  size_t previous = SIZE_MAX;
  for (const auto& entry : out["skipped_by_reason"]) {
    CHECK(entry["count"].get<size_t>() <= previous);  // most frequent first
    previous = entry["count"].get<size_t>();
    by_reason += previous;
  }
  CHECK(by_reason == out["skipped"].get<size_t>());
}

TEST_CASE("rules test prints alert counts per sid and compares them with --expect", "[cli][rules][integration]") {
  TempDir dir;
  // The counts `vigil replay` raises on the sample for these sids (tests/cli/replay_test.cc).
  write_file(dir.file("equal.json"), R"({"9000002": 3, "9000005": 5, "9000020": 3})");
  write_file(dir.file("different.json"), R"({"9000002": 4, "9000005": 5, "9000020": 3, "9999999": 1})");
  write_file(dir.file("three.rules"), [] {
    std::string rules;
    for (const auto& line : split_lines(vigil::test::read_file(kDefaultRules + "/vigil.rules"))) {
      if (contains(line, "sid:9000002;") || contains(line, "sid:9000005;") || contains(line, "sid:9000020;")) {
        rules += line + "\n";
      }
    }
    return rules;
  }());

  const auto plain = run_vigil({"rules", "test", "--rules", dir.file("three.rules"), "--pcap", kSample});
  INFO(plain.out << plain.err);
  REQUIRE(plain.exit_code == 0);
  CHECK(contains(plain.out, "3 rules"));
  CHECK(contains(plain.out, "9000005"));

  const auto equal = run_vigil(
      {"rules", "test", "--rules", dir.file("three.rules"), "--pcap", kSample, "--expect", dir.file("equal.json")});
  INFO(equal.out << equal.err);
  CHECK(equal.exit_code == 0);
  CHECK(contains(equal.out, "As expected"));

  const auto different = run_vigil({"rules", "test", "--rules", dir.file("three.rules"), "--pcap", kSample,
                                    "--expect", dir.file("different.json")});
  INFO(different.out << different.err);
  CHECK(different.exit_code == 1);
  CHECK(contains(different.out, "2 differences from " + dir.file("different.json")));
  CHECK(contains(different.out, "  sid 9000002: expected 4, got 3\n"));
  CHECK(contains(different.out, "  sid 9999999: expected 1, got 0\n"));

  const auto as_json = run_vigil({"rules", "test", "--rules", dir.file("three.rules"), "--pcap", kSample,
                                  "--expect", dir.file("different.json"), "--json"});
  CHECK(as_json.exit_code == 1);
  const json out = json::parse(as_json.out);
  CHECK(out["differences"].size() == 2);
  CHECK(out["differences"][0] == json{{"sid", 9000002}, {"expected", 4}, {"actual", 3}});

  const auto not_a_capture = run_vigil({"rules", "test", "--rules", dir.file("three.rules"), "--pcap",
                                        dir.file("equal.json")});
  CHECK(not_a_capture.exit_code == 1);
  CHECK(contains(not_a_capture.err, "equal.json"));

  write_file(dir.file("broken.json"), R"({"abc": 1})");
  const auto broken = run_vigil({"rules", "test", "--rules", dir.file("three.rules"), "--pcap", kSample,
                                 "--expect", dir.file("broken.json")});
  CHECK(broken.exit_code == 2);
  CHECK(contains(broken.err, "\"abc\" is not a sid"));
}

TEST_CASE("rules test --explain shows where a rule's contents matched and which option failed elsewhere",
          "[cli][rules][integration]") {
  if (!std::filesystem::exists(kDistanceWithin)) {
    WARN("skipped: " << kDistanceWithin << " is not present");
    return;
  }
  const std::string rules = (kDistanceWithin / "test.rules").string();
  const std::string pcap = (kDistanceWithin / "input.pcap").string();
  const std::string expected = (kDistanceWithin / "expected.json").string();
  const auto r = run_vigil({"rules", "test", "--rules", rules, "--pcap", pcap, "--expect", expected, "--explain", "2"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  // Packet 4: "GET /AllWorkAndNoPlayMakesWillADullBoy HTTP/1.0": the first content at 5..30, the
  // second one byte after it (distance:1).
  CHECK(contains(r.out, "  packet 4  "));
  CHECK(contains(r.out, "matched: content \"AllWorkAndNoPlayMakesWill\" at 5..30; "
                        "content \"DullBoy\" (distance 1, within 7) at 31..38"));
  // The handshake has no payload.
  CHECK(contains(r.out, "not matched: content \"AllWorkAndNoPlayMakesWill\" not found"));

  const auto unknown = run_vigil({"rules", "test", "--rules", rules, "--pcap", pcap, "--explain", "77"});
  CHECK(unknown.exit_code == 2);
  CHECK(contains(unknown.err, "no loaded rule has sid 77"));
}

TEST_CASE("rules test --explain names a failed flow or dsize option", "[cli][rules][integration]") {
  TempDir dir;
  write_file(dir.file("explain.rules"),
             "alert tcp any any -> any any (msg:\"established only\"; flow:established,to_server; sid:1000010;)\n"
             "alert tcp any any -> any any (msg:\"small\"; dsize:<10; sid:1000011;)\n");
  const auto flow = run_vigil(
      {"rules", "test", "--rules", dir.file("explain.rules"), "--pcap", kSample, "--explain", "1000010", "--json"});
  INFO(flow.err);
  REQUIRE(flow.exit_code == 0);
  const json explained = json::parse(flow.out)["explain"];
  bool handshake_failed = false;
  for (const auto& p : explained["packets"]) {
    if (p["matched"] == false && p["failed"] == "flow:established not satisfied") handshake_failed = true;
  }
  CHECK(handshake_failed);

  const auto dsize =
      run_vigil({"rules", "test", "--rules", dir.file("explain.rules"), "--pcap", kSample, "--explain", "1000011"});
  INFO(dsize.out);
  REQUIRE(dsize.exit_code == 0);
  CHECK(contains(dsize.out, " not in <10\n"));
}

TEST_CASE("rules lint and rules test --help show an example each", "[cli][rules]") {
  const auto lint = run_vigil({"rules", "lint", "--help"});
  CHECK(lint.exit_code == 0);
  CHECK(contains(lint.out, "Examples:\n  vigil rules lint "));
  CHECK(contains(lint.out, "1 some rules were skipped"));
  const auto test = run_vigil({"rules", "test", "--help"});
  CHECK(test.exit_code == 0);
  CHECK(contains(test.out, "  vigil rules test --rules local.rules --pcap capture.pcap --expect expected.json"));
  CHECK(contains(test.out, "  vigil rules test --rules local.rules --pcap capture.pcap --explain 2001"));
}

TEST_CASE("rules test --explain follows flowbits: every packet the pipeline alerted on is listed as matched",
          "[cli][rules][integration]") {
  TempDir dir;
  write_file(dir.file("flowbits.rules"),
             "alert tcp any any -> any any (msg:\"request\"; flow:to_server; content:\"GET \"; depth:4; "
             "flowbits:set,saw_get; flowbits:noalert; sid:1000020;)\n"
             "alert tcp any any -> any any (msg:\"response to a GET\"; flow:to_client; flowbits:isset,saw_get; "
             "content:\"HTTP/1.\"; depth:7; sid:1000021;)\n");
  const auto r = run_vigil(
      {"rules", "test", "--rules", dir.file("flowbits.rules"), "--pcap", kSample, "--explain", "1000021", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json out = json::parse(r.out);
  REQUIRE(out["alerts"].size() == 1);  // the setter is noalert
  const auto alerts = out["alerts"][0]["count"].get<size_t>();
  CHECK(alerts > 0);
  size_t matched = 0;
  bool unset_bit_named = false;
  for (const auto& p : out["explain"]["packets"]) {
    if (p["matched"] == true) {
      ++matched;
      CHECK(p["alerted"] == true);
      CHECK(p["matches"][0] == json{{"option", "content \"HTTP/1.\" (depth 7)"}, {"start", 0}, {"end", 7}});
    } else if (p["failed"] == "flowbits:isset not satisfied on this flow") {
      unset_bit_named = true;
    }
  }
  CHECK(matched == alerts);
  CHECK(unset_bit_named);
}
