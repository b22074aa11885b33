#include <catch2/catch.hpp>

#include "vigil/core/eve_json.h"
#include "vigil/core/event_fields.h"

using namespace vigil;

namespace {

Event sample_alert() {
  Event e;
  e.type = EventType::alert;
  e.timestamp = 1772413200123456;
  e.flow_id = 123456789012345;
  e.src_ip = *IpAddress::parse("203.0.113.77");
  e.dest_ip = *IpAddress::parse("10.20.100.10");
  e.src_port = 51234;
  e.dest_port = 80;
  e.proto = kProtoTcp;
  e.sensor = "wan-edge";
  e.zone = "wan";
  e.incident_id = "INC-000007";
  e.payload = std::string("GET /?id=1' UNION\r\n\x00\xff", 21);
  e.alert = AlertInfo{"allowed", 1, 9000001, 2, "VIGIL SQLi", "Web Application Attack", 1};
  return e;
}

}  // namespace

TEST_CASE("an alert serialises as EVE JSON with vigil's extra fields", "[core][eve]") {
  const std::string json = to_eve_json(sample_alert());
  CHECK(json.rfind(R"({"timestamp":"2026-03-02T01:00:00.123456+0000","flow_id":123456789012345,)", 0) == 0);
  CHECK(json.find(R"("event_type":"alert")") != std::string::npos);
  CHECK(json.find(R"("proto":"TCP")") != std::string::npos);
  CHECK(json.find(R"("alert":{"action":"allowed","gid":1,"signature_id":9000001,"rev":2,"signature":"VIGIL SQLi","category":"Web Application Attack","severity":1})") != std::string::npos);
  CHECK(json.find(R"("sensor":"wan-edge","zone":"wan")") != std::string::npos);
  CHECK(json.find(R"("incident_id":"INC-000007")") != std::string::npos);
  CHECK(json.find(R"("payload_printable":"GET /?id=1' UNION\r\n..")") != std::string::npos);
  CHECK(json.find('\n') == std::string::npos);
}

TEST_CASE("events round-trip through EVE JSON", "[core][eve]") {
  const Event original = sample_alert();
  auto back = event_from_json(to_eve_json(original));
  REQUIRE(back);
  CHECK(back->timestamp == original.timestamp);
  CHECK(back->flow_id == original.flow_id);
  CHECK(back->src_ip == original.src_ip);
  CHECK(back->dest_port == 80);
  CHECK(back->payload == original.payload);
  CHECK(back->incident_id == "INC-000007");
  REQUIRE(back->alert);
  CHECK(back->alert->signature_id == 9000001);
  CHECK(back->alert->severity == 1);
  CHECK(to_eve_json(*back) == to_eve_json(original));

  Event flow;
  flow.type = EventType::flow;
  flow.timestamp = 1000;
  flow.src_ip = *IpAddress::parse("2001:db8::1");
  flow.dest_ip = *IpAddress::parse("2001:db8::2");
  flow.proto = kProtoUdp;
  flow.src_port = 5353;
  flow.dest_port = 53;
  flow.flow = FlowInfo{1, 2, 60, 120, 0, 1000, "established", "timeout", false};
  auto flow_back = event_from_json(to_eve_json(flow));
  REQUIRE(flow_back);
  CHECK(to_eve_json(*flow_back) == to_eve_json(flow));

  Event stats;
  stats.type = EventType::stats;
  stats.stats = StatsInfo{{{"decoder.pkts", 10}, {"decoder.bytes", 600}, {"flow.active", 3}}};
  const std::string stats_json = to_eve_json(stats);
  CHECK(stats_json.find(R"("stats":{"decoder":{"pkts":10,"bytes":600},"flow":{"active":3}})") != std::string::npos);
  CHECK(event_from_json(stats_json)->stats->counters.size() == 3);
}

TEST_CASE("ICMP events carry no ports", "[core][eve]") {
  Event e;
  e.type = EventType::anomaly;
  e.src_ip = *IpAddress::parse("10.0.0.1");
  e.dest_ip = *IpAddress::parse("10.0.0.2");
  e.proto = kProtoIcmp;
  e.anomaly = AnomalyInfo{"decode", "icmpv4.trunc_pkt"};
  const std::string json = to_eve_json(e);
  CHECK(json.find("src_port") == std::string::npos);
  CHECK(json.find(R"("anomaly":{"type":"decode","event":"icmpv4.trunc_pkt"})") != std::string::npos);
}

TEST_CASE("broken event JSON is an error", "[core][eve]") {
  for (const char* text : {"", "{", "[]", R"({"event_type":"alert"})", R"({"event_type":"bogus","timestamp":"2026-03-02"})",
                           R"({"event_type":"alert","timestamp":"2026-03-02","src_ip":"1.2.3"})",
                           R"({"event_type":"alert","timestamp":"2026-03-02","payload":"%%%%"})"}) {
    CHECK_FALSE(event_from_json(text));
  }
}

TEST_CASE("incidents round-trip through JSON", "[core][incident]") {
  Incident inc;
  inc.id = format_incident_id(42);
  inc.title = "SSH brute force from 198.51.100.23";
  inc.severity = Severity::high;
  inc.state = IncidentState::investigating;
  inc.layer = 2;
  inc.rule_id = "ssh-bruteforce";
  inc.group_key = "src_ip=198.51.100.23";
  inc.first_seen = 100;
  inc.last_seen = 200;
  inc.event_count = 31;
  inc.events = {{100, 1}, {150, 7}};
  inc.observables = {{"ip", "198.51.100.23"}};
  inc.timeline = {{100, "correlator", "raised"}};
  inc.report.detected_at = 100;
  inc.report.initial_due = 100 + hours(24);
  inc.report.initial_sent = 5000;
  CHECK(inc.id == "INC-000042");
  auto back = incident_from_json(to_json(inc));
  REQUIRE(back);
  CHECK(to_json(*back) == to_json(inc));
  CHECK(back->events == inc.events);
  CHECK(back->report.initial_sent == inc.report.initial_sent);
  CHECK_FALSE(back->report.full_sent);
  CHECK_FALSE(incident_from_json(R"({"id":"INC-1","severity":"huge","state":"new"})"));
}

TEST_CASE("incident policy fields round-trip through JSON", "[core][incident]") {
  Incident inc;
  inc.id = format_incident_id(7);
  inc.severity = Severity::critical;
  inc.first_seen = inc.last_seen = 1'000'000;
  inc.category = "ransomware";
  inc.agencies = {"So Tai chinh", "UBND tinh"};
  inc.protection_level = 4;
  inc.drill = true;
  inc.report_required = true;
  inc.acknowledged_at = 2'000'000;
  inc.escalated_at = 3'000'000;
  inc.report.initial_overdue = true;
  auto back = incident_from_json(to_json(inc));
  REQUIRE(back);
  CHECK(back->category == "ransomware");
  CHECK(back->agencies == inc.agencies);
  CHECK(back->protection_level == 4);
  CHECK(back->drill);
  CHECK(back->report_required);
  CHECK(back->acknowledged_at == inc.acknowledged_at);
  CHECK(back->escalated_at == inc.escalated_at);
  CHECK(back->report.initial_overdue);
  CHECK_FALSE(back->report.full_overdue);
  CHECK(to_json(*back) == to_json(inc));
}

TEST_CASE("incident records written before the policy fields decode with defaults", "[core][incident]") {
  // The shape stored by earlier versions: no category, agencies, drill, acknowledged_at...
  auto old = incident_from_json(
      R"({"id":"INC-000003","title":"t","severity":"high","state":"acknowledged","resolution":"none","layer":1,)"
      R"("assignee":"","rule_id":"r","group_key":"","first_seen":"2024-03-01T10:00:00.000000+0000",)"
      R"("last_seen":"2024-03-01T10:00:00.000000+0000","event_count":1,"events":[],"observables":[],"tlp":"amber",)"
      R"("timeline":[],"report":{"detected_at":"2024-03-01T10:00:00.000000+0000","initial_due":)"
      R"("2024-03-02T10:00:00.000000+0000","full_due":"2024-03-04T10:00:00.000000+0000","initial_sent":null,)"
      R"("full_sent":null,"receipts":[]}})");
  REQUIRE(old);
  CHECK(old->state == IncidentState::acknowledged);
  CHECK(old->category == "other");
  CHECK(old->agencies.empty());
  CHECK(old->protection_level == 0);
  CHECK_FALSE(old->drill);
  CHECK_FALSE(old->report_required);
  CHECK_FALSE(old->acknowledged_at);
  CHECK_FALSE(old->escalated_at);
  CHECK_FALSE(old->report.initial_overdue);
}

TEST_CASE("event fields are reachable by their EVE names", "[core][fields]") {
  const Event e = sample_alert();
  CHECK(event_field(e, "event_type")->text == "alert");
  CHECK(event_field(e, "src_ip")->ip == IpAddress::parse("203.0.113.77").value());
  CHECK(event_field(e, "dest_port")->number == 80);
  CHECK(event_field(e, "alert.signature_id")->number == 9000001);
  CHECK(event_field(e, "alert.severity")->text == "1");
  CHECK(event_field(e, "proto")->text == "TCP");
  CHECK_FALSE(event_field(e, "flow.bytes_toserver"));
  CHECK_FALSE(event_field(e, "nonsense"));
}

TEST_CASE("base64 round trip and rejects garbage", "[core][eve]") {
  for (std::string bytes : {std::string(), std::string("a"), std::string("ab"), std::string("abc"), std::string("\0\1\2\xff", 4)}) {
    CHECK(*base64_decode(base64_encode(bytes)) == bytes);
  }
  CHECK(base64_encode("Man") == "TWFu");
  CHECK_FALSE(base64_decode("TWF"));
  CHECK_FALSE(base64_decode("TW=u"));
}

TEST_CASE("app-layer context: an alert's object and app_proto, a record's object under its type", "[core][eve]") {
  Event alert = sample_alert();
  alert.app = AppLayerInfo{"http", R"({"hostname":"portal.example.gov.vn","url":"/a?b=1","status":403,"ja3":{"hash":"x"}})"};
  const std::string json = to_eve_json(alert);
  CHECK(json.find(R"("http":{"hostname":"portal.example.gov.vn","url":"/a?b=1","status":403,"ja3":{"hash":"x"}},"app_proto":"http")") !=
        std::string::npos);
  auto back = event_from_json(json);
  REQUIRE(back);
  REQUIRE(back->app);
  CHECK(back->app->proto == "http");
  CHECK(to_eve_json(*back) == json);

  CHECK(event_field(alert, "app_proto")->text == "http");
  CHECK(event_field(alert, "http.hostname")->text == "portal.example.gov.vn");
  CHECK(event_field(alert, "http.status")->number == 403);
  CHECK(event_field(alert, "http.ja3.hash")->text == "x");
  CHECK_FALSE(event_field(alert, "http.ja3"));            // an object is not one value
  CHECK_FALSE(event_field(alert, "http.hostname.more"));  // nothing below a value
  CHECK_FALSE(event_field(alert, "http.missing"));
  CHECK_FALSE(event_field(alert, "dns.rrname"));          // another protocol's field
  CHECK_FALSE(event_field(sample_alert(), "app_proto"));

  Event dns;
  dns.type = EventType::dns;
  dns.timestamp = 5;
  dns.proto = kProtoUdp;
  dns.app = AppLayerInfo{"dns", R"({"type":"query","id":7,"rrname":"mail.example.vn","rrtype":"MX"})"};
  const std::string record = to_eve_json(dns);
  CHECK(record.find(R"("event_type":"dns")") != std::string::npos);
  CHECK(record.find(R"("dns":{"type":"query","id":7,"rrname":"mail.example.vn","rrtype":"MX"})") != std::string::npos);
  CHECK(record.find("app_proto") == std::string::npos);
  auto dns_back = event_from_json(record);
  REQUIRE(dns_back);
  CHECK(dns_back->type == EventType::dns);
  CHECK(to_eve_json(*dns_back) == record);
  CHECK(event_field(*dns_back, "dns.rrname")->text == "mail.example.vn");
}

TEST_CASE("app-layer context from outside never replaces an event's own fields", "[core][eve]") {
  // A sensor-link peer or an EVE file names the object: only http, dns, tls, ssh are taken.
  auto odd = event_from_json(
      R"({"timestamp":"2026-03-02T01:00:00.000000+0000","event_type":"alert","app_proto":"flow","flow":{"state":"new"}})");
  REQUIRE(odd);
  CHECK_FALSE(odd->app);
  auto not_object = event_from_json(
      R"({"timestamp":"2026-03-02T01:00:00.000000+0000","event_type":"tls","tls":"www.example.vn"})");
  REQUIRE(not_object);
  CHECK_FALSE(not_object->app);
  // Suricata's app_proto without an object (e.g. "failed") is not app context either.
  auto failed = event_from_json(R"({"timestamp":"2026-03-02T01:00:00.000000+0000","event_type":"alert","app_proto":"failed"})");
  REQUIRE(failed);
  CHECK_FALSE(failed->app);
  // Stored text that is no longer JSON (a damaged record) loses the context, not the event.
  Event damaged = sample_alert();
  damaged.app = AppLayerInfo{"tls", "{not json"};
  const std::string json = to_eve_json(damaged);
  CHECK(json.find("\"tls\"") == std::string::npos);
  CHECK(event_from_json(json).has_value());
}
