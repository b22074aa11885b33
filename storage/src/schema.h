// The on-disk layout of a vigil data dir: column families, key encodings, index prefixes and
// record format bytes. Private to storage/; the README describes it for people.
// Thread contract: pure functions and constants.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vigil/core/event.h"
#include "vigil/core/incident.h"

namespace vigil::storage::schema {

inline constexpr std::string_view kEventsCf = "events";
inline constexpr std::string_view kIncidentsCf = "incidents";
inline constexpr std::string_view kIndexCf = "index";
inline constexpr std::string_view kStateCf = "state";
inline constexpr std::string_view kAuditCf = "audit";
inline constexpr std::string_view kMetaCf = "meta";
// Order fixes the slot of each handle in RocksStore; "default" is RocksDB's own and stays empty.
inline constexpr std::array<std::string_view, 6> kColumnFamilies = {kEventsCf, kIncidentsCf, kIndexCf,
                                                                   kStateCf,  kAuditCf,     kMetaCf};

// meta CF keys; values are decimal text so `ldb` shows them as they are.
inline constexpr std::string_view kSchemaVersionKey = "schema_version";
inline constexpr std::string_view kIncidentCounterKey = "incident_counter";  // last number issued

// First byte of every events/incidents value; the rest is core's JSON codec output.
inline constexpr char kEventFormatV1 = 1;
inline constexpr char kIncidentFormatV1 = 1;

inline constexpr size_t kEventKeySize = 16;

// Big-endian (timestamp with its sign bit flipped) ‖ big-endian seq: byte order = time order,
// negative times included.
std::string event_key(Timestamp timestamp, uint64_t seq);
std::optional<EventRef> parse_event_key(std::string_view key);

// Index CF prefixes; the full key is prefix ‖ event key (or incident id), value empty.
std::string sid_index_prefix(uint32_t signature_id);  // "sid|0000002001|"
std::string type_index_prefix(EventType type);        // "type|alert|"
std::string src_index_prefix(const IpAddress& ip);    // "src|10.0.0.1|"
std::string dst_index_prefix(const IpAddress& ip);    // "dst|2001:db8::1|"
std::string incident_events_prefix(std::string_view incident_id);  // "inc|INC-000001|"
std::string state_index_prefix(IncidentState state);               // "state|new|"

// Smallest string greater than every string starting with `prefix` (prefix scans' upper bound).
std::string prefix_end(std::string_view prefix);

std::string format_counter(uint64_t value);
std::optional<uint64_t> parse_counter(std::string_view text);

}  // namespace vigil::storage::schema
