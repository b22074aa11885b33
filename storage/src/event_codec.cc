#include "event_codec.h"

namespace vigil::storage {
namespace {

// Presence bits of the optional parts, in the record's first varint.
constexpr uint64_t kHasSrc = 1;
constexpr uint64_t kHasDst = 2;
constexpr uint64_t kSrcV6 = 4;
constexpr uint64_t kDstV6 = 8;
constexpr uint64_t kHasAlert = 16;
constexpr uint64_t kHasFlow = 32;
constexpr uint64_t kHasAnomaly = 64;
constexpr uint64_t kHasStats = 128;
constexpr uint64_t kFlowAlerted = 256;
constexpr uint64_t kHasApp = 512;  // added with app-layer events: older records never set it

// Times inside a record are stored as zigzag varints relative to nothing: they are rare (flow
// start/end) and usually close to the key's time, but a plain zigzag keeps the codec obvious.
uint64_t zigzag(int64_t value) { return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63); }
int64_t unzigzag(uint64_t value) { return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1); }

void put_ip(std::string& out, const IpAddress& ip) {
  const auto& bytes = ip.bytes();
  if (ip.is_v4()) {
    out.append(reinterpret_cast<const char*>(bytes.data()) + 12, 4);
  } else {
    out.append(reinterpret_cast<const char*>(bytes.data()), 16);
  }
}

bool get_ip(RecordReader& in, bool v6, IpAddress& ip) {
  std::string raw;
  if (!in.bytes(v6 ? 16 : 4, raw)) return false;
  const auto* data = reinterpret_cast<const uint8_t*>(raw.data());
  ip = v6 ? IpAddress::v6_bytes(data) : IpAddress::v4_bytes(data);
  return true;
}

}  // namespace

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_string(std::string& out, std::string_view text) {
  put_varint(out, text.size());
  out.append(text);
}

