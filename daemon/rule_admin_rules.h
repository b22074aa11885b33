// The rule admin's view of the rule files: what an admin's override is (a disabled sid, a threshold
// that replaces the rule's own, as Suricata's threshold.config does), every rule as written in the
// files (for `vigil rules list|show`, disabled ones included), and the files' text with the overrides
// applied, ready for rules::compile_rule_sources. Rewrites keep every file's line count, so file:line
// in issues and RuleInfo stay those of the file on disk.
// Thread contract: pure functions; called off the packet path (start, the reload thread).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/core/time.h"
#include "vigil/rules/rule_set.h"

namespace vigil::daemon {

// threshold: type T, track K, count N, seconds S — the option written into the rule in place of its own.
struct ThresholdOverride {
  std::string type;   // limit, threshold, both
  std::string track;  // by_src, by_dst, by_rule, by_both
  uint32_t count = 1;
  uint32_t seconds = 60;
  std::string option_text() const;  // "threshold: type limit, track by_src, count 1, seconds 60"
};

// Who changed a rule, when and why (kept with the override, shown by `rules show`).
struct ChangeNote {
  std::string reason;
  std::string actor;
  Timestamp time = 0;
};

struct RuleOverride {
  bool disabled = false;
  ChangeNote disabled_note;
  std::optional<ThresholdOverride> threshold;
  ChangeNote threshold_note;
  bool empty() const { return !disabled && !threshold; }
};

using RuleOverrides = std::map<uint32_t, RuleOverride>;  // by sid (gid 1, as Suricata's suppress/threshold.config)

// One rule as written in a rule file, whether it loads or not.
struct RuleEntry {
  std::string file;
  int line = 0;
  std::string text;  // backslash-continued lines joined, as the loader reads it
  uint32_t gid = 1;
  uint32_t sid = 0;
  uint32_t rev = 0;
  std::string action;
  std::string msg;
  std::string classtype;
  std::string threshold;               // the rule's own threshold option value, if any
  std::vector<std::string> variables;  // $HOME_NET, $HTTP_PORTS, ... named in the header
};

struct RuleCatalogue {
  std::vector<RuleEntry> rules;  // in load order; a duplicate sid keeps the first, as the loader
  std::map<std::string, std::string> variables;  // the values in effect, by name without '$' (set by the loader)
  const RuleEntry* find(uint32_t sid) const;
};

struct RuleFiles {
  std::vector<rules::RuleSource> sources;  // overrides applied
  RuleCatalogue catalogue;                 // as written, overrides not applied
};

// Reads the rule paths (a directory: its *.rules files in name order, as rules::load_rule_set).
// A missing or unreadable path is an Error.
Result<RuleFiles> read_rule_files(const std::vector<std::string>& paths, const RuleOverrides& overrides);

// One file's text with the overrides applied: a disabled rule becomes a comment, a threshold override
// replaces the rule's `threshold` option (or is added); continuation lines of a rewritten rule become
// empty lines. Appends every rule it saw to `catalogue`.
std::string apply_overrides(const std::string& text, const std::string& origin, const RuleOverrides& overrides,
                            RuleCatalogue& catalogue);

}  // namespace vigil::daemon
