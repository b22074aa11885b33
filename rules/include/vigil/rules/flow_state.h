// FlowState: detection state that lives as long as a flow (flowbits). The sensors' flow table owns
// one per flow and points Packet::flow_state at it; the Scanner reads and updates it.
// Thread contract: belongs to the worker that owns the flow.
#pragma once

#include <cstdint>
#include <vector>

namespace vigil::rules {

class FlowState {
 public:
  bool is_set(uint32_t bit) const;
  void set(uint32_t bit);
  void unset(uint32_t bit);
  void toggle(uint32_t bit);

 private:
  std::vector<uint32_t> bits_;  // sorted ids of set flowbits; flows rarely have more than a few
};

}  // namespace vigil::rules
