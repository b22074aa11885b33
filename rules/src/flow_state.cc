#include "vigil/rules/flow_state.h"

#include <algorithm>

namespace vigil::rules {

bool FlowState::is_set(uint32_t bit) const { return std::binary_search(bits_.begin(), bits_.end(), bit); }

void FlowState::set(uint32_t bit) {
  auto it = std::lower_bound(bits_.begin(), bits_.end(), bit);
  if (it == bits_.end() || *it != bit) bits_.insert(it, bit);
}

void FlowState::unset(uint32_t bit) {
  auto it = std::lower_bound(bits_.begin(), bits_.end(), bit);
  if (it != bits_.end() && *it == bit) bits_.erase(it);
}

void FlowState::toggle(uint32_t bit) {
  auto it = std::lower_bound(bits_.begin(), bits_.end(), bit);
  if (it != bits_.end() && *it == bit) bits_.erase(it);
  else bits_.insert(it, bit);
}

}  // namespace vigil::rules
