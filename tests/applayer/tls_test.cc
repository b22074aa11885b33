// TLS handshakes from real captures. Expected SNI, JA3 and JA3S are what tshark 4.0 prints
// (tls.handshake.ja3 / ja3_full / ja3s / ja3s_full) for the same packets; certificate fields are
// what `openssl x509 -nameopt sep_comma_plus_space,sname` prints for the certificate bytes.
#include <catch2/catch.hpp>

#include <algorithm>

#include "capture_feeder.h"

using namespace vigil::applayer;
using namespace vigil::applayer::test;

TEST_CASE("tls: SNI, JA3, JA3S and the certificate of a TLS 1.2 handshake", "[applayer][tls][corpus]") {
  const std::string path = corpus_path("mixed/zeek/tls_tls-1.2-stream-keylog.pcap");
  if (path.empty()) return;
  // Whole segments, then one byte at a time: records split anywhere give the same result.
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{7}}) {
    FeedOptions options;
    options.chunk = chunk;
    const FeedResult result = feed_capture(path, options);
    REQUIRE(result.transactions.size() == 2);
    const RecordedTx& client = result.transactions[0];
    const RecordedTx& server = result.transactions[1];
    CHECK(client.proto == AppProto::tls);
    CHECK(client.direction == Direction::to_server);
    CHECK(client.get(BufferId::tls_sni) == "www.heise.de");
    CHECK(client.get(BufferId::ja3_hash) == "579ccef312d18482fc42e2b822ca2430");
    CHECK(client.get(BufferId::ja3_string) ==
          "771,4865-4867-4866-49195-49199-52393-52392-49196-49200-49162-49161-49171-49172-156-157-47-53,"
          "0-23-65281-10-11-35-16-5-34-51-43-13-45-28-21,29-23-24-25-256-257,0");
    CHECK(server.direction == Direction::to_client);
    CHECK(server.get(BufferId::tls_sni) == "www.heise.de");
    CHECK(server.get(BufferId::ja3s_hash) == "953e28364e4bd093e9de5afe980cfe7c");
    CHECK(server.get(BufferId::ja3s_string) == "771,49200,65281-0-16-11-23");
    CHECK(server.values.tls_version == 0x0303);
    CHECK(server.get(BufferId::tls_cert_subject) == "CN=www.heise.de");
    CHECK(server.get(BufferId::tls_cert_issuer) ==
          "C=GB, ST=Greater Manchester, L=Salford, O=Sectigo Limited, CN=Sectigo RSA Domain Validation Secure Server CA");
    CHECK(server.get(BufferId::tls_cert_serial) == "00:A0:19:44:86:08:54:6F:F9:02:71:18:45:DB:AD:8A:BC");
    CHECK(server.get(BufferId::tls_cert_fingerprint) == "17:67:3d:20:c9:2a:d9:44:6f:db:6c:5e:ed:41:71:6a:71:a6:cf:37");
    CHECK(server.buffers.count(BufferId::tls_certs) == 2);
    const nlohmann::json& tls = server.eve["tls"];
    CHECK(tls["sni"] == "www.heise.de");
    CHECK(tls["version"] == "TLS 1.2");
    CHECK(tls["subject"] == "CN=www.heise.de");
    CHECK(tls["notbefore"] == "2020-03-12T00:00:00");
    CHECK(tls["notafter"] == "2022-06-10T23:59:59");
    CHECK(tls["ja3"]["hash"] == "579ccef312d18482fc42e2b822ca2430");
    CHECK(tls["ja3s"]["hash"] == "953e28364e4bd093e9de5afe980cfe7c");
    CHECK(result.anomalies.empty());
    // Each side's records as received, for payload keywords (tshark: the ClientHello's segment is
    // 517 bytes; the server's hello, certificates, key exchange and hello-done fill 3,620).
    CHECK(client.raw.size() == 517);
    CHECK(client.raw.substr(0, 3) == "\x16\x03\x01");
    CHECK(client.raw.find("www.heise.de") != std::string::npos);
    CHECK(server.raw.size() == 3620);
    CHECK(server.raw.find("Sectigo Limited") != std::string::npos);
  }
  FeedOptions limited;
  limited.applayer.tls_raw_limit = 100;
  const FeedResult result = feed_capture(path, limited);
  REQUIRE(result.transactions.size() == 2);
  CHECK(result.transactions[0].raw.size() == 100);
  CHECK(result.transactions[0].get(BufferId::tls_sni) == "www.heise.de");  // parsing is not limited
}

