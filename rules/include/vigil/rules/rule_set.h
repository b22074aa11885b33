// RuleSet: an immutable, compiled set of signature rules (parsed rules + Hyperscan databases).
// Built off the packet path by load_rule_set(); shared by workers as shared_ptr<const RuleSet>.
// Thread contract: immutable after construction; safe to share between threads.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/rules/rule_info.h"

namespace vigil::rules {

// Address and port variables ($HOME_NET, $HTTP_PORTS, ...). Defaults are Suricata's.
struct RuleVariables {
  std::map<std::string, std::string> values;
  static RuleVariables suricata_defaults();
};

// One rule that did not load, or a file-level problem.
struct RuleIssue {
  std::string file;
  int line = 0;
  uint32_t sid = 0;       // 0 when the sid could not be read
  std::string reason;     // plain sentence
  std::string keyword;    // for unsupported keywords: the keyword; empty for syntax errors
  bool unsupported() const { return !keyword.empty(); }
};

struct RuleLoadReport {
  size_t loaded = 0;
  std::vector<RuleIssue> issues;
};

// How a rule set is compiled. Compiled Hyperscan databases are kept in `cache_dir` (created when
// missing) and reused when the same patterns are loaded again by the same Hyperscan on the same
// CPU; a damaged or mismatched file there is ignored and rewritten. Empty: no cache.
struct RuleCompileOptions {
  std::string cache_dir;
};

// Where vigil caches compiled rules unless told otherwise: $VIGIL_RULE_CACHE when set ("off" or
// empty disables the cache), else $XDG_CACHE_HOME/vigil/rules, else $HOME/.cache/vigil/rules;
// empty (no cache) when none of these is set.
std::string default_rule_cache_dir();

class RuleSetImpl;  // private: parsed rules and compiled databases

class RuleSet {
 public:
  explicit RuleSet(std::unique_ptr<RuleSetImpl> impl);
  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  size_t size() const;
  const std::vector<RuleInfo>& rules() const;  // in load order
  const RuleSetImpl& impl() const { return *impl_; }

 private:
  std::unique_ptr<RuleSetImpl> impl_;
};

// Loads rule files (a directory loads its *.rules files in name order). A missing or unreadable
// file is an error; a broken or unsupported rule goes into `report` and the rest still load.
Result<std::shared_ptr<const RuleSet>> load_rule_set(const std::vector<std::string>& paths,
                                                     const RuleVariables& variables,
                                                     RuleLoadReport& report,
                                                     const RuleCompileOptions& options = {});

// Rule text that came from somewhere: the file it was read from (named in issues and RuleInfo::file).
struct RuleSource {
  std::string origin;
  std::string text;
};

// Same, from texts already read (vigild's rule overrides rewrite a file's text before it is
// compiled, keeping its lines, so file:line stay those of the file on disk).
Result<std::shared_ptr<const RuleSet>> compile_rule_sources(const std::vector<RuleSource>& sources,
                                                            const RuleVariables& variables,
                                                            RuleLoadReport& report,
                                                            const RuleCompileOptions& options = {});

// Same, from rule text (tests, `rules test`); `origin` names it in issues.
Result<std::shared_ptr<const RuleSet>> compile_rule_text(const std::string& text, const std::string& origin,
                                                         const RuleVariables& variables,
                                                         RuleLoadReport& report,
                                                         const RuleCompileOptions& options = {});

}  // namespace vigil::rules
