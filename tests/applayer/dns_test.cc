// DNS over UDP and TCP on real captures (expected values read with tshark 4.0), and malformed
// messages that must only be counted.
#include <catch2/catch.hpp>

#include <algorithm>

#include "capture_feeder.h"

using namespace vigil::applayer;
using namespace vigil::applayer::test;

TEST_CASE("dns: queries and answers over UDP, answers rebuilt from IP fragments", "[applayer][dns][corpus]") {
  const std::string path = corpus_path("mixed/ndpi/dns_fragmented.pcap");
  if (path.empty()) return;
  const FeedResult result = feed_capture(path);
  std::vector<RecordedTx> queries, answers;
  for (const RecordedTx& tx : result.transactions) {
    REQUIRE(tx.proto == AppProto::dns);
    if (!tx.tcp) (tx.direction == Direction::to_server ? queries : answers).push_back(tx);
  }
  // tshark: 20 queries and 19 answers over UDP.
  REQUIRE(queries.size() == 20);
  REQUIRE(answers.size() == 19);
  CHECK(queries[0].get(BufferId::dns_query) == "weberlab.de");
  CHECK(queries[0].values.dns_qtype == 48);
  CHECK(queries[0].values.dns_id == 0xd43f);
  CHECK(queries[0].eve["dns"]["type"] == "query");
  CHECK(queries[0].eve["dns"]["rrtype"] == "DNSKEY");
  CHECK_FALSE(answers[0].has(BufferId::dns_query));  // a request buffer, as in Suricata 7
  // Frame 3, an answer that came in two IP fragments: 2 DNSKEY and 2 RRSIG records.
  CHECK(answers[0].values.dns_id == 0xd43f);
  CHECK(answers[0].eve["dns"]["answers"].size() == 4);
  // Frame 29: sigok.verteiltesysteme.net A 134.91.78.139.
  auto sigok = std::find_if(answers.begin(), answers.end(), [](const RecordedTx& tx) {
    return tx.values.dns_id == 0x91df;
  });
  REQUIRE(sigok != answers.end());
  const nlohmann::json& answer = sigok->eve["dns"];
  CHECK(answer["rrname"] == "sigok.verteiltesysteme.net");
  CHECK(answer["rcode"] == "NOERROR");
  REQUIRE(answer["answers"].size() == 1);
  CHECK(answer["answers"][0]["rdata"] == "134.91.78.139");
  CHECK(answer["grouped"]["A"] == nlohmann::json::array({"134.91.78.139"}));
  CHECK(result.anomalies.empty());
}

TEST_CASE("dns: over TCP, length-prefixed, and UDP answers that came in IP fragments", "[applayer][dns][corpus]") {
  const std::string path = corpus_path("mixed/ndpi/dns_fragmented.pcap");
  if (path.empty()) return;
  for (size_t chunk : {size_t{0}, size_t{1}}) {
    FeedOptions options;
    options.chunk = chunk;
    const FeedResult result = feed_capture(path, options);
    std::vector<RecordedTx> tcp;
    std::copy_if(result.transactions.begin(), result.transactions.end(), std::back_inserter(tcp),
                 [](const RecordedTx& tx) { return tx.tcp; });
    // tshark: two TCP connections, each one DNSKEY (48) query for weberlab.de and its answer with
    // 4 records.
    REQUIRE(tcp.size() == 4);
    CHECK(tcp[0].direction == Direction::to_server);
    CHECK(tcp[0].get(BufferId::dns_query) == "weberlab.de");
    CHECK(tcp[0].values.dns_qtype == 48);
    CHECK(tcp[1].direction == Direction::to_client);
    CHECK(tcp[1].eve["dns"]["answers"].size() == 4);
    CHECK(result.anomalies.empty());
  }
}

TEST_CASE("dns: malformed messages and compression loops are anomalies, not crashes", "[applayer][dns]") {
  AppLayerContext context;
  RecordingHandler handler;
  AppLayerFlow flow(context, Transport::udp, 40000, 53);
  const std::string query("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07" "example\x03" "com\x00\x00\x01\x00\x01", 33);
  flow.on_datagram(Direction::to_server, query, handler);
  REQUIRE(handler.transactions.size() == 1);
  CHECK(handler.transactions[0].get(BufferId::dns_query) == "www.example.com");

  // An answer whose name (at offset 21) is a pointer to itself.
  std::string loop("\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x03www\x00\x00\x01\x00\x01\xc0\x15", 23);
  loop.append("\x00\x01\x00\x01\x00\x00\x00\x10\x00\x04\x01\x02\x03\x04", 14);
  flow.on_datagram(Direction::to_client, loop, handler);
  std::string self_question("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01", 18);
  flow.on_datagram(Direction::to_server, self_question, handler);
  flow.on_datagram(Direction::to_server, std::string("\x12\x34\x01", 3), handler);
  CHECK(std::count(handler.anomalies.begin(), handler.anomalies.end(), "dns:dns.truncated") == 1);
  CHECK(std::count(handler.anomalies.begin(), handler.anomalies.end(), "dns:dns.malformed_data") >= 2);
  CHECK(flow.memory() < 4096);
}
