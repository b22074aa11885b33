// The default rules on the shared attack captures: `vigil replay` raises the incidents a SOC analyst
// expects for each (scans, brute force, web attacks, C2, tunnels) and few on ordinary traffic.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "run_command.h"

using nlohmann::json;
using vigil::test::run_vigil;
using vigil::test::split_lines;
using vigil::test::TempDir;

namespace {

const std::filesystem::path kPcaps = std::string(VIGIL_SHARED_DIR) + "/corpus/pcaps";

bool have_corpus() { return std::filesystem::exists(kPcaps / "manifest.json"); }

// Replays the captures into a fresh data dir with the default rules and lists what was raised. Two
// ordinary captures end in a truncated record (exit 1, everything before it is stored).
std::vector<json> incidents_of(const std::vector<std::string>& captures, bool truncated_ok = false,
                               bool midstream = false) {
  TempDir dir;
  std::vector<std::string> args{"replay", "--data-dir", dir.path()};
  if (midstream) args.push_back("--midstream");
  for (const auto& capture : captures) args.push_back((kPcaps / capture).string());
  const auto replay = run_vigil(args);
  INFO(replay.err);
  REQUIRE((replay.exit_code == 0 || (truncated_ok && replay.exit_code == 1)));
  const auto listed = run_vigil({"incidents", "list", "--data-dir", dir.path(), "--json", "--limit", "10000"});
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  std::vector<json> out;
  for (const auto& line : split_lines(listed.out)) out.push_back(json::parse(line));
  return out;
}

std::string describe(const std::vector<json>& incidents) {
  std::string out;
  for (const auto& i : incidents) {
    out += i["rule_id"].get<std::string>() + " [" + i["category"].get<std::string>() + "] " +
           i["title"].get<std::string>() + "\n";
  }
  return out.empty() ? "(no incidents)" : out;
}

bool any_of_rule(const std::vector<json>& incidents, const std::string& rule, const std::string& group_part = "") {
  for (const auto& i : incidents) {
    if (i["rule_id"] == rule && i["group_key"].get<std::string>().find(group_part) != std::string::npos) return true;
  }
  return false;
}

bool any_web_attack(const std::vector<json>& incidents) {
  for (const auto& i : incidents) {
    bool web = i["rule_id"] == "web-attack" || i["title"].get<std::string>().find("WEB_ATTACK") != std::string::npos;
    if (web && i["category"] == "unauthorized_access") return true;
  }
  return false;
}

bool any_of_category(const std::vector<json>& incidents, const std::string& category) {
  for (const auto& i : incidents) {
    if (i["category"] == category) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("attack corpus: scans raise scan incidents", "[cli][corpus][integration]") {
  if (!have_corpus()) {
    WARN("no corpus at " << kPcaps.string() << "; skipped");
    return;
  }
  auto synscan = incidents_of({"attacks/scan/ndpi-synscan.pcap"});
  INFO(describe(synscan));
  CHECK(any_of_rule(synscan, "port-scan", "src_ip=172.16.0.8"));
  CHECK(synscan.size() == 1);

  auto os_probe = incidents_of({"attacks/scan/chrissanders-activeosfingerprinting.pcapng"});
  INFO(describe(os_probe));
  CHECK(any_of_rule(os_probe, "recon-signature", "src_ip=172.16.16.128"));

  auto vnc = incidents_of({"attacks/scan/zeek-rfb_vnc-scanner.pcap"});
  INFO(describe(vnc));
  CHECK(any_of_rule(vnc, "recon-signature"));
}

TEST_CASE("attack corpus: SSH password guessing is a brute force incident", "[cli][corpus][integration]") {
  if (!have_corpus()) {
    WARN("no corpus at " << kPcaps.string() << "; skipped");
    return;
  }
  auto incidents = incidents_of({"attacks/bruteforce/zeek-ssh_sshguess.pcap"});
  INFO(describe(incidents));
  REQUIRE(incidents.size() == 1);
  CHECK(incidents.front()["rule_id"] == "ssh-bruteforce");
  CHECK(incidents.front()["group_key"] == "src_ip=192.168.56.1,dest_ip=192.168.56.103");
  CHECK(incidents.front()["category"] == "unauthorized_access");
}

TEST_CASE("attack corpus: every web attack capture raises a web attack incident", "[cli][corpus][integration]") {
  if (!have_corpus()) {
    WARN("no corpus at " << kPcaps.string() << "; skipped");
    return;
  }
  for (const char* capture : {"attacks/web/chrissanders-http_dvwa_directorytraversal.pcapng",
                              "attacks/web/chrissanders-http_dvwa_sqlinjection.pcapng",
                              "attacks/web/ndpi-WebattackSQLinj.pcap", "attacks/web/ndpi-sql_injection.pcap",
                              "attacks/web/zeek-http_cooper-grill-dvwa.pcapng",
                              "attacks/web/ndpi-log4j-webapp-exploit.pcap", "attacks/web/ndpi-WebattackRCE.pcap"}) {
    // Two of these start after the handshake: replayed with --midstream, as Suricata needs
    // stream.midstream=true for them (flow:established).
    auto incidents = incidents_of({capture}, false, std::string_view(capture).starts_with("attacks/web/ndpi-"));
    INFO(capture << "\n" << describe(incidents));
    CHECK(any_web_attack(incidents));
    CHECK(incidents.size() <= 3);
  }
}

TEST_CASE("attack corpus: C2 and malware captures raise malware incidents", "[cli][corpus][integration]") {
  if (!have_corpus()) {
    WARN("no corpus at " << kPcaps.string() << "; skipped");
    return;
  }
  for (const char* capture : {"attacks/c2/chrissanders-cryptowall4_c2.pcapng",
                              "attacks/c2/chrissanders-ek_to_cryptowall4.pcapng",
                              "attacks/c2/chrissanders-ratinfected.pcapng", "attacks/c2/ndpi-emotet.pcap",
                              "attacks/c2/ndpi-malware.pcap"}) {
    auto incidents = incidents_of({capture});
    INFO(capture << "\n" << describe(incidents));
    CHECK(any_of_category(incidents, "malware"));
  }
}

TEST_CASE("attack corpus: DNS and ICMP tunnels raise tunnel incidents", "[cli][corpus][integration]") {
  if (!have_corpus()) {
    WARN("no corpus at " << kPcaps.string() << "; skipped");
    return;
  }
  auto dns = incidents_of({"attacks/tunnel/ndpi-dns-tunnel-iodine.pcap"});
  INFO(describe(dns));
  CHECK(any_of_rule(dns, "dns-tunnel", "src_ip=10.0.2.30"));
  CHECK(dns.size() == 1);

  auto icmp = incidents_of({"attacks/tunnel/ndpi-icmp-tunnel.pcap"});
  INFO(describe(icmp));
  CHECK(any_of_rule(icmp, "icmp-tunnel"));
  CHECK(icmp.size() <= 2);  // one per direction: both ends send the tunnelled payloads
}

TEST_CASE("attack corpus: ordinary mixed traffic raises few incidents", "[cli][corpus][integration]") {
  if (!have_corpus()) {
    WARN("no corpus at " << kPcaps.string() << "; skipped");
    return;
  }
  std::vector<std::string> captures;
  for (const char* dir : {"mixed/zeek", "mixed/suricata-verify", "mixed/chrissanders"}) {
    for (const auto& entry : std::filesystem::directory_iterator(kPcaps / dir)) {
      captures.push_back(std::filesystem::relative(entry.path(), kPcaps).string());
    }
  }
  std::sort(captures.begin(), captures.end());
  REQUIRE(captures.size() >= 20);
  auto incidents = incidents_of(captures, true);
  INFO(captures.size() << " captures\n" << describe(incidents));
  CHECK(incidents.size() <= 3);
}
