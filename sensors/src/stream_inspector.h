// StreamInspector: the PacketProcessor's TCP stream stage. Feeds each TCP packet of a flow to the
// flow's TcpSession and runs the in-order bytes that come out through the Scanner's stream-mode
// database, adding what matches to the packet's alerts.
// Thread contract: one per PacketProcessor, on its worker thread.
#pragma once

#include <vector>

#include "vigil/rules/packet.h"
#include "vigil/rules/rule_info.h"
#include "vigil/rules/scanner.h"
#include "vigil/sensors/flow_table.h"
#include "vigil/sensors/tcp_stream.h"

namespace vigil::sensors {

class AppLayerInspector;

class StreamInspector final : public StreamConsumer {
 public:
  explicit StreamInspector(StreamOptions options) : options_(options) {}
  // In-order bytes also go to the flow's app layer (app_layer_inspector.h) when it is active.
  void set_app_layer(AppLayerInspector* app_layer) { app_layer_ = app_layer; }

  // After the packet scan: reassembles the packet's direction and appends stream matches.
  void inspect(Flow& flow, const rules::Packet& packet, rules::Scanner& scanner,
               std::vector<const rules::RuleInfo*>& alerts);

  // The flow ends: inspects the data each direction still holds behind a hole (TcpReassembler::
  // flush) and appends what matches, for `direction` (to_server, then to_client) as `packet`'s
  // own stream matches would be. The pseudo packet carries the flow's addresses, ports and state.
  void flush(Flow& flow, rules::Scanner& scanner, bool to_server, rules::Packet& packet,
             std::vector<const rules::RuleInfo*>& alerts);

  void on_stream_data(rules::StreamContext& detect, std::string_view history, std::string_view data,
                      uint64_t history_offset) override;

  const StreamStats& stats() const { return stats_; }

 private:
  StreamOptions options_;
  StreamStats stats_;
  // The packet being inspected, for the duration of inspect() only.
  Flow* flow_ = nullptr;
  AppLayerInspector* app_layer_ = nullptr;
  const rules::Packet* packet_ = nullptr;
  rules::Scanner* scanner_ = nullptr;
  std::vector<const rules::RuleInfo*>* alerts_ = nullptr;
};

}  // namespace vigil::sensors
