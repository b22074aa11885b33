// WindowStore: saves the correlation windows of every rule through StateStore and reads them back at
// start (encoding in window_state.h). Writes only the shards of group tables that changed, at most once
// per save interval of event time. Private to the module; owned by the Correlator's thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rule_state.h"
#include "vigil/core/interfaces.h"
#include "vigil/core/result.h"

namespace vigil::correlator {

class WindowStore {
 public:
  struct Restored {
    std::optional<Timestamp> watermark;  // the watermark saved with the windows
    uint64_t groups = 0;
  };

  // nullptr: persistence off; every call succeeds and does nothing.
  explicit WindowStore(StateStore* store) : store_(store) {}

  // Fills the group tables of `states` with the saved windows. A rule whose definition changed since
  // (fingerprint) or that is gone loses its saved windows (erased at the next save); damaged values are
  // dropped with a warning. Fails only when the store cannot be read.
  Result<Restored> restore(std::vector<RuleState>& states);

  // Writes the changed shards and the manifest when `watermark` moved `interval` past the last save
  // (always on the first save, and for interval 0). Returns how many shard values were written or erased.
  Result<uint64_t> save(std::vector<RuleState>& states, Timestamp watermark, Duration interval);

 private:
  StateStore* store_;
  std::vector<std::string> stale_keys_;  // saved shards of rules that are gone or changed
  Timestamp last_saved_watermark_ = 0;
  bool saved_once_ = false;
};

}  // namespace vigil::correlator
