// RuleAdmin: what an admin changed about the loaded signature rules while vigild runs — disabled
// sids and threshold overrides (applied to the rule text at every load, rule_admin_rules.h),
// suppressions by sid and source/destination with an owner, reason and expiry (applied to alerts on
// the pipeline thread before they are correlated or stored, and counted) — plus how often each rule
// fired. All of it is kept in the store's state keys `rule_admin.*` and read back at start.
// Thread contract: one mutex guards everything; filter() runs on the pipeline thread, the API calls on
// the control thread, rules_loaded() on whichever thread loaded a rule set.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rule_admin_rules.h"
#include "vigil/core/event.h"
#include "vigil/core/interfaces.h"
#include "vigil/core/ip.h"
#include "vigil/core/result.h"
#include "vigil/core/time.h"
#include "vigil/rules/rule_set.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::daemon {

struct Suppression {
  uint64_t id = 0;
  uint32_t sid = 0;
  std::string track;  // "by_src", "by_dst", or "" (every alert of the sid)
  std::optional<Cidr> network;
  std::string reason;
  std::string owner;
  Timestamp expires = 0;
  std::string created_by;
  Timestamp created = 0;
  uint64_t suppressed = 0;  // alerts it kept out of storage
  Timestamp last_suppressed = 0;

  bool expired(Timestamp now) const { return now >= expires; }
  bool applies(const Event& alert) const;
};

// How often a rule fired (every alert the sensors raised, suppressed ones included).
struct RuleHits {
  uint64_t hits = 0;
  Timestamp last = 0;
  uint64_t suppressed = 0;
};

class RuleAdmin {
 public:
  RuleAdmin(storage::RocksStore& store, const Clock& clock);

  // Reads the stored overrides, suppressions and counters. A stored document that does not parse is an
  // Error (vigild does not start rather than forget an admin's decisions silently).
  Result<void> open();

  RuleOverrides overrides() const;
  // Stores the overrides a rule set was just built and swapped in with.
  Result<void> save_overrides(const RuleOverrides& overrides);
  // The rule set now running and the files it came from.
  void rules_loaded(std::shared_ptr<const RuleCatalogue> catalogue, std::shared_ptr<const rules::RuleSet> rules);
  std::shared_ptr<const RuleCatalogue> catalogue() const;
  std::shared_ptr<const rules::RuleSet> rule_set() const;

  // Pipeline thread: counts every alert by sid and removes the ones an unexpired suppression matches.
  // Writes the counters to the store at most once a second.
  void filter(std::vector<Event>& events);
  // Writes counters not yet stored (at stop, and before `rules stats` reads the hourly counts).
  Result<void> flush_counters();

  std::vector<Suppression> suppressions() const;
  Result<Suppression> add_suppression(Suppression suppression);
  // False when there is no such suppression.
  Result<bool> remove_suppression(uint64_t id);

  std::map<uint32_t, RuleHits> hits() const;
  // Hits and suppressed alerts per sid since `since` (whole hours: counted by the hour they fell in).
  Result<std::map<uint32_t, RuleHits>> hits_since(Timestamp since);

  // For `status`: overrides, suppressions (active, expired) and what they suppressed.
  nlohmann::json status() const;
  Timestamp now() const { return clock_.now(); }

 private:
  Result<void> save_suppressions_locked();
  Result<void> add_hours(const std::map<Timestamp, std::map<uint32_t, std::pair<uint64_t, uint64_t>>>& hours_to_add);

  storage::RocksStore& store_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  RuleOverrides overrides_;
  std::vector<Suppression> suppressions_;
  uint64_t next_suppression_id_ = 1;
  std::shared_ptr<const RuleCatalogue> catalogue_;
  std::shared_ptr<const rules::RuleSet> rules_;
  std::map<uint32_t, RuleHits> hits_;
  // Counts not yet added to the stored hourly documents: hour start -> sid -> (hits, suppressed).
  std::map<Timestamp, std::map<uint32_t, std::pair<uint64_t, uint64_t>>> pending_hours_;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
  std::mutex flush_mutex_;  // one flush at a time (pipeline thread, control thread, stop)
};

}  // namespace vigil::daemon
