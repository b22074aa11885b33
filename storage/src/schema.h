// The on-disk layout of a vigil data dir: column families, key encodings, index prefixes and
// record format bytes. Private to storage/; the README describes it for people.
// Thread contract: pure functions and constants.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// meta CF keys; values are text so `ldb` shows them as they are.
inline constexpr std::string_view kSchemaVersionKey = "schema_version";
inline constexpr std::string_view kIncidentCounterKey = "incident_counter";  // last number issued
inline constexpr std::string_view kAuditHeadKey = "audit_head";      // "<seq> <hex sha256>" of the last entry
inline constexpr std::string_view kAuditAnchorKey = "audit_anchor";  // "<seq> <hex sha256>": first kept entry
                                                                     // and the hash of the one before it

// First byte of every events/incidents/audit value.
inline constexpr char kEventFormatV1 = 1;  // EVE JSON (schema 1 only; never written now)
inline constexpr char kEventFormatV2 = 2;  // binary, event_codec.h
inline constexpr char kIncidentFormatV1 = 1;  // incident JSON
inline constexpr char kAuditFormatV1 = 1;

inline constexpr int64_t kMicrosPerDay = 86'400'000'000;

// Event time key: BE(time with its sign bit flipped) ‖ BE(seq), 16 bytes; byte order = time order,
// negative times included.
inline constexpr size_t kEventRefSize = 16;
std::string event_ref_key(Timestamp timestamp, uint64_t seq);
std::optional<EventRef> parse_event_ref_key(std::string_view key);

// events CF key: class byte ‖ event ref key. One class per retention range, so dropping old flows
// is one DeleteRange that leaves alerts alone.
inline constexpr size_t kEventKeySize = 1 + kEventRefSize;
// 'a' alert, 'f' flow, 'n' anomaly, 's' stats; app-layer records: 'h' http, 'd' dns, 't' tls, 'c' ssh.
char event_class(EventType type);
inline constexpr std::array<EventType, 8> kEventTypes = {EventType::alert, EventType::flow, EventType::anomaly,
                                                         EventType::stats, EventType::http, EventType::dns,
                                                         EventType::tls,   EventType::ssh};
// Kept as long as flows (retention flow_days): records of traffic, not of detections.
bool is_flow_class(EventType type);
std::string event_key(EventType type, Timestamp timestamp, uint64_t seq);

// Day number (floor of µs / day) of a time; index entries of events are partitioned by it.
int64_t day_of(Timestamp timestamp);
Timestamp day_start(int64_t day);

// Event index entries, index CF: 'e' ‖ class ‖ BE32(day) ‖ kind ‖ len ‖ value ‖ event ref key of the
// first event of a posting list; the value is the posting list: the ref keys (16 bytes each,
// ascending, the key's first) of one batch's events with that value in one posting bucket. One key
// per distinct value and bucket of a batch instead of one per event: memtable inserts were most of
// the writer's time. Day first, so retention drops a class's old entries with one DeleteRange, and
// a query walks days; a bucket never spans two keys' days, and all of a bucket's lists sort
// together, so a query orders one bucket at a time.
inline constexpr int64_t kPostingBucketMicros = 60'000'000;  // divides a day
int64_t posting_bucket(Timestamp timestamp);                  // floor(time / bucket)
Timestamp posting_bucket_start(int64_t bucket);
enum class EventIndex : char { src = 's', dst = 'd', sid = 'g', incident = 'i' };
std::string event_index_prefix(EventType type, int64_t day, EventIndex kind, std::string_view value);
// The key of one posting list: prefix ‖ its first ref ‖ BE64(FNV-1a of the whole list). Readers use
// only the 16 bytes after the prefix; the hash makes the key unique per list, so a list holding the
// same first ref as an older one (an event appended again, a seq reused after a crash) is written
// beside it instead of replacing it and dropping the older list's other events from the index.
// Lists written before the hash (16-byte suffix) read the same way.
inline constexpr size_t kPostingHashSize = 8;
std::string posting_list_key(std::string_view prefix, std::string_view postings);
std::string event_day_prefix(EventType type, int64_t day);  // 'e' ‖ class ‖ BE32(day)
std::string ip_value(const IpAddress& ip);                  // the 16-byte mapped form
std::string sid_value(uint32_t signature_id);               // BE32

// Incident index entries, index CF: 'i' ‖ kind ‖ len ‖ value ‖ BE(first_seen, sign flipped) ‖ id.
// Newest-first listing is a reverse scan of one prefix (or a merge of a few).
enum class IncidentIndex : char { time = 't', state = 's', severity = 'v', layer = 'l', assignee = 'a' };
std::string incident_index_prefix(IncidentIndex kind, std::string_view value);
std::string incident_index_suffix(Timestamp first_seen, std::string_view id);
std::string state_value(IncidentState state);
std::string severity_value(Severity severity);
std::string layer_value(int layer);
// Every index key of one incident record (time, state, severity, layer, assignee).
std::vector<std::string> incident_index_keys(const Incident& incident);

// Audit CF key: BE(seq).
std::string audit_key(uint64_t seq);
std::optional<uint64_t> parse_audit_key(std::string_view key);

std::string big_endian(uint64_t value);
uint64_t read_big_endian(std::string_view bytes);  // first 8 bytes
std::string flipped_time(Timestamp timestamp);       // BE(time ^ sign bit)

// Smallest string greater than every string starting with `prefix` (prefix scans' upper bound).
std::string prefix_end(std::string_view prefix);

std::string format_counter(uint64_t value);
std::optional<uint64_t> parse_counter(std::string_view text);

}  // namespace vigil::storage::schema
