// The Prometheus endpoint as a scraper and an operator see it: the page is text format 0.0.4 with
// HELP and TYPE for every family, its figures are those `status` returns after live traffic, and a
// bad request (wrong method, wrong path, garbage, oversized, too slow) gets a 4xx while the daemon
// keeps serving. The config refuses a non-loopback address unless it is allowed explicitly.
#include <catch2/catch.hpp>
#include <set>

#include "config.h"
#include "metrics.h"
#include "ops_test_support.h"

using nlohmann::json;
using vigil::sensors::test::InNetns;
using vigil::sensors::test::VethPair;
namespace t = vigil::test;

namespace {

std::vector<vigil::daemon::ConfigIssue> issues_of(const std::string& yaml) {
  std::vector<vigil::daemon::ConfigIssue> issues;
  auto config = vigil::daemon::parse_config(yaml, "vigil.yaml", issues);
  REQUIRE(config);
  return issues;
}

}  // namespace

TEST_CASE("metrics: the page is text format 0.0.4 with the status figures, labels escaped", "[daemon][metrics]") {
  const json status = {
      {"version", "0.1.0"},
      {"uptime_seconds", 12},
      {"rules", {{"loaded", 31}, {"reloads", 2}, {"last_reload_error", ""}}},
      {"correlation", {{"loaded", 4}, {"reloads", 1}, {"last_reload_error", "bad rule"}}},
      {"pipeline",
       {{"events_received", 1000}, {"events_stored", 990}, {"queue_drops", 3}, {"queue_depth", 7},
        {"incidents_changed", 5}, {"open_incidents", 2}, {"store_errors", 0}}},
      {"incidents", {{"by_state", {{"new", 2}, {"closed", 1}}}}},
      {"sensors", json::array({{{"name", "wan \"edge\"\\1"}, {"packets", 123456789012}, {"bytes", 5},
                                {"alerts", 4}, {"kernel_drops", 1}, {"interface_drops", 0}, {"queue_drops", 2},
                                {"running", true}}})},
      {"forwarders", json::array({{{"name", "siem"}, {"type", "syslog"}, {"backlog", 9}, {"delivered", 11},
                                   {"failures", 1}}})},
      {"link", {{"mode", "central"},
                {"refused", 2},
                {"sensors", json::array({{{"name", "dc-1"}, {"connected", true}, {"batches", 5},
                                          {"duplicate_batches", 1}}})}}}};
  const std::string page = vigil::daemon::format_exposition(vigil::daemon::metrics_from_status(status));
  const auto series = t::parse_exposition(page);
  CHECK(series.at(R"(vigil_sensor_packets_total{sensor="wan \"edge\"\\1"})") == 123456789012.0);
  CHECK(page.find("vigil_sensor_packets_total{sensor=\"wan \\\"edge\\\"\\\\1\"} 123456789012\n") != std::string::npos);
  CHECK(series.at(R"(vigil_sensor_drops_total{sensor="wan \"edge\"\\1",where="kernel"})") == 1);
  CHECK(series.at(R"(vigil_sensor_drops_total{sensor="wan \"edge\"\\1",where="queue"})") == 2);
  CHECK(series.at(R"(vigil_sensor_running{sensor="wan \"edge\"\\1"})") == 1);
  CHECK(series.at("vigil_pipeline_queue_depth") == 7);
  CHECK(series.at("vigil_pipeline_queue_drops_total") == 3);
  CHECK(series.at("vigil_events_stored_total") == 990);
  CHECK(series.at("vigil_incidents_open") == 2);
  CHECK(series.at(R"(vigil_incidents{state="new"})") == 2);
  CHECK(series.at(R"(vigil_incidents{state="closed"})") == 1);
  CHECK(series.at(R"(vigil_rules_loaded{set="signature"})") == 31);
  CHECK(series.at(R"(vigil_rules_last_reload_ok{set="signature"})") == 1);
  CHECK(series.at(R"(vigil_rules_last_reload_ok{set="correlation"})") == 0);
  CHECK(series.at(R"(vigil_rules_reloads_total{set="correlation"})") == 1);
  CHECK(series.at(R"(vigil_forwarder_backlog{forwarder="siem",type="syslog"})") == 9);
  CHECK(series.at(R"(vigil_build_info{version="0.1.0"})") == 1);
  CHECK(series.at(R"(vigil_sensor_link_up{peer="dc-1"})") == 1);
  CHECK(series.at(R"(vigil_sensor_link_batches_total{peer="dc-1"})") == 5);
  CHECK(series.at("vigil_sensor_link_refused_total") == 2);
  // A sensor daemon's side of the link: its central peer, up or not, and what waits for it.
  const auto sensor_side = t::parse_exposition(vigil::daemon::format_exposition(vigil::daemon::metrics_from_status(
      {{"link", {{"mode", "sensor"}, {"central", "10.0.0.1:7444"}, {"connected", false}, {"spool_batches", 12}}}})));
  CHECK(sensor_side.at(R"(vigil_sensor_link_up{peer="10.0.0.1:7444"})") == 0);
  CHECK(sensor_side.at(R"(vigil_sensor_link_backlog_batches{peer="10.0.0.1:7444"})") == 12);
  // Every family has its HELP and TYPE, once, before its samples.
  std::set<std::string> typed;
  std::istringstream in(page);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# TYPE ")) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      CHECK(typed.insert(name).second);
      const std::string type = line.substr(line.rfind(' ') + 1);
      CHECK((type == "counter" || type == "gauge"));
    } else if (!line.starts_with("# HELP ")) {
      CHECK(typed.count(line.substr(0, line.find_first_of("{ "))) == 1);
    }
  }
}