bool RecordReader::varint(uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (rest_.empty()) return false;
    const auto byte = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

bool RecordReader::string(std::string& text) {
  uint64_t size = 0;
  if (!varint(size) || size > rest_.size()) return false;
  text.assign(rest_.substr(0, size));
  rest_.remove_prefix(size);
  return true;
}

bool RecordReader::byte(uint8_t& value) {
  if (rest_.empty()) return false;
  value = static_cast<uint8_t>(rest_.front());
  rest_.remove_prefix(1);
  return true;
}

bool RecordReader::bytes(size_t n, std::string& out) {
  if (n > rest_.size()) return false;
  out.assign(rest_.substr(0, n));
  rest_.remove_prefix(n);
  return true;
}

void encode_event_body(const Event& event, std::string& out) {
  uint64_t flags = 0;
  if (event.src_ip) flags |= kHasSrc | (event.src_ip->is_v6() ? kSrcV6 : 0);
  if (event.dest_ip) flags |= kHasDst | (event.dest_ip->is_v6() ? kDstV6 : 0);
  if (event.alert) flags |= kHasAlert;
  if (event.flow) flags |= kHasFlow | (event.flow->alerted ? kFlowAlerted : 0);
  if (event.anomaly) flags |= kHasAnomaly;
  if (event.stats) flags |= kHasStats;
  if (event.app) flags |= kHasApp;
  put_varint(out, flags);
  put_varint(out, event.flow_id);
  if (event.src_ip) put_ip(out, *event.src_ip);
  if (event.dest_ip) put_ip(out, *event.dest_ip);
  put_varint(out, event.src_port);
  put_varint(out, event.dest_port);
  out.push_back(static_cast<char>(event.proto));
  put_string(out, event.sensor);
  put_string(out, event.zone);
  put_string(out, event.incident_id);
  put_string(out, event.payload);
  if (event.alert) {
    const AlertInfo& alert = *event.alert;
    put_string(out, alert.action);
    put_varint(out, alert.gid);
    put_varint(out, alert.signature_id);
    put_varint(out, alert.rev);
    put_string(out, alert.signature);
    put_string(out, alert.category);
    put_varint(out, zigzag(alert.severity));
  }
  if (event.flow) {
    const FlowInfo& flow = *event.flow;
    put_varint(out, flow.pkts_toserver);
    put_varint(out, flow.pkts_toclient);
    put_varint(out, flow.bytes_toserver);
    put_varint(out, flow.bytes_toclient);
    put_varint(out, zigzag(flow.start));
    put_varint(out, zigzag(flow.end));
    put_string(out, flow.state);
    put_string(out, flow.reason);
  }
  if (event.anomaly) {
    put_string(out, event.anomaly->type);
    put_string(out, event.anomaly->event);
  }
  if (event.stats) {
    put_varint(out, event.stats->counters.size());
    for (const auto& [name, value] : event.stats->counters) {
      put_string(out, name);
      put_varint(out, value);
    }
  }
  if (event.app) {
    put_string(out, event.app->proto);
    put_string(out, event.app->json);
  }
}

Result<void> decode_event_body(std::string_view body, Event& event) {
  RecordReader in(body);
  const auto bad = [](const char* what) { return fail(ErrorCode::corrupt_data, std::string("bad event record: ") + what); };
  uint64_t flags = 0;
  uint64_t number = 0;
  if (!in.varint(flags) || !in.varint(event.flow_id)) return bad("header");
  if (flags & kHasSrc) {
    IpAddress ip;
    if (!get_ip(in, flags & kSrcV6, ip)) return bad("source address");
    event.src_ip = ip;
  }
  if (flags & kHasDst) {
    IpAddress ip;
    if (!get_ip(in, flags & kDstV6, ip)) return bad("destination address");
    event.dest_ip = ip;
  }
  uint8_t proto = 0;
  if (!in.varint(number) || number > UINT16_MAX) return bad("source port");
  event.src_port = static_cast<uint16_t>(number);
  if (!in.varint(number) || number > UINT16_MAX) return bad("destination port");
  event.dest_port = static_cast<uint16_t>(number);
  if (!in.byte(proto)) return bad("protocol");
  event.proto = proto;
  if (!in.string(event.sensor) || !in.string(event.zone) || !in.string(event.incident_id) ||
      !in.string(event.payload)) {
    return bad("text fields");
  }
  if (flags & kHasAlert) {
    AlertInfo alert;
    uint64_t gid = 0, sid = 0, rev = 0, severity = 0;
    if (!in.string(alert.action) || !in.varint(gid) || !in.varint(sid) || !in.varint(rev) ||
        !in.string(alert.signature) || !in.string(alert.category) || !in.varint(severity) || gid > UINT32_MAX ||
        sid > UINT32_MAX || rev > UINT32_MAX) {
      return bad("alert");
    }
    alert.gid = static_cast<uint32_t>(gid);
    alert.signature_id = static_cast<uint32_t>(sid);
    alert.rev = static_cast<uint32_t>(rev);
    alert.severity = static_cast<int>(unzigzag(severity));
    event.alert = std::move(alert);
  }
  if (flags & kHasFlow) {
    FlowInfo flow;
    uint64_t start = 0, end = 0;
    if (!in.varint(flow.pkts_toserver) || !in.varint(flow.pkts_toclient) || !in.varint(flow.bytes_toserver) ||
        !in.varint(flow.bytes_toclient) || !in.varint(start) || !in.varint(end) || !in.string(flow.state) ||
        !in.string(flow.reason)) {
      return bad("flow");
    }
    flow.start = unzigzag(start);
    flow.end = unzigzag(end);
    flow.alerted = (flags & kFlowAlerted) != 0;
    event.flow = std::move(flow);
  }
  if (flags & kHasAnomaly) {
    AnomalyInfo anomaly;
    if (!in.string(anomaly.type) || !in.string(anomaly.event)) return bad("anomaly");
    event.anomaly = std::move(anomaly);
  }
  if (flags & kHasStats) {
    StatsInfo stats;
    uint64_t count = 0;
    if (!in.varint(count) || count > body.size()) return bad("stats");
    for (uint64_t i = 0; i < count; ++i) {
      std::string name;
      uint64_t value = 0;
      if (!in.string(name) || !in.varint(value)) return bad("stats counter");
      stats.counters.emplace_back(std::move(name), value);
    }
    event.stats = std::move(stats);
  }
  if (flags & kHasApp) {
    AppLayerInfo app;
    if (!in.string(app.proto) || !in.string(app.json)) return bad("app layer");
    event.app = std::move(app);
  }
  if (!in.done()) return bad("trailing bytes");
  return ok();
}

}  // namespace vigil::storage
