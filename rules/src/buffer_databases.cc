#include "buffer_databases.h"

#include <hs.h>

#include <map>
#include <string>
#include <utility>

namespace vigil::rules {
namespace {

struct FastPattern {
  const BufferChain* chain = nullptr;
  const ContentStep* content = nullptr;
};

// As the packet side picks it: the content marked fast_pattern, else the longest positive one.
FastPattern choose_fast_pattern(const Rule& rule) {
  FastPattern best;
  for (const BufferChain& chain : rule.buffers) {
    for (const PayloadStep& step : chain.steps) {
      const auto* c = std::get_if<ContentStep>(&step);
      if (c == nullptr || c->negated || c->pattern.empty()) continue;
      if (c->fast_pattern) return {&chain, c};
      if (best.content == nullptr || c->pattern.size() > best.content->pattern.size()) best = {&chain, c};
    }
  }
  return best;
}

}  // namespace

Result<BufferDatabases> BufferDatabases::build(const std::vector<Rule>& rules, HsDatabaseCache& cache) {
  BufferDatabases out;
  std::map<std::pair<applayer::BufferId, std::vector<Transform>>, size_t> variant_of;
  std::vector<PatternTableBuilder> builders;
  for (uint32_t index = 0; index < rules.size(); ++index) {
    const Rule& rule = rules[index];
    if (!rule.inspects_transactions()) continue;
    ++out.rule_count_;
    const FastPattern fp = choose_fast_pattern(rule);
    if (fp.content == nullptr) {
      out.unprefiltered_[static_cast<size_t>(rule.tx_proto)].push_back(index);
      continue;
    }
    auto [it, inserted] = variant_of.try_emplace({fp.chain->id, fp.chain->transforms}, out.variants_.size());
    if (inserted) {
      out.variants_.push_back(BufferVariant{fp.chain->id, fp.chain->transforms, {}});
      builders.emplace_back(HS_FLAG_SINGLEMATCH);  // a buffer needs each fast pattern once
    }
    const ContentStep& c = *fp.content;
    const std::string bytes = c.fp_length > 0 ? c.pattern.substr(static_cast<size_t>(c.fp_offset),
                                                                 static_cast<size_t>(c.fp_length))
                                              : c.pattern;
    builders[it->second].add(bytes, c.nocase, index);
  }
  for (size_t v = 0; v < out.variants_.size(); ++v) {
    auto table = builders[v].build(cache, HS_MODE_BLOCK);
    if (!table) return fail(table.error().with_context(std::string(applayer::buffer_name(out.variants_[v].id))));
    out.variants_[v].table = std::move(*table);
    out.by_buffer_[static_cast<size_t>(out.variants_[v].id)].push_back(static_cast<uint32_t>(v));
  }
  return out;
}

}  // namespace vigil::rules