TEST_CASE("metrics: a non-loopback listen address is refused unless allow_remote says so", "[daemon][metrics][config]") {
  CHECK(issues_of("metrics: {listen: \"127.0.0.1:9477\"}\n").empty());
  CHECK(issues_of("metrics: {listen: \"[::1]:9477\"}\n").empty());
  CHECK(issues_of("metrics: {listen: \"localhost:0\"}\n").empty());
  const auto remote = issues_of("metrics: {listen: \"0.0.0.0:9477\"}\n");
  REQUIRE(remote.size() == 1);
  CHECK(remote[0].field == "metrics.listen");
  CHECK(remote[0].line == 1);
  CHECK_THAT(remote[0].message, Catch::Contains("allow_remote"));
  CHECK(issues_of("metrics: {listen: \"0.0.0.0:9477\", allow_remote: true}\n").empty());
  CHECK(issues_of("metrics: {listen: \"127.0.0.1\"}\n").size() == 1);
  CHECK(issues_of("metrics: {listen: \"127.0.0.1:99999\"}\n").size() == 1);
  CHECK(issues_of("metrics: {listen: \"example.org:9477\"}\n").size() == 1);
}

TEST_CASE("metrics: bad requests get a 4xx, a slow client is cut off, the daemon keeps serving",
          "[daemon][metrics][integration]") {
  t::TempDir dir;
  t::write_file(dir.file("vigil.yaml"), "data_dir: data\n"
                                        "rules: {paths: [" VIGIL_SOURCE_DIR "/config/rules]}\n"
                                        "correlation: {paths: [" VIGIL_SOURCE_DIR "/config/correlation]}\n"
                                        "control: {socket: control.sock}\n"
                                        "metrics: {listen: \"127.0.0.1:0\"}\n");
  t::DaemonProcess daemon(dir.file("vigil.yaml"), dir.file("control.sock"), dir.file("vigild.log"));
  INFO(t::read_file(dir.file("vigild.log")));
  REQUIRE(daemon.started());
  t::ControlClient client(dir.file("control.sock"));
  const std::string endpoint = client.call("status")["result"]["metrics"]["listen"];
  REQUIRE(endpoint.starts_with("127.0.0.1:"));
  REQUIRE(endpoint != "127.0.0.1:0");

  // A slow client: half a request line, then nothing. It holds its own connection only.
  const int slow = t::connect_tcp(endpoint);
  REQUIRE(slow >= 0);
  t::send_all(slow, "GET /metr");

  const std::string good = t::http_exchange(endpoint, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(t::http_status(good) == 200);
  CHECK_THAT(good, Catch::Contains("Content-Type: text/plain; version=0.0.4"));
  CHECK(t::parse_exposition(t::http_body(good)).count("vigil_events_stored_total") == 1);

  const std::string post = t::http_exchange(endpoint, "POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
  CHECK(t::http_status(post) == 405);
  CHECK_THAT(post, Catch::Contains("Allow: GET"));
  CHECK(t::http_status(t::http_exchange(endpoint, "GET /secrets HTTP/1.1\r\n\r\n")) == 404);
  CHECK(t::http_status(t::http_exchange(endpoint, "\x16\x03\x01 garbage\r\n\r\n")) == 400);
  CHECK(t::http_status(t::http_exchange(endpoint, "GET /metrics SPDY/3\r\n\r\n")) == 400);
  const std::string huge = "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(20000, 'a') + "\r\n\r\n";
  CHECK(t::http_status(t::http_exchange(endpoint, huge)) == 431);
  // A client that sends nothing more is answered 408 and closed by the daemon's deadline.
  CHECK(t::http_status(t::read_to_end(slow)) == 408);
  ::close(slow);

  CHECK(t::http_status(t::http_exchange(endpoint, "GET /metrics HTTP/1.0\r\n\r\n")) == 200);
  CHECK(client.call("status")["result"]["pid"] == daemon.pid());
  CHECK(daemon.stop() == 0);
}

TEST_CASE("metrics: after live traffic the page shows what status shows", "[daemon][metrics][live][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  t::LiveDaemon live("alert udp any any -> any 9999 (msg:\"metrics test\"; content:\"VIGIL-METRICS\"; "
                     "sid:9999941; rev:1; priority:1;)\n",
                     {{"metrics.yml", "id: metrics-alert\ntitle: \"metrics {src_ip}\"\ntype: single\n"
                                      "match: {event_type: alert, alert.signature_id: 9999941}\n"
                                      "group_by: [src_ip]\nseverity: medium\n"}},
                     "metrics: {listen: \"127.0.0.1:0\"}\n");
  INFO(live.log());
  REQUIRE(live.daemon->started());
  t::ControlClient client(live.dir.file("control.sock"));
  const std::string endpoint = client.call("status")["result"]["metrics"]["listen"];

  constexpr int kPackets = 50;
  live.send("VIGIL-METRICS", kPackets);
  REQUIRE(t::eventually([&] {
    return client.call("alerts.list", {{"sid", 9999941}, {"limit", 1000}})["result"]["alerts"].size() == kPackets;
  }));
  REQUIRE(t::eventually([&] {
    return client.call("incidents.list")["result"]["incidents"].size() == 1;
  }));

  // Counters only grow: status before <= page <= status after, whatever else the link carried.
  const json before = client.call("status")["result"];
  std::string page;
  {
    InNetns inside(live.net.ns_b());  // the daemon's loopback
    page = t::http_exchange(endpoint, "GET /metrics HTTP/1.1\r\n\r\n");
  }
  const json after = client.call("status")["result"];
  REQUIRE(t::http_status(page) == 200);
  const auto series = t::parse_exposition(t::http_body(page));
  const auto between = [&](const std::string& name, const json& low, const json& high) {
    INFO(name);
    REQUIRE(series.count(name) == 1);
    CHECK(series.at(name) >= low.get<double>());
    CHECK(series.at(name) <= high.get<double>());
  };
  const json& s0 = before["sensors"][0];
  const json& s1 = after["sensors"][0];
  between(R"(vigil_sensor_packets_total{sensor="edge-test"})", s0["packets"], s1["packets"]);
  between(R"(vigil_sensor_bytes_total{sensor="edge-test"})", s0["bytes"], s1["bytes"]);
  between(R"(vigil_sensor_alerts_total{sensor="edge-test"})", s0["alerts"], s1["alerts"]);
  between(R"(vigil_sensor_drops_total{sensor="edge-test",where="kernel"})", s0["kernel_drops"], s1["kernel_drops"]);
  between(R"(vigil_sensor_drops_total{sensor="edge-test",where="queue"})", s0["queue_drops"], s1["queue_drops"]);
  between("vigil_events_stored_total", before["pipeline"]["events_stored"], after["pipeline"]["events_stored"]);
  between("vigil_pipeline_queue_drops_total", before["pipeline"]["queue_drops"], after["pipeline"]["queue_drops"]);
  CHECK(series.at(R"(vigil_sensor_packets_total{sensor="edge-test"})") >= kPackets);
  CHECK(series.at(R"(vigil_sensor_alerts_total{sensor="edge-test"})") == kPackets);
  CHECK(series.at(R"(vigil_sensor_drops_total{sensor="edge-test",where="kernel"})") == 0);
  CHECK(series.at(R"(vigil_incidents{state="new"})") == 1);
  CHECK(series.at("vigil_incidents_open") == 1);
  CHECK(series.at(R"(vigil_rules_loaded{set="signature"})") == 1);
  CHECK(series.at(R"(vigil_rules_loaded{set="correlation"})") == 1);
  CHECK(series.at(R"(vigil_sensor_running{sensor="edge-test"})") == 1);
  CHECK(live.daemon->stop() == 0);
}