TEST_CASE("tls: TLS 1.0 handshakes without SNI (ssl.v3 capture)", "[applayer][tls][corpus]") {
  const std::string path = corpus_path("mixed/zeek/tls_ssl.v3.pcap");
  if (path.empty()) return;
  const FeedResult result = feed_capture(path);
  size_t clients = 0, servers = 0;
  for (const RecordedTx& tx : result.transactions) {
    REQUIRE(tx.proto == AppProto::tls);
    if (tx.direction == Direction::to_server) {
      ++clients;
      CHECK_FALSE(tx.has(BufferId::tls_sni));
    } else {
      ++servers;
      CHECK(tx.get(BufferId::ja3s_hash) == "53611273a714cb4789c8222932efd5a7");
      CHECK(tx.get(BufferId::ja3s_string) == "769,4,");
      CHECK(tx.eve["tls"]["version"] == "TLS 1.0");
    }
  }
  CHECK(servers >= 3);
  CHECK(clients >= 2);
  // tshark: the second connection's ClientHello (frame 27).
  bool found = false;
  for (const RecordedTx& tx : result.transactions) {
    if (tx.get(BufferId::ja3_hash) == "716b10339fb8cc7be0f1e2e7187c73e8") {
      found = true;
      CHECK(tx.get(BufferId::ja3_string) ==
            "769,57-56-53-51-50-4-5-47-22-19-65279-10-21-18-65278-9-100-98-3-6,,,");
    }
  }
  CHECK(found);
}

TEST_CASE("tls: malformed records and oversized handshakes are anomalies", "[applayer][tls]") {
  AppLayerContext context;
  RecordingHandler handler;
  AppLayerFlow flow(context, Transport::tcp, 40000, 443);
  // A ClientHello record announcing a 16 MB handshake message.
  flow.on_stream_data(Direction::to_server, std::string("\x16\x03\x01\x00\x04\x01\xff\xff\xff", 9), handler);
  CHECK(flow.proto() == AppProto::tls);
  CHECK(handler.anomalies == std::vector<std::string>{"tls:tls.handshake_too_long"});
  // The server sends a record with a bad version.
  flow.on_stream_data(Direction::to_client, std::string("\x16\x07\x07\x00\x01\x00", 6), handler);
  CHECK(handler.anomalies.size() == 2);
  CHECK_FALSE(flow.wants_data());
  CHECK(flow.memory() < 4096);
}

TEST_CASE("tls: GREASE values are left out of JA3 (Chrome)", "[applayer][tls][corpus]") {
  const std::string path = corpus_path("mixed/ndpi/chrome.pcap");
  if (path.empty()) return;
  const FeedResult result = feed_capture(path);
  std::vector<std::string> hashes;
  for (const RecordedTx& tx : result.transactions) {
    if (tx.direction == Direction::to_server && tx.proto == AppProto::tls) {
      CHECK(tx.get(BufferId::tls_sni) == "www.iit.cnr.it");
      hashes.push_back(tx.get(BufferId::ja3_hash));
    }
  }
  // tshark, frames 4 and 24: cipher lists led by GREASE 0x9a9a / 0xfafa, which JA3 leaves out.
  REQUIRE(hashes.size() >= 2);
  CHECK(hashes[0] == "aa50c12a5dfa717d9d6ab34e97de79d5");
  CHECK(hashes[1] == "1b73862eae8f1711440a446b1ef357fd");
}

TEST_CASE("tls: a 5 KB certificate chain over several segments", "[applayer][tls][corpus]") {
  const std::string path = corpus_path("mixed/ndpi/tls_verylong_certificate.pcap");
  if (path.empty()) return;
  const FeedResult result = feed_capture(path);
  auto server = std::find_if(result.transactions.begin(), result.transactions.end(), [](const RecordedTx& tx) {
    return tx.proto == AppProto::tls && tx.direction == Direction::to_client;
  });
  REQUIRE(server != result.transactions.end());
  CHECK(server->get(BufferId::tls_sni) == "feodotracker.abuse.ch");
  CHECK(server->get(BufferId::tls_cert_subject) ==
        "C=US, ST=California, L=San Francisco, O=Fastly, Inc., CN=p2.shared.global.fastly.net");
  CHECK(server->get(BufferId::tls_cert_issuer) == "C=BE, O=GlobalSign nv-sa, CN=GlobalSign CloudSSL CA - SHA256 - G3");
  CHECK(server->get(BufferId::tls_cert_serial) == "66:30:D5:8F:2C:F2:1D:11:DF:0E:D7:94");
  CHECK(server->get(BufferId::ja3s_hash) == "ae53107a2e47ea20c72ac44821a728bf");
  const auto certs = server->buffers.equal_range(BufferId::tls_certs);
  std::vector<size_t> sizes;
  for (auto it = certs.first; it != certs.second; ++it) sizes.push_back(it->second.size());
  CHECK(sizes == std::vector<size_t>{4037, 1167});
}
