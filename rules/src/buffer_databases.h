// BufferDatabases: the prefilter of the rules that inspect app-layer transactions. One Hyperscan
// block database per buffer variant (a BufferId with the transforms a rule applies to it: a rule's
// fast pattern must be looked for in the buffer as its chain sees it), each rule contributing one
// fast pattern (the `fast_pattern` content, else its longest positive content, over all its
// chains: every chain must hold, so one is enough to find it); rules without any positive content
// are listed by protocol and checked on each of its transactions. Built by RuleSetImpl next to the
// packet and stream databases, through the same cache.
// Thread contract: immutable after build(); shared by all TransactionMatchers.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "hs_database_cache.h"
#include "pattern_table.h"
#include "rule.h"
#include "vigil/core/result.h"

namespace vigil::rules {

struct BufferVariant {
  applayer::BufferId id = applayer::BufferId::http_uri;
  std::vector<Transform> transforms;
  PatternTable table;  // pattern id -> rule indices (RuleSetImpl's order)
};

class BufferDatabases {
 public:
  static Result<BufferDatabases> build(const std::vector<Rule>& rules, HsDatabaseCache& cache);

  const std::vector<BufferVariant>& variants() const { return variants_; }
  // Indices into variants() of the variants of one buffer.
  std::span<const uint32_t> variants_of(applayer::BufferId id) const { return by_buffer_[static_cast<size_t>(id)]; }
  // Rules of this protocol with no fast pattern.
  std::span<const uint32_t> unprefiltered(applayer::AppProto proto) const {
    return unprefiltered_[static_cast<size_t>(proto)];
  }
  // Rules that inspect transactions, in all.
  size_t rule_count() const { return rule_count_; }

 private:
  std::vector<BufferVariant> variants_;
  std::array<std::vector<uint32_t>, applayer::kBufferIdCount> by_buffer_;
  std::array<std::vector<uint32_t>, applayer::kAppProtoCount> unprefiltered_;
  size_t rule_count_ = 0;
};

}  // namespace vigil::rules
