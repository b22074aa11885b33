#include "stream_inspector.h"

#include <memory>

#include "app_layer_inspector.h"
#include "vigil/core/event.h"

namespace vigil::sensors {

void StreamInspector::inspect(Flow& flow, const rules::Packet& packet, rules::Scanner& scanner,
                              std::vector<const rules::RuleInfo*>& alerts) {
  if (!options_.enabled || packet.proto != kProtoTcp) return;
  const bool syn = (packet.tcp_flags & rules::kTcpSyn) != 0;
  if (!flow.tcp) {
    if (packet.payload.empty() && !syn) return;  // pure ACKs of a midstream pickup: nothing to hold yet
    flow.tcp = std::make_unique<TcpSession>(stats_);
  }
  TcpSession& session = *flow.tcp;
  TcpReassembler& mine = session.direction(packet.to_server);
  if ((packet.tcp_flags & rules::kTcpAck) != 0) session.direction(!packet.to_server).on_peer_ack(packet.tcp_ack);
  if (syn) mine.on_syn(packet.tcp_seq);
  if (packet.payload.empty()) return;
  // Data on a SYN (TCP Fast Open) starts one past the SYN's own sequence number.
  const uint32_t seq = syn ? packet.tcp_seq + 1 : packet.tcp_seq;
  flow_ = &flow;
  packet_ = &packet;
  scanner_ = &scanner;
  alerts_ = &alerts;
  mine.add(seq, packet.payload, options_, stats_, *this);
  flow_ = nullptr;
  packet_ = nullptr;
  scanner_ = nullptr;
  alerts_ = nullptr;
}

void StreamInspector::flush(Flow& flow, rules::Scanner& scanner, bool to_server, rules::Packet& packet,
                            std::vector<const rules::RuleInfo*>& alerts) {
  if (!flow.tcp) return;
  flow_ = &flow;
  packet_ = &packet;
  scanner_ = &scanner;
  alerts_ = &alerts;
  flow.tcp->direction(to_server).flush(options_, stats_, *this);
  flow_ = nullptr;
  packet_ = nullptr;
  scanner_ = nullptr;
  alerts_ = nullptr;
}

void StreamInspector::on_stream_data(rules::StreamContext& detect, std::string_view history, std::string_view data,
                                     uint64_t history_offset) {
  scanner_->scan_stream(*packet_, detect, history, data, *alerts_, history_offset);
  if (app_layer_ != nullptr && flow_ != nullptr) {
    // The reassembler drops its history at a hole: no history past the stream's start is a gap.
    const bool gap = options_.history > 0 && history.empty() && history_offset > 0;
    app_layer_->on_stream_data(*flow_, *packet_, data, gap);
  }
}

}  // namespace vigil::sensors
