// The app layer's own events: alerts of app-layer rules carry their transaction's EVE context
// (http{...}, dns{...}, tls{...}), the protocols chosen in ProcessorOptions::app_records give one
// http/dns/tls/ssh event per transaction, and a parser's complaint becomes an `applayer` anomaly.
// Built frames for exact expectations, shared real captures for the protocols' everyday shape.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "sensors/frames.h"
#include "vigil/core/eve_json.h"
#include "vigil/core/event_fields.h"
#include "vigil/rules/rule_set.h"
#include "vigil/sensors/packet_processor.h"
#include "vigil/sensors/pcap_file_source.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

constexpr uint8_t kSyn = rules::kTcpSyn;
constexpr uint8_t kAck = rules::kTcpAck;
constexpr uint8_t kPsh = rules::kTcpPsh;

const std::string kClient = "192.168.1.10";
const std::string kServer = "10.1.1.1";

std::shared_ptr<const rules::RuleSet> compile(const std::string& text) {
  rules::RuleLoadReport report;
  auto set = rules::compile_rule_text(text, "test.rules", rules::RuleVariables::suricata_defaults(), report);
  REQUIRE(set.has_value());
  REQUIRE(report.issues.empty());
  return *set;
}

std::bitset<applayer::kAppProtoCount> records(const std::vector<std::string>& names) {
  auto parsed = parse_app_records(names);
  REQUIRE(parsed.has_value());
  return *parsed;
}

struct Harness {
  explicit Harness(std::shared_ptr<const rules::RuleSet> rules, ProcessorOptions options = {})
      : processor(SensorIdentity{"sensor-a", "datacenter"}, std::move(rules), sink, options) {}
  void feed(const Bytes& frame, Timestamp ts) { processor.process(kLinkEthernet, raw_of(frame, ts)); }

  // One HTTP/1.1 exchange on port 8080 (not HTTP's port: recognised by its bytes).
  void http_exchange() {
    const auto to_server = [](uint8_t flags, uint32_t seq, uint32_t ack, const std::string& payload = "") {
      return ether(0x0800, ipv4(kProtoTcp, tcp(51000, 8080, flags, text(payload), {}, seq, ack), kClient, kServer));
    };
    const auto to_client = [](uint8_t flags, uint32_t seq, uint32_t ack, const std::string& payload = "") {
      return ether(0x0800, ipv4(kProtoTcp, tcp(8080, 51000, flags, text(payload), {}, seq, ack), kServer, kClient));
    };
    const std::string request =
        "GET /admin/login.php?next=%2Fhome HTTP/1.1\r\nHost: portal.example.gov.vn\r\nUser-Agent: sqlmap/1.7\r\n\r\n";
    const std::string reply = "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 4\r\n\r\nnope";
    const auto req = static_cast<uint32_t>(request.size());
    const auto rep = static_cast<uint32_t>(reply.size());
    feed(to_server(kSyn, 1000, 0), seconds(1));
    feed(to_client(kSyn | kAck, 5000, 1001), seconds(1) + 10);
    feed(to_server(kAck, 1001, 5001), seconds(1) + 20);
    feed(to_server(kPsh | kAck, 1001, 5001, request), seconds(2));
    feed(to_client(kPsh | kAck, 5001, 1001 + req, reply), seconds(3));
    feed(to_server(kAck, 1001 + req, 5001 + rep), seconds(4));
  }

  FakeEventSink sink;
  PacketProcessor processor;
};

std::string field(const Event& event, const std::string& name) {
  const auto value = event_field(event, name);
  return value ? value->text : "<absent>";
}

Bytes dns_query(uint16_t id, const std::vector<std::string>& labels, uint16_t qtype) {
  Bytes b;
  put16(b, id);
  put16(b, 0x0100);  // standard query, recursion desired
  put16(b, 1);
  put16(b, 0);
  put16(b, 0);
  put16(b, 0);
  for (const std::string& label : labels) {
    put8(b, static_cast<uint8_t>(label.size()));
    append(b, text(label));
  }
  put8(b, 0);
  put16(b, qtype);
  put16(b, 1);
  return b;
}

Bytes dns_frame(bool to_server, const Bytes& message) {
  return to_server ? ether(0x0800, ipv4(kProtoUdp, udp(53001, 53, message), kClient, kServer))
                   : ether(0x0800, ipv4(kProtoUdp, udp(53, 53001, message), kServer, kClient));
}

}  // namespace

