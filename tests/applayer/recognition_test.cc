// Protocol recognition looks at the bytes, not the port.
#include <catch2/catch.hpp>

#include "capture_feeder.h"

using namespace vigil::applayer;
using namespace vigil::applayer::test;

namespace {

AppProto recognise(std::string_view to_server, std::string_view to_client, uint16_t port,
                   Transport transport = Transport::tcp) {
  AppLayerContext context;
  AppLayerFlow flow(context, transport, 40000, port);
  RecordingHandler handler;
  if (transport == Transport::udp) {
    flow.on_datagram(Direction::to_server, to_server, handler);
  } else {
    if (!to_client.empty()) flow.on_stream_data(Direction::to_client, to_client, handler);
    if (!to_server.empty()) flow.on_stream_data(Direction::to_server, to_server, handler);
  }
  return flow.proto();
}

}  // namespace

TEST_CASE("recognition: by content, whatever the port", "[applayer][recognition]") {
  CHECK(recognise("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "", 8080) == AppProto::http);
  CHECK(recognise("", "SSH-2.0-OpenSSH_9.0\r\n", 80) == AppProto::ssh);
  CHECK(recognise("SSH-2.0-PuTTY\r\n", "", 80) == AppProto::ssh);
  CHECK(recognise(std::string("\x16\x03\x01\x00\x30\x01\x00\x00\x2c", 9), "", 25) == AppProto::tls);
  CHECK(recognise("", "220 mail.example.com ESMTP Postfix\r\n", 2525) == AppProto::smtp);
  CHECK(recognise("", "220 ProFTPD Server ready\r\n", 21) == AppProto::ftp);
  CHECK(recognise("USER anonymous\r\n", "220 welcome\r\n", 2121) == AppProto::ftp);
  CHECK(recognise("EHLO client\r\n", "220 welcome\r\n", 587) == AppProto::smtp);
  CHECK(recognise("\x01\x02garbage that is no protocol", "", 80) == AppProto::unknown);
  // DNS has no pattern: only on its port, and only when it parses.
  const std::string query("\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01" "a\x00\x00\x01\x00\x01", 19);
  CHECK(recognise(query, "", 53, Transport::udp) == AppProto::dns);
  CHECK(recognise(query, "", 5353, Transport::udp) == AppProto::unknown);
  CHECK(recognise("GET / HTTP/1.1\r\n\r\n", "", 53, Transport::udp) == AppProto::unknown);
}

TEST_CASE("recognition: a pattern split over segments waits for the rest", "[applayer][recognition]") {
  AppLayerContext context;
  AppLayerFlow flow(context, Transport::tcp, 40000, 80);
  RecordingHandler handler;
  flow.on_stream_data(Direction::to_server, "GE", handler);
  CHECK(flow.proto() == AppProto::unknown);
  CHECK(flow.wants_data());
  const std::string uri = "/" + std::string(3000, 'u');  // longer than what recognition holds
  flow.on_stream_data(Direction::to_server, "T " + uri + " HTTP/1.0\r\n\r\n", handler);
  CHECK(flow.proto() == AppProto::http);
  REQUIRE(handler.transactions.size() == 1);
  CHECK(handler.transactions[0].get(BufferId::http_uri) == uri);
}

TEST_CASE("recognition: both directions unknown -> the flow stops asking for data", "[applayer][recognition]") {
  AppLayerContext context;
  AppLayerFlow flow(context, Transport::tcp, 40000, 443);
  RecordingHandler handler;
  flow.on_stream_data(Direction::to_server, "hello there", handler);
  CHECK(flow.wants_data());
  flow.on_stream_data(Direction::to_client, "general kenobi", handler);
  CHECK_FALSE(flow.wants_data());
  CHECK(context.stats().unrecognised == 1);
  // A gap before recognition: that direction's start is lost.
  AppLayerFlow gapped(context, Transport::tcp, 40000, 80);
  gapped.on_gap(Direction::to_server, handler);
  gapped.on_stream_data(Direction::to_server, "GET / HTTP/1.1\r\n\r\n", handler);
  CHECK(gapped.proto() == AppProto::unknown);
}

TEST_CASE("recognition: names and buffer keywords", "[applayer][recognition]") {
  CHECK(app_proto_by_name("http1") == AppProto::http);
  CHECK(app_proto_by_name("ssl") == AppProto::tls);
  CHECK(app_proto_name(AppProto::dns) == "dns");
  for (size_t i = 0; i < kBufferIdCount; ++i) {
    const auto id = static_cast<BufferId>(i);
    CHECK(buffer_by_name(buffer_name(id)) == id);
  }
  CHECK(buffer_by_name("http_client_body") == BufferId::http_request_body);
  CHECK(buffer_by_name("http_raw_uri") == BufferId::http_uri_raw);
  CHECK(buffer_by_name("file_data") == BufferId::file_data);
  CHECK_FALSE(buffer_by_name("http.nope").has_value());
}
