// App-layer buffer rules in the packet pipeline: a sensors PacketProcessor reads a capture from
// the shared corpus, reassembles TCP, feeds each flow's app layer and runs its transactions
// through the TransactionMatcher; the alert events are counted per sid as `vigil replay` would.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "../applayer/capture_feeder.h"
#include "rules_test_util.h"
#include "vigil/core/event.h"
#include "vigil/sensors/packet_processor.h"
#include "vigil/sensors/pcap_file_source.h"

using namespace vigil;
using namespace vigil::rules::testing;

namespace {

class AlertCounter final : public EventSink {
 public:
  void consume(Event event) override {
    if (event.type == EventType::alert && event.alert) ++counts[event.alert->signature_id];
  }
  std::map<uint32_t, int> counts;
};

std::string text(const std::map<uint32_t, int>& counts) {
  std::string out;
  for (const auto& [sid, n] : counts) out += (out.empty() ? "" : " ") + std::to_string(sid) + ":" + std::to_string(n);
  return out;
}

// Alert counts per sid over a corpus capture; nullopt when the corpus is absent. `counters`
// receives the processor's stats counters.
std::optional<std::string> replay(const std::string& relative, const std::string& rules,
                                  std::map<std::string, uint64_t>* counters = nullptr) {
  const std::string path = applayer::test::corpus_path(relative);
  if (path.empty()) return std::nullopt;
  auto source = sensors::PcapFileSource::open(path);
  REQUIRE(source.has_value());
  AlertCounter sink;
  sensors::PacketProcessor processor(sensors::SensorIdentity{"test", "lab"}, compile_clean(rules), sink);
  sensors::RawPacket raw;
  for (;;) {
    auto more = source->next(raw);
    REQUIRE(more.has_value());
    if (!*more) break;
    processor.process(source->link_type(), raw);
  }
  processor.finish();
  if (counters != nullptr) {
    for (const auto& [name, value] : processor.counters()) (*counters)[name] = value;
  }
  return text(sink.counts);
}

}  // namespace

TEST_CASE("app-layer pipeline: HTTP, DNS and TLS buffer rules alert on real captures", "[rules][applayer][integration]") {
  SECTION("HTTP on port 8080 and 80 (Log4Shell capture), next to a packet rule") {
    std::map<std::string, uint64_t> counters;
    const auto counts = replay(
        "attacks/web/ndpi-log4j-webapp-exploit.pcap",
        "alert http any any -> any any (msg:\"jndi UA POST\"; flow:to_server; http.user_agent; content:\"jndi|3a|ldap\"; "
        "startswith; http.method; content:\"POST\"; sid:1;)\n"
        "alert http any any -> any 8080 (msg:\"login on 8080\"; http.uri; content:\"/log4shell/login\"; bsize:16; sid:2;)\n"
        "alert http any any -> any any (msg:\"java fetch\"; content:\"Java/\"; http_user_agent; content:\".class\"; "
        "http_uri; endswith; sid:3;)\n"
        "alert http any any -> any any (msg:\"200 to the POST\"; flow:to_client; http.method; content:\"POST\"; "
        "http.stat_code; content:\"200\"; sid:4;)\n"
        "alert tcp any any -> any any (msg:\"packet\"; content:\"jndi|3a|ldap\"; sid:5;)\n"
        "alert http any any -> any any (msg:\"not there\"; http.uri; content:\"/nothing\"; sid:6;)\n",
        &counters);
    if (!counts) return;
    CHECK(*counts == "1:1 2:1 3:2 4:1 5:1");
    // tshark: 3 requests and 3 responses over HTTP; stats events carry Suricata-named counters.
    CHECK(counters["app_layer.tx.http"] == 6);
    CHECK(counters["app_layer.flow.http"] >= 1);
    CHECK(counters["app_layer.tx.dns"] == 0);
  }
  SECTION("a URI split across TCP segments") {
    const auto counts = replay("mixed/ndpi/http_ua_splitted_in_two_pkts.pcapng",
                               "alert http any any -> any any (msg:\"impression\"; http.uri; "
                               "content:\"/tracking/adImpression?d=\"; startswith; sid:1;)\n"
                               "alert http any any -> any any (msg:\"long\"; flow:to_server; urilen:>1000; sid:2;)\n");
    if (!counts) return;
    CHECK(*counts == "1:27 2:37");  // tshark: 27 adImpression requests of 37, URIs of 1.2-1.5 KB
  }
  SECTION("DNS over UDP and TLS SNI") {
    const auto dns = replay("mixed/ndpi/dns_fragmented.pcap",
                            "alert dns any any -> any any (msg:\"weberlab\"; dns.query; dotprefix; "
                            "content:\".weberlab.de\"; endswith; sid:1;)\n");
    const auto tls = replay("mixed/zeek/tls_tls-1.2-stream-keylog.pcap",
                            "alert tls any any -> any any (msg:\"heise\"; tls.sni; content:\"www.heise.de\"; sid:1;)\n"
                            "alert tls any any -> any any (msg:\"cert\"; tls.cert_subject; content:\"CN=www.heise.de\"; sid:2;)\n");
    if (!dns || !tls) return;
    // tshark: 14 queries over UDP for weberlab.de and its subdomains, 2 over TCP.
    CHECK(*dns == "1:16");
    CHECK(*tls == "1:1 2:1");
  }
}
