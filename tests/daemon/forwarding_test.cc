// Incident forwarders wired into vigild: incidents raised by live traffic reach a real TCP syslog
// collector (RFC 6587 octet-counted RFC 5424/CEF) and an EVE file; while the collector is down they
// wait in the spool (backlog in `status` and on the metrics page) and arrive once it is back.
// The config checks name each bad forwarder field. TLS is tested in the correlator's tests.
#include <poll.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <set>

#include "config.h"
#include "ops_test_support.h"

using nlohmann::json;
using vigil::sensors::test::InNetns;
namespace t = vigil::test;

namespace {

// A syslog collector on 127.0.0.1 of the namespace it is made in: accepts connections on a thread of
// its own and splits RFC 6587 frames ("LEN SP MSG"). stop() closes the listener and every connection,
// as a collector being restarted does; start() listens again on the same port.
class SyslogCollector {
 public:
  SyslogCollector() { start(0); }
  ~SyslogCollector() { stop(); }

  void start(uint16_t port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener_ >= 0);
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(port);
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
    REQUIRE(::listen(listener_, 8) == 0);
    socklen_t length = sizeof at;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&at), &length);
    port_ = ntohs(at.sin_port);
    thread_ = std::thread([this, fd = listener_] { serve(fd); });
  }

  void stop() {
    if (listener_ < 0) return;
    ::shutdown(listener_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    ::close(listener_);
    listener_ = -1;
  }

  uint16_t port() const { return port_; }
  std::vector<std::string> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  void serve(int listener) {
    for (;;) {
      const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      // One connection at a time, as the forwarder keeps one; it ends when the peer closes or the
      // collector stops (the listener's shutdown is seen through the poll below).
      std::string buffer;
      char chunk[4096];
      for (;;) {
        pollfd fds[2] = {{fd, POLLIN, 0}, {listener, POLLIN, 0}};
        ::poll(fds, 2, 1000);
        if (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL)) break;
        if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<size_t>(n));
        for (;;) {
          const size_t space = buffer.find(' ');
          if (space == std::string::npos) break;
          const size_t length = std::stoul(buffer.substr(0, space));
          if (buffer.size() < space + 1 + length) break;
          std::lock_guard lock(mutex_);
          messages_.push_back(buffer.substr(space + 1, length));
          buffer.erase(0, space + 1 + length);
        }
      }
      ::close(fd);
      // A listener that was shut down makes accept fail at once: the loop ends there.
    }
  }

  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
};

bool any_contains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& line : lines) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string correlation_rule(const std::string& id, int sid) {
  return "id: " + id + "\ntitle: \"" + id + " from {src_ip}\"\ntype: single\n"
         "match: {event_type: alert, alert.signature_id: " + std::to_string(sid) + "}\n"
         "group_by: [src_ip]\nseverity: high\n";
}

}  // namespace

TEST_CASE("forwarders: config names every bad field", "[daemon][forwarding][config]") {
  std::vector<vigil::daemon::ConfigIssue> issues;
  auto config = vigil::daemon::parse_config(
      "forwarders:\n"
      "  - {type: syslog, address: 10.0.0.5, port: 6514, tls: {ca_file: ca.pem}}\n"  // fine
      "  - {type: eve_file, path: incidents.json}\n"                                   // fine
      "  - {name: backup, type: syslog, port: 70000}\n"                                // no address, bad port
      "  - {type: carrier-pigeon}\n"                                                   // unknown type
      "  - {name: eve_file, type: eve_file, path: x.json, port: 1}\n"                  // port is not an eve key, name taken
      "  - {name: ../up, type: stix_outbox, outbox: out}\n",                           // name is a path
      "/etc/vigil/vigil.yaml", issues);
  REQUIRE(config);
  std::set<std::string> fields;
  for (const auto& issue : issues) fields.insert(issue.field);
  CHECK(fields == std::set<std::string>{"forwarders[2].address", "forwarders[2].port", "forwarders[3].type",
                                        "forwarders[4].port", "forwarders[4].name", "forwarders[5].name"});
  REQUIRE(config->forwarders.size() == 6);
  CHECK(config->forwarders[0].name == "syslog");
  CHECK(config->forwarders[0].tls_ca_file == "/etc/vigil/ca.pem");
  CHECK(config->forwarders[1].path == "/etc/vigil/incidents.json");
}

