#include "window_store.h"

#include <algorithm>
#include <unordered_map>

#include "log.h"
#include "window_state.h"

namespace vigil::correlator {

Result<WindowStore::Restored> WindowStore::restore(std::vector<RuleState>& states) {
  Restored out;
  if (!store_) return out;
  auto manifest_bytes = store_->get_state(kWindowManifestKey);
  if (!manifest_bytes) return fail(manifest_bytes.error().with_context("reading correlation windows"));
  if (!*manifest_bytes) return out;
  auto manifest = decode_manifest(**manifest_bytes);
  if (!manifest) {
    log().warn("{}; correlation windows start empty", manifest.error().message);
    return out;
  }
  std::unordered_map<std::string, RuleState*> by_id;
  for (auto& state : states) {
    if (state.has_windows()) by_id.emplace(state.rule->id, &state);
  }
  for (const auto& saved : manifest->rules) {
    auto it = by_id.find(saved.id);
    bool usable = it != by_id.end() && window_fingerprint(*it->second->rule) == saved.fingerprint;
    if (!usable) {
      for (uint32_t shard : saved.shards) stale_keys_.push_back(window_shard_key(saved.id, shard));
      continue;
    }
    RuleState& state = *it->second;
    std::vector<std::pair<std::string, GroupWindow>> groups;
    for (uint32_t shard : saved.shards) {
      auto bytes = store_->get_state(window_shard_key(saved.id, shard));
      if (!bytes) return fail(bytes.error().with_context("reading correlation windows of rule " + saved.id));
      if (!*bytes) continue;
      auto decoded = decode_shard(**bytes, state.kind);
      if (!decoded) {
        log().warn("rule {}: {}; those windows start empty", saved.id, decoded.error().message);
        stale_keys_.push_back(window_shard_key(saved.id, shard));
        continue;
      }
      for (auto& group : *decoded) groups.push_back(std::move(group));
    }
    // Oldest first, so the table's recency order is what it was.
    std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
      return a.second.touched_watermark < b.second.touched_watermark;
    });
    for (auto& [key, group] : groups) state.groups.restore(std::move(key), std::move(group));
    state.groups.mark_clean();
    out.groups += groups.size();
  }
  if (!manifest->rules.empty()) {
    out.watermark = manifest->watermark;
    last_saved_watermark_ = manifest->watermark;
  }
  return out;
}

Result<uint64_t> WindowStore::save(std::vector<RuleState>& states, Timestamp watermark, Duration interval) {
  if (!store_) return uint64_t{0};
  if (saved_once_ && interval > 0 && watermark - last_saved_watermark_ < interval) return uint64_t{0};
  uint64_t written = 0;
  bool changed = !stale_keys_.empty();
  for (const auto& key : stale_keys_) {
    if (auto erased = store_->erase_state(key); !erased) {
      return fail(erased.error().with_context("erasing stale correlation windows"));
    }
  }
  stale_keys_.clear();
  WindowManifest manifest;
  manifest.watermark = watermark;
  for (auto& state : states) {
    if (!state.has_windows()) continue;
    GroupTable& table = state.groups;
    if (table.any_dirty()) {
      changed = true;
      const auto shards = table.shards();
      for (size_t shard = 0; shard < GroupTable::kShards; ++shard) {
        if (!table.dirty()[shard]) continue;
        std::string key = window_shard_key(state.rule->id, shard);
        Result<void> done = shards[shard].empty() ? store_->erase_state(key)
                                                  : store_->put_state(key, encode_shard(shards[shard], state.kind));
        // The table stays dirty: the next save writes these shards again.
        if (!done) return fail(done.error().with_context("saving correlation windows of rule " + state.rule->id));
        ++written;
      }
      table.mark_clean();
    }
    WindowManifest::Rule saved{state.rule->id, window_fingerprint(*state.rule), {}};
    for (size_t shard = 0; shard < GroupTable::kShards; ++shard) {
      if (table.shard_size(shard) > 0) saved.shards.push_back(static_cast<uint32_t>(shard));
    }
    if (!saved.shards.empty()) manifest.rules.push_back(std::move(saved));
  }
  if (changed || watermark != last_saved_watermark_ || !saved_once_) {
    if (auto put = store_->put_state(kWindowManifestKey, encode_manifest(manifest)); !put) {
      return fail(put.error().with_context("saving correlation windows"));
    }
  }
  last_saved_watermark_ = watermark;
  saved_once_ = true;
  return written;
}

}  // namespace vigil::correlator
