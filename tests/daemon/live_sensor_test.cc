// vigild with a live sensor on one end of a veth pair: traffic sent from the other end raises alerts
// that the control API lists, carrying the sensor's name and zone. Needs root (network namespaces).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "daemon_harness.h"
#include "netns.h"
#include "ops_test_support.h"
#include "run_command.h"

using nlohmann::json;
using vigil::sensors::test::InNetns;
using vigil::sensors::test::VethPair;
using vigil::test::send_udp;

namespace {

// Starts vigild with one sensor (`workers` threads) on a veth pair, sends the test datagram until
// its alert is listed, and checks the alert and the sensor's status.
void live_alert_reaches_the_api(int workers) {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  VethPair net;
  REQUIRE(net.error().empty());
  vigil::test::TempDir dir;
  std::filesystem::create_directories(dir.file("rules"));
  vigil::test::write_file(dir.file("rules/live.rules"),
                          "alert udp any any -> any 9999 (msg:\"vigil live test\"; content:\"VIGIL-LIVE\"; "
                          "sid:9999921; rev:1;)\n");
  vigil::test::write_file(dir.file("vigil.yaml"),
                          "data_dir: data\n"
                          "sensors:\n"
                          "  - {name: edge-test, zone: wan, interface: " + net.if_b() +
                              ", workers: " + std::to_string(workers) + "}\n"
                          "rules: {paths: [rules]}\n"
                          "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                          "control: {socket: control.sock}\n");
  std::unique_ptr<vigil::test::DaemonProcess> daemon;
  {
    InNetns inside(net.ns_b());  // the forked daemon inherits this thread's namespace
    daemon = std::make_unique<vigil::test::DaemonProcess>(dir.file("vigil.yaml"), dir.file("control.sock"),
                                                          dir.file("vigild.log"));
  }
  INFO(vigil::test::read_file(dir.file("vigild.log")));
  REQUIRE(daemon->started());
  vigil::test::ControlClient client(dir.file("control.sock"));

  json alerts;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    {
      InNetns inside(net.ns_a());
      send_udp(VethPair::addr_b(), 9999, "hello VIGIL-LIVE");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    alerts = client.call("alerts.list", {{"sid", 9999921}})["result"]["alerts"];
  } while (alerts.empty() && std::chrono::steady_clock::now() < deadline);
  if (alerts.empty()) {
    FAIL("no alert; status: " << client.call("status").dump() << "\nlog:\n"
                              << vigil::test::read_file(dir.file("vigild.log")));
  }
  CHECK(alerts[0]["sensor"] == "edge-test");
  CHECK(alerts[0]["zone"] == "wan");
  CHECK(alerts[0]["src_ip"] == VethPair::addr_a());
  CHECK(alerts[0]["dest_port"] == 9999);

  const json sensors = client.call("status")["result"]["sensors"];
  REQUIRE(sensors.size() == 1);
  CHECK(sensors[0]["name"] == "edge-test");
  CHECK(sensors[0]["zone"] == "wan");
  CHECK(sensors[0]["workers"] == workers);
  CHECK(sensors[0]["running"] == true);
  CHECK(daemon->stop() == 0);
}

}  // namespace

TEST_CASE("vigild: a live sensor's alerts reach storage and the control API", "[daemon][live][root][integration]") {
  live_alert_reaches_the_api(1);
}

TEST_CASE("vigild: a live sensor with two workers gives the same alerts with name and zone",
          "[daemon][live][workers][root][integration]") {
  live_alert_reaches_the_api(2);
}

TEST_CASE("vigild: a sensor on a missing interface stops the start with exit 2 naming it",
          "[daemon][live][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root: skipped");
    return;
  }
  vigil::test::TempDir dir;
  vigil::test::write_file(dir.file("vigil.yaml"),
                          "data_dir: data\n"
                          "sensors: [{name: ghost, interface: vgnosuch0}]\n"
                          "rules: {paths: [" VIGIL_SOURCE_DIR "/config/rules]}\n"
                          "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                          "control: {socket: control.sock}\n");
  const auto r = vigil::test::run_command({VIGILD, "--config", dir.file("vigil.yaml")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("vgnosuch0") != std::string::npos);
  CHECK(r.err.find("ghost") != std::string::npos);
}

TEST_CASE("vigild: SIGHUP swaps new rules into a live sensor and no packet goes unseen across the swap",
          "[daemon][live][reload][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  VethPair net;
  REQUIRE(net.error().empty());
  vigil::test::TempDir dir;
  std::filesystem::create_directories(dir.file("rules"));
  const std::string old_rule =
      "alert udp any any -> any 9999 (msg:\"old\"; content:\"VIGIL-OLD\"; sid:9999931; rev:1;)\n";
  vigil::test::write_file(dir.file("rules/live.rules"), old_rule);
  vigil::test::write_file(dir.file("vigil.yaml"),
                          "data_dir: data\n"
                          "sensors:\n"
                          "  - {name: edge-test, zone: wan, interface: " + net.if_b() + "}\n"
                          "rules: {paths: [rules]}\n"
                          "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                          "control: {socket: control.sock}\n");
  std::unique_ptr<vigil::test::DaemonProcess> daemon;
  {
    InNetns inside(net.ns_b());
    daemon = std::make_unique<vigil::test::DaemonProcess>(dir.file("vigil.yaml"), dir.file("control.sock"),
                                                          dir.file("vigild.log"));
  }
  INFO(vigil::test::read_file(dir.file("vigild.log")));
  REQUIRE(daemon->started());
  vigil::test::ControlClient client(dir.file("control.sock"));
  auto count = [&](int sid) { return client.call("alerts.list", {{"sid", sid}, {"limit", 1000}})["result"]["alerts"].size(); };
  auto wait_for = [&](int sid, size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (count(sid) < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return count(sid);
  };
  auto send_burst = [&] {
    InNetns inside(net.ns_a());
    for (int i = 0; i < 100; ++i) send_udp(VethPair::addr_b(), 9999, "VIGIL-OLD VIGIL-NEW " + std::to_string(i));
  };

  // The capture is open once the daemon answers, but give the first burst until it is all seen.
  send_burst();
  REQUIRE(wait_for(9999931, 100) == 100);
  CHECK(count(9999932) == 0);

  vigil::test::write_file(dir.file("rules/live.rules"),
                          old_rule + "alert udp any any -> any 9999 (msg:\"new\"; content:\"VIGIL-NEW\"; "
                                     "sid:9999932; rev:1;)\n");
  daemon->signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (client.call("status")["result"]["rules"]["reloads"] == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(client.call("status")["result"]["rules"]["loaded"] == 2);
  send_burst();
  CHECK(wait_for(9999931, 200) == 200);  // the old rule kept matching every packet
  CHECK(wait_for(9999932, 100) == 100);  // and the new one matches every packet after the swap
  const json sensor = client.call("status")["result"]["sensors"][0];
  CHECK(sensor["kernel_drops"] == 0);
  CHECK(daemon->stop() == 0);
}