TEST_CASE("forwarders: live incidents reach a syslog collector and an EVE file, and wait out a collector outage",
          "[daemon][forwarding][live][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  const std::string rules =
      "alert udp any any -> any 9999 (msg:\"first\"; content:\"VIGIL-FWD-ONE\"; sid:9999951; rev:1;)\n"
      "alert udp any any -> any 9999 (msg:\"second\"; content:\"VIGIL-FWD-TWO\"; sid:9999952; rev:1;)\n";
  const std::map<std::string, std::string> correlation = {{"one.yml", correlation_rule("fwd-one", 9999951)},
                                                          {"two.yml", correlation_rule("fwd-two", 9999952)}};
  // The collector listens on the daemon namespace's 127.0.0.1, which exists once the pair does, and
  // its port goes into the config: a first start makes the pair, then the daemon restarts with it.
  t::LiveDaemon live(rules, correlation, "");
  vigil::sensors::test::VethPair* net = &live.net;
  REQUIRE(live.daemon->started());
  CHECK(live.daemon->stop() == 0);
  std::unique_ptr<SyslogCollector> collector;
  {
    InNetns inside(net->ns_b());
    collector = std::make_unique<SyslogCollector>();
  }
  const std::string eve = live.dir.file("incidents.json");
  t::write_file(live.dir.file("vigil.yaml"),
                t::read_file(live.dir.file("vigil.yaml")) +
                    "forwarders:\n"
                    "  - {name: siem, type: syslog, address: 127.0.0.1, port: " + std::to_string(collector->port()) +
                    "}\n"
                    "  - {name: eve, type: eve_file, path: incidents.json}\n"
                    "forwarding: {interval: 100ms}\n"
                    "metrics: {listen: \"127.0.0.1:0\"}\n");
  live.start();
  INFO(live.log());
  REQUIRE(live.daemon->started());
  t::ControlClient client(live.dir.file("control.sock"));

  // Traffic raises fwd-one's incident: it reaches both.
  live.send("VIGIL-FWD-ONE");
  json incidents;
  REQUIRE(t::eventually([&] {
    incidents = client.call("incidents.list")["result"]["incidents"];
    return incidents.size() == 1;
  }));
  const std::string first_id = incidents[0]["id"];
  REQUIRE(t::eventually([&] { return any_contains(collector->messages(), first_id); }));
  const std::vector<std::string> received = collector->messages();
  CHECK(received[0].starts_with("<"));
  CHECK_THAT(received[0], Catch::Contains("CEF:0|vigil|vigil|"));
  REQUIRE(t::eventually([&] { return any_contains(t::split_lines(t::read_file(eve)), first_id); }));
  const json eve_line = json::parse(t::split_lines(t::read_file(eve)).front());
  CHECK(eve_line["event_type"] == "incident");
  CHECK(eve_line["incident"]["id"] == first_id);
  CHECK(eve_line["incident"]["rule_id"] == "fwd-one");

  // The collector goes away; fwd-two's incident waits in the syslog spool, the EVE file gets it.
  {
    InNetns inside(net->ns_b());
    collector->stop();
  }
  live.send("VIGIL-FWD-TWO");
  std::string second_id;
  if (!t::eventually([&] {
        const json listed = client.call("incidents.list");  // the loop must not walk a temporary
        for (const auto& incident : listed["result"]["incidents"]) {
          if (incident["rule_id"] == "fwd-two") second_id = incident["id"];
        }
        return !second_id.empty();
      })) {
    FAIL("no fwd-two incident; status: " << client.call("status").dump()
                                         << "\nalerts: " << client.call("alerts.list").dump());
  }
  REQUIRE(t::eventually([&] { return any_contains(t::split_lines(t::read_file(eve)), second_id); }));
  json siem;
  REQUIRE(t::eventually([&] {
    siem = client.call("status")["result"]["forwarders"][0];
    return siem["failures"].get<int>() > 0;
  }));
  CHECK(siem["name"] == "siem");
  CHECK(siem["backlog"].get<int>() >= 1);
  CHECK_FALSE(siem["last_error"].get<std::string>().empty());
  CHECK(client.call("status")["result"]["forwarders"][1]["backlog"] == 0);
  {
    InNetns inside(net->ns_b());
    const std::string endpoint = client.call("status")["result"]["metrics"]["listen"];
    const auto series = t::parse_exposition(t::http_body(t::http_exchange(endpoint, "GET /metrics HTTP/1.1\r\n\r\n")));
    CHECK(series.at(R"(vigil_forwarder_backlog{forwarder="siem",type="syslog"})") >= 1);
    CHECK(series.at(R"(vigil_forwarder_failures_total{forwarder="siem",type="syslog"})") >= 1);
  }
  CHECK_FALSE(any_contains(collector->messages(), second_id));

  // Back on the same port: the spooled record arrives, the backlog empties.
  {
    InNetns inside(net->ns_b());
    collector->start(collector->port());
  }
  REQUIRE(t::eventually([&] { return any_contains(collector->messages(), second_id); }));
  REQUIRE(t::eventually([&] { return client.call("status")["result"]["forwarders"][0]["backlog"] == 0; }));

  // Spooled records outlive the daemon: the collector goes away, fwd-one's incident changes, vigild
  // stops with the change spooled; the collector returns, and the restarted daemon delivers it.
  const auto first_count = [&] {
    size_t n = 0;
    for (const auto& message : collector->messages()) n += message.find(first_id) != std::string::npos;
    return n;
  };
  const size_t before_restart = first_count();
  {
    InNetns inside(net->ns_b());
    collector->stop();
  }
  live.send("VIGIL-FWD-ONE");
  REQUIRE(t::eventually([&] { return client.call("status")["result"]["forwarders"][0]["backlog"].get<int>() >= 1; }));
  CHECK(live.daemon->stop() == 0);
  {
    InNetns inside(net->ns_b());
    collector->start(collector->port());
  }
  live.start();
  REQUIRE(live.daemon->started());
  t::ControlClient again(live.dir.file("control.sock"));
  REQUIRE(t::eventually([&] { return first_count() > before_restart; }));
  REQUIRE(t::eventually([&] { return again.call("status")["result"]["forwarders"][0]["backlog"] == 0; }));
  CHECK(live.daemon->stop() == 0);
  {
    InNetns inside(net->ns_b());
    collector.reset();
  }
}