TEST_CASE("app-layer events: an HTTP rule's alert carries the request's http context in EVE",
          "[sensors][processor][applayer]") {
  Harness h(compile(
      "alert http any any -> any any (msg:\"sqlmap\"; flow:to_server; http.user_agent; content:\"sqlmap\"; sid:10;)\n"
      "alert http any any -> any any (msg:\"forbidden\"; flow:to_client; http.stat_code; content:\"403\"; sid:11;)\n"
      "alert tcp any any -> any any (msg:\"packet rule\"; content:\"login.php\"; sid:12;)\n"));
  h.http_exchange();
  h.processor.finish();

  std::map<uint32_t, Event> by_sid;
  for (const Event& a : h.sink.of_type(EventType::alert)) by_sid.emplace(a.alert->signature_id, a);
  REQUIRE(by_sid.size() == 3);

  const Event& request = by_sid.at(10);
  REQUIRE(request.app.has_value());
  CHECK(field(request, "app_proto") == "http");
  CHECK(field(request, "http.hostname") == "portal.example.gov.vn");
  CHECK(field(request, "http.url") == "/admin/login.php?next=%2Fhome");
  CHECK(field(request, "http.http_user_agent") == "sqlmap/1.7");
  CHECK(field(request, "http.http_method") == "GET");
  CHECK(field(request, "http.status") == "<absent>");  // the request's side: no answer yet

  const Event& response = by_sid.at(11);
  REQUIRE(response.app.has_value());
  CHECK(field(response, "http.status") == "403");
  CHECK(event_field(response, "http.status")->number == 403);
  CHECK(field(response, "http.http_content_type") == "text/html");
  CHECK(field(response, "http.url") == "/admin/login.php?next=%2Fhome");  // the request it answers

  // A packet rule's alert has no transaction: no app context, as in Suricata without app-layer.
  CHECK_FALSE(by_sid.at(12).app.has_value());

  // EVE: the object under "http" and app_proto beside it, and the line reads back the same.
  const std::string eve = to_eve_json(request);
  INFO(eve);
  CHECK(eve.find("\"http\":{\"hostname\":\"portal.example.gov.vn\"") != std::string::npos);
  CHECK(eve.find("\"app_proto\":\"http\"") != std::string::npos);
  auto back = event_from_json(eve);
  REQUIRE(back.has_value());
  CHECK(to_eve_json(*back) == eve);
}

TEST_CASE("app-layer events: chosen protocols give one event per transaction, others none",
          "[sensors][processor][applayer]") {
  ProcessorOptions options;
  options.app_records = records({"http", "dns"});
  Harness h(compile(""), options);  // no rules: the app layer runs for the records alone
  h.http_exchange();
  h.feed(dns_frame(true, dns_query(0x4242, {"update", "example", "vn"}, 28)), seconds(5));
  h.processor.finish();

  const auto http = h.sink.of_type(EventType::http);
  REQUIRE(http.size() == 2);  // the request, then the response with its request
  CHECK(field(http[0], "http.hostname") == "portal.example.gov.vn");
  CHECK(http[0].src_ip == ip(kClient));
  CHECK(http[0].dest_port == 8080);
  CHECK(field(http[1], "http.status") == "403");
  CHECK(http[1].src_ip == ip(kServer));  // the response's sender
  CHECK(http[1].sensor == "sensor-a");
  CHECK(http[1].zone == "datacenter");
  CHECK(http[1].flow_id == http[0].flow_id);

  const auto dns = h.sink.of_type(EventType::dns);
  REQUIRE(dns.size() == 1);
  CHECK(field(dns[0], "dns.rrname") == "update.example.vn");
  CHECK(field(dns[0], "dns.rrtype") == "AAAA");
  CHECK(field(dns[0], "dns.id") == "16962");
  const std::string eve = to_eve_json(dns[0]);
  INFO(eve);
  CHECK(eve.find("\"event_type\":\"dns\"") != std::string::npos);
  CHECK(eve.find("\"dns\":{") != std::string::npos);  // the applayer's object (keys in name order)
  CHECK(eve.find("\"type\":\"query\"") != std::string::npos);
  CHECK(eve.find("app_proto") == std::string::npos);  // the record's type says it
  CHECK(eve.find("payload") == std::string::npos);

  CHECK(h.processor.stats().app_records == 3);
  CHECK(h.sink.of_type(EventType::tls).empty());
}

