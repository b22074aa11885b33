#include "vigil/rules/flow_state.h"

#include <algorithm>
#include <limits>

namespace vigil::rules {

// The flow table budgets every flow's bytes; this must not grow past the vector it replaced.
static_assert(sizeof(void*) != 8 || sizeof(FlowState) <= 24, "FlowState grew");

FlowState::~FlowState() = default;

bool FlowState::is_set(uint32_t bit) const { return std::binary_search(bits_.get(), bits_.get() + bit_count_, bit); }

void FlowState::set(uint32_t bit) {
  uint32_t* end = bits_.get() + bit_count_;
  uint32_t* it = std::lower_bound(bits_.get(), end, bit);
  if (it != end && *it == bit) return;
  if (bit_count_ == std::numeric_limits<uint16_t>::max()) return;  // 65535 bits on one flow: keep what is set
  const size_t at = static_cast<size_t>(it - bits_.get());
  if (bit_count_ == bit_capacity_) {
    const uint16_t capacity = static_cast<uint16_t>(std::min<uint32_t>(
        std::max<uint32_t>(4, uint32_t{bit_capacity_} * 2), std::numeric_limits<uint16_t>::max()));
    auto grown = std::make_unique<uint32_t[]>(capacity);
    std::copy(bits_.get(), bits_.get() + bit_count_, grown.get());
    bits_ = std::move(grown);
    bit_capacity_ = capacity;
  }
  uint32_t* base = bits_.get();
  std::copy_backward(base + at, base + bit_count_, base + bit_count_ + 1);
  base[at] = bit;
  ++bit_count_;
}

void FlowState::unset(uint32_t bit) {
  uint32_t* end = bits_.get() + bit_count_;
  uint32_t* it = std::lower_bound(bits_.get(), end, bit);
  if (it == end || *it != bit) return;
  std::copy(it + 1, end, it);
  --bit_count_;
}

void FlowState::toggle(uint32_t bit) {
  if (is_set(bit)) unset(bit);
  else set(bit);
}

ThresholdCounter& FlowState::threshold_counter(uint64_t key) {
  if (!counters_) counters_ = std::make_unique<std::vector<std::pair<uint64_t, ThresholdCounter>>>();
  for (auto& [k, counter] : *counters_) {
    if (k == key) return counter;
  }
  return counters_->emplace_back(key, ThresholdCounter{}).second;
}

void FlowState::set_pending_app_proto(AppProto proto, bool sent_to_server) {
  pending_ = proto;
  flags_ = static_cast<uint8_t>(sent_to_server ? flags_ | kPendingToServer : flags_ & ~kPendingToServer);
}

void FlowState::promote_pending_app_proto(bool to_server) {
  if (pending_ == AppProto::unknown) return;
  if (to_server != ((flags_ & kPendingToServer) != 0)) app_proto_ = pending_;
}

bool FlowState::first_payload(bool to_server) {
  const uint8_t bit = to_server ? kPayloadToServer : kPayloadToClient;
  const bool first = (flags_ & bit) == 0;
  flags_ |= bit;
  return first;
}

}  // namespace vigil::rules