TEST_CASE("forwarders: a serious incident becomes a STIX bundle in the outbox, the sender's acceptance its "
          "initial report, audited",
          "[daemon][forwarding][live][root][integration]") {
  if (::geteuid() != 0) {
    WARN("live capture needs root (CI runs as root): skipped");
    return;
  }
  // Critical: the default policy starts the report clock for it. The sender prints its receipt.
  t::LiveDaemon live("alert udp any any -> any 9999 (msg:\"stix\"; content:\"VIGIL-STIX\"; sid:9999953; rev:1;)\n",
                     {{"stix.yml", "id: stix-critical\ntitle: \"stix {src_ip}\"\ntype: single\n"
                                   "match: {event_type: alert, alert.signature_id: 9999953}\n"
                                   "group_by: [src_ip]\nseverity: critical\n"}},
                     "forwarders:\n"
                     "  - {name: ncsc, type: stix_outbox, outbox: outbox, sender: [/bin/echo, NCSC-RECEIPT],"
                     " organisation: Test SOC}\n"
                     "forwarding: {interval: 100ms}\n");
  INFO(live.log());
  REQUIRE(live.daemon->started());
  t::ControlClient client(live.dir.file("control.sock"));
  live.send("VIGIL-STIX");
  json incident;
  REQUIRE(t::eventually([&] {
    const json listed = client.call("incidents.list");
    if (listed["result"]["incidents"].empty()) return false;
    incident = listed["result"]["incidents"][0];
    return incident["report"].contains("initial_sent") && !incident["report"]["initial_sent"].is_null();
  }));
  INFO(incident.dump());
  const std::string id = incident["id"];
  CHECK_THAT(incident["report"]["receipts"][0].get<std::string>(), Catch::Contains("NCSC-RECEIPT"));
  // The bundle is in the outbox and names the incident.
  size_t bundles = 0;
  for (const auto& entry : std::filesystem::directory_iterator(live.dir.file("outbox"))) {
    const json bundle = json::parse(t::read_file(entry.path().string()));
    CHECK(bundle["type"] == "bundle");
    CHECK_THAT(bundle.dump(), Catch::Contains(id));
    ++bundles;
  }
  CHECK(bundles == 1);
  // Recorded by vigild on the audit chain, and a later match does not send the report again.
  bool audited = false;
  const json audit = client.call("audit.list");
  for (const auto& entry : audit["result"]["entries"]) {
    audited = audited || (entry["action"] == "incidents.report_sent" && entry["actor"] == "vigild" &&
                          entry["detail"]["params"]["id"] == id);
  }
  CHECK(audited);
  live.send("VIGIL-STIX");
  REQUIRE(t::eventually([&] {
    const json listed = client.call("incidents.list");
    return listed["result"]["incidents"][0]["event_count"] == 2;
  }));
  REQUIRE(t::eventually([&] { return client.call("status")["result"]["forwarders"][0]["backlog"] == 0; }));
  CHECK(client.call("status")["result"]["forwarders"][0]["delivered"] == 1);
  CHECK(live.daemon->stop() == 0);
}
