// What `vigil admin stats` shows about a data dir: sizes, and per data class how many records
// and the oldest and newest time.
// Thread contract: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vigil/core/time.h"
#include "vigil/storage/audit.h"

namespace vigil::storage {

struct ClassStats {
  std::string name;  // "events.alert", "events.flow", "events.anomaly", "events.stats", "incidents", "audit"
  uint64_t count = 0;
  std::optional<Timestamp> oldest;  // events: event time; incidents: first_seen; audit: entry time
  std::optional<Timestamp> newest;
};

struct FamilyStats {
  std::string name;     // column family
  uint64_t sst_bytes = 0;
  uint64_t memtable_bytes = 0;
};

struct StoreStats {
  uint64_t dir_bytes = 0;  // every file in the data dir, WAL included
  std::vector<FamilyStats> families;
  std::vector<ClassStats> classes;
};

// What `vigil admin check` found.
struct CheckReport {
  std::string checksums;  // empty when every block checksum of every table file matched
  uint64_t records_checked = 0;
  std::string records;    // empty when every event and incident record decoded
  AuditVerdict audit;
  bool ok() const { return checksums.empty() && records.empty() && audit.intact(); }
};

}  // namespace vigil::storage
