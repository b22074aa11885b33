// Compact binary encoding of correlation windows for StateStore, so a restart in the middle of a window
// (half a brute force) still raises it. One value per (rule, shard of its group table) holding every group
// of that shard, and a manifest naming the shards in use, the rules' fingerprints and the watermark.
// Private to the module; pure functions, the Correlator's thread calls them.
//
// Encoding (all integers LEB128 varints, times zigzag + delta against the previous time in the record):
//   shard    = version(1) kind(1) group_count { key newest touched window }
//   window   = count:    n { ts seq }
//              distinct: n { value ts seq }
//              temporal: slots { set [start chain_len { ts seq }] }
//              interval: n capacity { ts seq start }
//   manifest = version(1) watermark rule_count { id fingerprint shard_count { shard } }
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "group_window.h"
#include "vigil/core/result.h"
#include "vigil/correlator/correlation_rule.h"

namespace vigil::correlator {

inline constexpr std::string_view kWindowManifestKey = "correlator.windows";
std::string window_shard_key(std::string_view rule_id, size_t shard);

// Changes when anything that gives a window its meaning changes (type, timespan, group_by, condition,
// counted field, members): a window saved under another definition is discarded, not misread.
uint64_t window_fingerprint(const CorrelationRule& rule);

struct WindowManifest {
  struct Rule {
    std::string id;
    uint64_t fingerprint = 0;
    std::vector<uint32_t> shards;  // shards holding at least one group
  };
  Timestamp watermark = 0;
  std::vector<Rule> rules;
};

std::string encode_manifest(const WindowManifest& manifest);
Result<WindowManifest> decode_manifest(std::string_view bytes);

std::string encode_shard(const GroupTable::Shard& shard, WindowKind kind);
// Groups of one shard; touch_order is left unset (GroupTable::restore sets it).
Result<std::vector<std::pair<std::string, GroupWindow>>> decode_shard(std::string_view bytes, WindowKind kind);

}  // namespace vigil::correlator
