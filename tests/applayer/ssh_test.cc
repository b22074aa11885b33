// SSH banners from a real capture (tshark 4.0 ssh.protocol values).
#include <catch2/catch.hpp>

#include <algorithm>

#include "capture_feeder.h"

using namespace vigil::applayer;
using namespace vigil::applayer::test;

TEST_CASE("ssh: banners give ssh.proto and ssh.software", "[applayer][ssh][corpus]") {
  const std::string path = corpus_path("mixed/zeek/ssh_ssh.pcap");
  if (path.empty()) return;
  const FeedResult result = feed_capture(path);
  REQUIRE(result.transactions.size() >= 4);
  // First connection: server "SSH-2.0-OpenSSH_5.8", client "SSH-2.0-OpenSSH_5.9".
  const RecordedTx& server = result.transactions[0];
  const RecordedTx& client = result.transactions[1];
  CHECK(server.direction == Direction::to_client);
  CHECK(server.get(BufferId::ssh_proto) == "2.0");
  CHECK(server.get(BufferId::ssh_software) == "OpenSSH_5.8");
  CHECK(client.direction == Direction::to_server);
  CHECK(client.get(BufferId::ssh_software) == "OpenSSH_5.9");
  CHECK(client.eve["ssh"]["server"]["software_version"] == "OpenSSH_5.8");
  CHECK(client.eve["ssh"]["client"]["proto_version"] == "2.0");
  // A later connection's server: "SSH-1.99-OpenSSH_6.6.1p1 Ubuntu-2ubuntu2" (the comment is not
  // software).
  bool found = false;
  for (const RecordedTx& tx : result.transactions) {
    if (tx.get(BufferId::ssh_software) == "OpenSSH_6.6.1p1") found = tx.get(BufferId::ssh_proto) == "1.99";
  }
  CHECK(found);
  // 22 connections start with "SSH-": 20 on port 22 (those tshark decodes as SSH), one on 2200
  // and one on 40184.
  CHECK(std::count(result.flow_protos.begin(), result.flow_protos.end(), AppProto::ssh) == 22);
  CHECK(std::count_if(result.transactions.begin(), result.transactions.end(), [](const RecordedTx& tx) {
          return tx.server_port != 22 && tx.proto == AppProto::ssh;
        }) == 4);
}