TEST_CASE("app-layer events: without rules for it or records asked, nothing is parsed",
          "[sensors][processor][applayer]") {
  Harness h(compile("alert tcp any any -> any any (msg:\"packet rule\"; content:\"login.php\"; sid:12;)\n"));
  h.http_exchange();
  h.processor.finish();
  CHECK(h.processor.stats().app_layer.flows == 0);
  CHECK(h.sink.of_type(EventType::http).empty());
  CHECK(h.sink.of_type(EventType::alert).size() == 1);
}

TEST_CASE("app-layer events: a malformed DNS answer is an applayer anomaly event", "[sensors][processor][applayer]") {
  ProcessorOptions options;
  options.app_records = records({"dns"});
  Harness h(compile(""), options);
  h.feed(dns_frame(true, dns_query(7, {"mail", "example", "vn"}, 15)), seconds(1));
  h.feed(dns_frame(false, Bytes{0x00, 0x07, 0x81}), seconds(2));  // three bytes: no DNS header
  h.processor.finish();
  const auto anomalies = h.sink.of_type(EventType::anomaly);
  REQUIRE(anomalies.size() == 1);
  CHECK(anomalies[0].anomaly->type == "applayer");
  CHECK(anomalies[0].anomaly->event == "dns.malformed_data");
  CHECK(anomalies[0].src_ip == ip(kServer));
  CHECK(h.processor.stats().app_layer.anomalies == 1);
  CHECK(h.sink.of_type(EventType::dns).size() == 1);  // the query is still recorded
}

TEST_CASE("app-layer events: the names of recorded protocols are checked", "[sensors][applayer]") {
  CHECK(parse_app_records({"http", "dns", "tls", "ssh"}).has_value());
  CHECK(parse_app_records({}).has_value());
  for (const std::string bad : {"ftp", "alert", "HTTP", "", "unknown", "ssl"}) {
    INFO(bad);
    const auto parsed = parse_app_records({bad});
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message.find("'" + bad + "'") != std::string::npos);
  }
}

TEST_CASE("app-layer events: real DNS and TLS captures give a record per transaction",
          "[sensors][processor][applayer][corpus]") {
  const std::filesystem::path root = std::filesystem::path(VIGIL_SHARED_DIR) / "corpus/pcaps/mixed";
  if (!std::filesystem::exists(root)) {
    WARN("no corpus at " << root.string() << "; skipped");
    return;
  }
  const auto run = [&](const std::string& relative) {
    ProcessorOptions options;
    options.app_records = records({"dns", "tls"});
    auto h = std::make_unique<Harness>(compile(""), options);
    auto source = PcapFileSource::open((root / relative).string());
    REQUIRE(source.has_value());
    RawPacket raw;
    for (;;) {
      auto more = source->next(raw);
      REQUIRE(more.has_value());
      if (!*more) break;
      h->processor.process(source->link_type(), raw);
    }
    h->processor.finish();
    return h;
  };
  SECTION("DNS over UDP and TCP") {
    auto h = run("ndpi/dns_fragmented.pcap");
    const auto dns = h->sink.of_type(EventType::dns);
    const auto tx = h->processor.stats().app_layer.transactions[static_cast<size_t>(applayer::AppProto::dns)];
    CHECK(tx > 16);
    CHECK(dns.size() == tx);
    int weberlab_queries = 0;
    for (const Event& e : dns) {
      if (field(e, "dns.type") == "query" && field(e, "dns.rrname").find("weberlab.de") != std::string::npos) {
        ++weberlab_queries;
      }
    }
    CHECK(weberlab_queries == 16);  // tshark: 14 queries over UDP, 2 over TCP (as the dns.query rule counts)
  }
  SECTION("TLS 1.2 handshake") {
    auto h = run("zeek/tls_tls-1.2-stream-keylog.pcap");
    const auto tls = h->sink.of_type(EventType::tls);
    REQUIRE_FALSE(tls.empty());
    bool heise = false;
    for (const Event& e : tls) heise = heise || field(e, "tls.sni") == "www.heise.de";
    CHECK(heise);
    CHECK(h->sink.of_type(EventType::dns).empty());
  }
}
