// How long each data class is kept, and what one retention pass removed. The daemon runs
// RocksStore::apply_retention() once a day; the defaults follow the level-3 rule (security logs
// at least 3 months; alerts, incidents and audit 12 months).
// Thread contract: plain values.
#pragma once

#include <cstdint>

#include "vigil/core/time.h"
#include "vigil/core/result.h"

namespace vigil::storage {

struct RetentionPolicy {
  // No class may be kept for less than this: the legal floor for security logs (3 months).
  static constexpr int kMinDays = 90;
  int flow_days = 90;       // events.flow (and stats, http, dns, tls, ssh events)
  int alert_days = 365;     // events.alert (and anomaly events)
  int incident_days = 365;  // closed or resolved incidents, by first_seen
  int audit_days = 365;     // audit entries, by time, oldest first

  Result<void> validate() const;
};

// Everything strictly before a cutoff is gone; cutoffs fall on UTC midnight.
struct RetentionReport {
  Timestamp flow_cutoff = 0;
  Timestamp alert_cutoff = 0;
  Timestamp incident_cutoff = 0;
  Timestamp audit_cutoff = 0;
  uint64_t incidents_deleted = 0;
  uint64_t audit_entries_deleted = 0;
};

}  // namespace vigil::storage
