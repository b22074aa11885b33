#include "capture_feeder.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <tuple>

#include "vigil/sensors/decoder.h"
#include "vigil/sensors/ip_defragmenter.h"
#include "vigil/sensors/pcap_file_source.h"
#include "vigil/sensors/tcp_stream.h"

namespace vigil::applayer::test {

RecordedTx record(const Transaction& tx) {
  RecordedTx r;
  r.proto = tx.proto;
  r.direction = tx.direction;
  r.id = tx.id;
  r.complete = tx.complete;
  for (const BufferEntry& entry : tx.buffers) r.buffers.emplace(entry.id, std::string(entry.data));
  r.values = tx.values;
  r.raw = std::string(tx.raw);
  r.eve = tx.eve();
  return r;
}

void RecordingHandler::on_transaction(const Transaction& tx) { transactions.push_back(record(tx)); }

void RecordingHandler::on_anomaly(AppProto proto, std::string_view event) {
  anomalies.push_back(std::string(app_proto_name(proto)) + ":" + std::string(event));
}

std::string corpus_path(const std::string& relative) {
  const std::filesystem::path path = std::filesystem::path(VIGIL_SHARED_DIR) / "corpus/pcaps" / relative;
  return std::filesystem::exists(path) ? path.string() : std::string();
}

namespace {

using Endpoint = std::pair<IpAddress, uint16_t>;

struct FlowKey {
  uint8_t proto;
  Endpoint a, b;  // a < b
  bool operator<(const FlowKey& o) const {
    return std::tie(proto, a.first, a.second, b.first, b.second) <
           std::tie(o.proto, o.a.first, o.a.second, o.b.first, o.b.second);
  }
};

struct Flow;

// Forwards reassembled bytes to the flow's app layer, telling it about gaps.
class Forwarder final : public sensors::StreamConsumer {
 public:
  Flow* flow = nullptr;
  Direction direction = Direction::to_server;
  uint64_t consumed = 0;
  void on_stream_data(rules::StreamContext&, std::string_view history, std::string_view data,
                      uint64_t history_offset) override;
};

struct Flow {
  size_t index = 0;
  Endpoint client;
  uint16_t client_port = 0;
  uint16_t server_port = 0;
  bool tcp = true;
  std::unique_ptr<AppLayerFlow> app;
  sensors::TcpReassembler reassembler[2];
  Forwarder forwarder[2];
  bool counted = false;
};

struct Feeder {
  const FeedOptions& options;
  AppLayerContext context;
  RecordingHandler handler;
  FeedResult result;
  sensors::StreamOptions stream_options;
  sensors::StreamStats stream_stats;
  Flow* current = nullptr;
  struct NullConsumer final : sensors::StreamConsumer {
    void on_stream_data(rules::StreamContext&, std::string_view, std::string_view, uint64_t) override {}
  } null_consumer;

  explicit Feeder(const FeedOptions& o) : options(o), context(o.applayer) { stream_options.depth = 0; }

  void after_call(Flow& flow) {
    result.max_flow_memory = std::max(result.max_flow_memory, flow.app->memory());
  }

  void take(size_t first_tx, Flow& flow) {
    for (size_t i = first_tx; i < handler.transactions.size(); ++i) {
      handler.transactions[i].flow = flow.index;
      handler.transactions[i].tcp = flow.tcp;
      handler.transactions[i].server_port = flow.server_port;
    }
  }

