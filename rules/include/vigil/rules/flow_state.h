// FlowState: detection state that lives as long as a flow (flowbits, the recognised application
// protocol, `track by_flow` threshold counters). The sensors' flow table owns one per flow and
// points Packet::flow_state at it; the Scanner reads and updates it.
// Thread contract: belongs to the worker that owns the flow.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "vigil/applayer/app_proto.h"
#include "vigil/core/time.h"

namespace vigil::rules {

// One threshold / detection_filter counter: a window that starts at `first`, and the matches in it.
struct ThresholdCounter {
  Timestamp first = 0;
  Timestamp expires = 0;
  uint64_t count = 0;
  uint64_t next_alert = 0;  // backoff: the match count that alerts next
  bool used = false;
};

// The app layer's protocol vocabulary; a flow's, as the packet path sees it, is one of unknown,
// http, tls and ssh (the ones recognised from a direction's first bytes: app_protocol.h).
using AppProto = applayer::AppProto;

// 24 bytes, as small as the flowbit vector it replaced: the flow table budgets every flow's bytes.
class FlowState {
 public:
  FlowState() = default;
  FlowState(FlowState&&) noexcept = default;
  FlowState& operator=(FlowState&&) noexcept = default;
  ~FlowState();

  bool is_set(uint32_t bit) const;
  void set(uint32_t bit);
  void unset(uint32_t bit);
  void toggle(uint32_t bit);

  // The flow's counter for one threshold of one rule, keyed by (gid, sid, which threshold);
  // created unused on first use. Dies with the flow, as Suricata keeps by_flow thresholds.
  ThresholdCounter& threshold_counter(uint64_t key);

  // Application protocol (see app_protocol.h for when it is set).
  AppProto app_proto() const { return app_proto_; }
  // Recognised in data the other side has not acknowledged yet (unknown when nothing is).
  AppProto pending_app_proto() const { return pending_; }
  void set_app_proto(AppProto proto) { app_proto_ = proto; }
  // Recognised in data sent one way; applies once the other side sends a packet (its ACK).
  void set_pending_app_proto(AppProto proto, bool sent_to_server);
  void promote_pending_app_proto(bool to_server);
  void note_direction(bool to_server) { flags_ |= to_server ? kSeenToServer : kSeenToClient; }
  bool seen_direction(bool to_server) const { return (flags_ & (to_server ? kSeenToServer : kSeenToClient)) != 0; }
  // True the first time it is asked for a direction: the start of that direction's data.
  bool first_payload(bool to_server);

 private:
  static constexpr uint8_t kSeenToServer = 1;
  static constexpr uint8_t kSeenToClient = 2;
  static constexpr uint8_t kPayloadToServer = 4;
  static constexpr uint8_t kPayloadToClient = 8;
  static constexpr uint8_t kPendingToServer = 16;

  std::unique_ptr<uint32_t[]> bits_;  // sorted ids of set flowbits; flows rarely have more than a few
  uint16_t bit_count_ = 0;
  uint16_t bit_capacity_ = 0;
  AppProto app_proto_ = AppProto::unknown;
  AppProto pending_ = AppProto::unknown;
  uint8_t flags_ = 0;
  std::unique_ptr<std::vector<std::pair<uint64_t, ThresholdCounter>>> counters_;  // rare: only when used
};

}  // namespace vigil::rules
