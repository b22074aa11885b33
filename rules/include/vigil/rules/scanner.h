// Scanner: matches one worker's packets against a RuleSet. Owns the Hyperscan scratch space and
// per-worker detection state (thresholds). Created by a worker, never shared.
// Thread contract: one thread; the RuleSet it holds may be shared.
#pragma once

#include <memory>
#include <vector>

#include "vigil/rules/packet.h"
#include "vigil/rules/rule_info.h"
#include "vigil/rules/rule_set.h"

namespace vigil::rules {

class ScannerState;  // private: scratch, threshold tables

class Scanner {
 public:
  explicit Scanner(std::shared_ptr<const RuleSet> rules);
  ~Scanner();
  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;

  // Appends the rules that alert on this packet to `alerts`, ordered by (priority, sid), each at
  // most once. Rules with noalert update flow state but are not appended.
  void scan(const Packet& packet, std::vector<const RuleInfo*>& alerts);

  const RuleSet& rule_set() const { return *rules_; }

 private:
  std::shared_ptr<const RuleSet> rules_;
  std::unique_ptr<ScannerState> state_;
};

}  // namespace vigil::rules
