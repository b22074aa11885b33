// The audit chain's entries and the verdict of walking it. RocksStore::append_audit() writes
// entries (the control API, for every call that changes something); verify_audit() and
// `vigil admin check` read them.
// Thread contract: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "vigil/core/time.h"

namespace vigil::storage {

struct AuditEntry {
  uint64_t seq = 0;  // assigned by the store: 1, 2, 3, ... never reused
  Timestamp time = 0;
  std::string actor;   // user, certificate subject, "daemon"
  std::string action;  // "incident.assign", "rules.reload", ...
  std::string detail;  // what changed, free text or JSON
};

struct AuditVerdict {
  uint64_t entries = 0;                // entries checked
  std::optional<uint64_t> first_seq;   // oldest entry kept (older ones went by retention)
  std::optional<uint64_t> last_seq;
  std::optional<uint64_t> first_broken;  // the first entry changed, removed or out of place
  std::string problem;                   // what is wrong with it, for people
  bool intact() const { return !first_broken; }
};

}  // namespace vigil::storage
