// Bad input is data: floods and garbage are counted and stay within the documented memory bounds.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include "capture_feeder.h"

using namespace vigil::applayer;
using namespace vigil::applayer::test;

TEST_CASE("robustness: a pipelining flood stops HTTP parsing at the pending limit", "[applayer][robustness]") {
  AppLayerContext context;
  AppLayerFlow flow(context, Transport::tcp, 40000, 80);
  RecordingHandler handler;
  for (int i = 0; i < 1000; ++i) flow.on_stream_data(Direction::to_server, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n", handler);
  CHECK(std::count(handler.anomalies.begin(), handler.anomalies.end(), "http:http.too_many_pending") == 1);
  CHECK(handler.transactions.size() == context.options().http_max_pending);
  CHECK_FALSE(flow.wants_data());
  CHECK(flow.memory() < 1024 * 1024);
}

TEST_CASE("robustness: endless header lines and banners stay bounded", "[applayer][robustness]") {
  AppLayerContext context;
  RecordingHandler handler;
  AppLayerFlow http(context, Transport::tcp, 40000, 80);
  http.on_stream_data(Direction::to_server, "GET / HTTP/1.1\r\n", handler);
  const std::string line = "X-Filler: " + std::string(100, 'a') + "\r\n";
  size_t peak = 0;
  for (int i = 0; i < 20000; ++i) {
    http.on_stream_data(Direction::to_server, line, handler);
    peak = std::max(peak, http.memory());
  }
  CHECK(peak < 1024 * 1024);

  AppLayerFlow ssh(context, Transport::tcp, 40000, 22);
  ssh.on_stream_data(Direction::to_client, "SSH-2.0-", handler);
  for (int i = 0; i < 1000; ++i) ssh.on_stream_data(Direction::to_client, std::string(1000, 'z'), handler);
  CHECK(ssh.memory() < 4096);
  CHECK(std::count(handler.anomalies.begin(), handler.anomalies.end(), "ssh:ssh.invalid_banner") == 1);
}

TEST_CASE("robustness: random bytes after each protocol's start never crash", "[applayer][robustness]") {
  std::mt19937 random(42);
  const std::string starts[] = {"GET / HTTP/1.1\r\n", std::string("\x16\x03\x01\x00\x40\x01", 6), "SSH-2.0-x\r\n",
                                std::string("\x00\x20\x12\x34\x01\x00\x00\x01", 8)};
  for (const std::string& start : starts) {
    for (int round = 0; round < 200; ++round) {
      AppLayerContext context;
      AppLayerFlow flow(context, Transport::tcp, 40000, 53);
      RecordingHandler handler;
      flow.on_stream_data(Direction::to_server, start, handler);
      for (int piece = 0; piece < 8; ++piece) {
        std::string bytes(random() % 300, '\0');
        for (char& c : bytes) c = static_cast<char>(random());
        flow.on_stream_data(static_cast<Direction>(random() % 2), bytes, handler);
      }
      flow.on_close(handler);
      CHECK(flow.memory() < 256 * 1024);
    }
  }
}

TEST_CASE("robustness: every corpus capture goes through the app layer within the memory bound",
          "[applayer][robustness][corpus]") {
  const std::string root = corpus_path("");
  if (root.empty()) return;
  size_t files = 0;
  std::array<uint64_t, kAppProtoCount> recognised{};
  for (const auto& dir : {"robustness", "mixed/zeek", "mixed/chrissanders", "attacks"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(std::filesystem::path(root) / dir)) {
      if (!entry.is_regular_file()) continue;
      INFO(entry.path().string());
      const FeedResult result = feed_capture(entry.path().string());
      ++files;
      for (size_t p = 0; p < kAppProtoCount; ++p) recognised[p] += result.stats.recognised[p];
      // Two body limits, libhtp's fields and the TLS handshake limit: well under 1 MiB per flow.
      CHECK(result.max_flow_memory < 1024 * 1024);
    }
  }
  CHECK(files > 30);
  CHECK(recognised[static_cast<size_t>(AppProto::http)] > 100);
  CHECK(recognised[static_cast<size_t>(AppProto::tls)] > 5);
  CHECK(recognised[static_cast<size_t>(AppProto::dns)] > 50);
  CHECK(recognised[static_cast<size_t>(AppProto::ssh)] > 10);
}
