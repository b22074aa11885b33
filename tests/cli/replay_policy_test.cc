// `vigil replay --policy`: the incident policy (assets, escalation) applies to what the replay raises,
// on event time, and a broken policy stops the replay before it starts.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "run_command.h"

using nlohmann::json;
using vigil::test::run_vigil;
using vigil::test::split_lines;
using vigil::test::TempDir;
using vigil::test::write_file;

namespace {

const std::string kSample = VIGIL_SOURCE_DIR "/samples/sample.pcap";

// The sample's SSH brute force targets 10.20.100.22, starts at 01:07:04 and its last event is at
// 01:08:16 (event time). An acknowledgement deadline of one minute for high incidents has passed by then.
const std::string kPolicy =
    "assets:\n"
    "  - name: lab-servers\n"
    "    cidr: 10.20.100.0/24\n"
    "    agency: \"Phòng thử nghiệm\"\n"
    "    zone: lab\n"
    "    protection_level: 3\n"
    "layers:\n"
    "  ack_deadline:\n"
    "    high: 1m\n";

json ssh_incident(const std::string& data_dir) {
  const auto listed = run_vigil({"incidents", "list", "--data-dir", data_dir, "--json"});
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  std::vector<json> ssh;
  for (const auto& line : split_lines(listed.out)) {
    auto incident = json::parse(line);
    if (incident["rule_id"] == "ssh-bruteforce") ssh.push_back(incident);
  }
  REQUIRE(ssh.size() == 1);
  return ssh.front();
}

}  // namespace

TEST_CASE("replay --policy: the SSH target's agency is on the incident, the missed deadline escalates it",
          "[cli][replay][policy][integration]") {
  TempDir dir;
  const std::string policy = dir.file("policy.yaml");
  write_file(policy, kPolicy);
  const auto replay = run_vigil({"replay", "--data-dir", dir.file("data"), "--policy", policy, kSample});
  INFO(replay.err);
  REQUIRE(replay.exit_code == 0);
  const json incident = ssh_incident(dir.file("data"));
  CHECK(incident["agencies"] == json::array({"Phòng thử nghiệm"}));
  CHECK(incident["protection_level"] == 3);
  // Reviewed at the newest event time, not the wall clock: layer 2, with the policy's timeline entry.
  CHECK(incident["layer"] == 2);
  bool by_policy = false;
  for (const auto& entry : incident["timeline"]) by_policy = by_policy || entry["actor"] == "policy";
  CHECK(by_policy);
}

TEST_CASE("replay without --policy uses the config dir's policy.yaml", "[cli][replay][policy][integration]") {
  TempDir dir;
  const auto replay = run_vigil({"replay", "--data-dir", dir.file("data"), kSample});
  INFO(replay.err);
  REQUIRE(replay.exit_code == 0);
  // config/policy.yaml names 10.20.0.0/16 the provincial WAN; its one-hour deadline has not passed.
  const json incident = ssh_incident(dir.file("data"));
  CHECK(incident["agencies"] == json::array({"Sở Thông tin và Truyền thông"}));
  CHECK(incident["layer"] == 1);
}

TEST_CASE("a broken or missing policy file stops replay with exit 2, naming the file", "[cli][replay][policy][badinput]") {
  TempDir dir;
  const std::string broken = dir.file("broken-policy.yaml");
  write_file(broken, "assets:\n  - name: x\n    cidr: not-an-address\n    agency: A\n");
  const auto r = run_vigil({"replay", "--data-dir", dir.file("data"), "--policy", broken, kSample});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("broken-policy.yaml") != std::string::npos);
  CHECK(r.err.find("cidr") != std::string::npos);

  const auto missing = run_vigil({"replay", "--no-store", "--policy", dir.file("nope.yaml"), kSample});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("nope.yaml") != std::string::npos);
}