  void data(Flow& flow, Direction direction, std::string_view bytes) {
    const size_t first = handler.transactions.size();
    const size_t chunk = options.chunk == 0 ? bytes.size() : options.chunk;
    for (size_t at = 0; at < bytes.size(); at += chunk) {
      flow.app->on_stream_data(direction, bytes.substr(at, chunk), handler);
      after_call(flow);
    }
    take(first, flow);
  }
};

Feeder* g_feeder = nullptr;  // the Forwarder's way back; one feed at a time in a test

void Forwarder::on_stream_data(rules::StreamContext&, std::string_view history, std::string_view data,
                               uint64_t history_offset) {
  const uint64_t start = history_offset + history.size();
  if (start > consumed) {
    const size_t first = g_feeder->handler.transactions.size();
    flow->app->on_gap(direction, g_feeder->handler);
    g_feeder->take(first, *flow);
  }
  consumed = start + data.size();
  g_feeder->data(*flow, direction, data);
}

}  // namespace

FeedResult feed_capture(const std::string& path, const FeedOptions& options) {
  Feeder feeder(options);
  g_feeder = &feeder;
  auto source = sensors::PcapFileSource::open(path);
  if (!source) {
    feeder.result.read_error = true;
    return feeder.result;
  }
  sensors::Decoder decoder;
  sensors::IpDefragmenter defrag;
  std::vector<std::string_view> defrag_anomalies;
  std::map<FlowKey, std::unique_ptr<Flow>> flows;
  std::vector<Flow*> order;
  sensors::RawPacket raw;
  rules::Packet packet;
  while (true) {
    auto more = source->next(raw);
    if (!more) {
      feeder.result.read_error = true;
      break;
    }
    if (!*more) break;
    sensors::DecodeResult decoded = decoder.decode(source->link_type(), raw, packet);
    if (!decoded.decoded()) continue;
    if (decoded.is_fragment) {
      auto whole = defrag.add(decoded, packet, defrag_anomalies);
      if (!whole) continue;
      decoded = decoder.decode_reassembled(whole->ip_version, whole->datagram, packet);
      if (!decoded.decoded()) continue;
    }
    if (!decoded.has_transport || (packet.proto != 6 && packet.proto != 17)) continue;
    const Endpoint src{packet.src, packet.src_port};
    const Endpoint dst{packet.dst, packet.dst_port};
    FlowKey key{packet.proto, std::min(src, dst), std::max(src, dst)};
    auto& slot = flows[key];
    const bool tcp = packet.proto == 6;
    const bool syn_only = tcp && (packet.tcp_flags & 0x12) == 0x02;
    const bool syn_ack = tcp && (packet.tcp_flags & 0x12) == 0x12;
    if (!slot) {
      slot = std::make_unique<Flow>();
      slot->index = order.size();
      slot->tcp = tcp;
      // The SYN's sender is the client; a SYN-ACK's receiver; else the first sender.
      slot->client = syn_ack ? dst : src;
      slot->server_port = syn_ack ? packet.src_port : packet.dst_port;
      slot->client_port = syn_ack ? packet.dst_port : packet.src_port;
      for (int d = 0; d < 2; ++d) {
        slot->forwarder[d].flow = slot.get();
        slot->forwarder[d].direction = static_cast<Direction>(d);
      }
      order.push_back(slot.get());
    }
    Flow& flow = *slot;
    (void)syn_only;
    const Direction direction = src == flow.client ? Direction::to_server : Direction::to_client;
    const size_t d = static_cast<size_t>(direction);
    if (!options.parse) {
      if (tcp && !packet.payload.empty()) {
        flow.reassembler[d].add(packet.tcp_seq, packet.payload, feeder.stream_options, feeder.stream_stats,
                                feeder.null_consumer);
      }
      continue;
    }
    if (!flow.app && !packet.payload.empty()) {
      flow.app = std::make_unique<AppLayerFlow>(feeder.context, tcp ? Transport::tcp : Transport::udp, flow.client_port,
                                                flow.server_port);
    }
    if (!tcp) {
      if (flow.app) {
        const size_t first = feeder.handler.transactions.size();
        flow.app->on_datagram(direction, packet.payload, feeder.handler);
        feeder.after_call(flow);
        feeder.take(first, flow);
      }
      continue;
    }
    if (packet.tcp_flags & 0x02) flow.reassembler[d].on_syn(packet.tcp_seq);
    if (packet.tcp_flags & 0x10) flow.reassembler[1 - d].on_peer_ack(packet.tcp_ack);
    if (!packet.payload.empty()) {
      flow.reassembler[d].add(packet.tcp_seq, packet.payload, feeder.stream_options, feeder.stream_stats,
                              flow.forwarder[d]);
    }
  }
  for (Flow* flow : order) {
    if (!flow->app) continue;
    if (flow->tcp) {
      for (int d = 0; d < 2; ++d) {
        flow->reassembler[d].flush(feeder.stream_options, feeder.stream_stats, flow->forwarder[d]);
      }
    }
    const size_t first = feeder.handler.transactions.size();
    flow->app->on_close(feeder.handler);
    feeder.take(first, *flow);
    feeder.result.flow_protos.push_back(flow->app->proto());
    for (int d = 0; d < 2; ++d) flow->reassembler[d].release(feeder.stream_stats);
  }
  feeder.result.transactions = std::move(feeder.handler.transactions);
  feeder.result.anomalies = std::move(feeder.handler.anomalies);
  feeder.result.stats = feeder.context.stats();
  g_feeder = nullptr;
  return feeder.result;
}

}  // namespace vigil::applayer::test
