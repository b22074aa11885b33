// Test-only: reads a capture with the sensors' decoder, defragmenter and TcpReassembler and feeds
// each flow's in-order bytes (or datagrams) to an AppLayerFlow, recording every transaction as
// owned strings so tests can look at them after the call.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/applayer/app_layer_flow.h"

namespace vigil::applayer::test {

struct RecordedTx {
  AppProto proto = AppProto::unknown;
  Direction direction = Direction::to_server;
  uint64_t id = 0;
  bool complete = true;
  bool tcp = true;
  uint16_t server_port = 0;
  size_t flow = 0;  // index of the flow in the capture, in order of first packet
  std::multimap<BufferId, std::string> buffers;
  TxValues values;
  std::string raw;
  nlohmann::json eve;

  std::string get(BufferId wanted) const {
    auto it = buffers.find(wanted);
    return it == buffers.end() ? std::string() : it->second;
  }
  bool has(BufferId wanted) const { return buffers.count(wanted) > 0; }
};

struct FeedResult {
  std::vector<RecordedTx> transactions;
  std::vector<std::string> anomalies;
  std::vector<AppProto> flow_protos;  // per flow with payload, in order
  AppLayerStats stats;
  size_t max_flow_memory = 0;  // the largest AppLayerFlow::memory() seen after any call
  bool read_error = false;
};

struct FeedOptions {
  AppLayerOptions applayer;
  // Hands in-order stream bytes over in pieces of at most this many bytes (0: as reassembled),
  // so records, lines and names split at every possible point.
  size_t chunk = 0;
  // false: decode and reassemble only (the baseline when timing the app layer).
  bool parse = true;
};

FeedResult feed_capture(const std::string& path, const FeedOptions& options = {});

// Collects the transactions of direct AppLayerFlow calls.
class RecordingHandler final : public TransactionHandler {
 public:
  RecordingHandler() = default;
  virtual ~RecordingHandler() = default;
  void on_transaction(const Transaction& tx) override;
  void on_anomaly(AppProto proto, std::string_view event) override;

  std::vector<RecordedTx> transactions;
  std::vector<std::string> anomalies;
};

RecordedTx record(const Transaction& tx);

std::string corpus_path(const std::string& relative);  // empty when the shared corpus is absent

}  // namespace vigil::applayer::test
