// RuleExplainer: re-evaluates one rule of a RuleSet against one packet and says why it matched or
// not: the first option that failed, or where each content (and pcre) matched in the payload.
// Used by `vigil rules test --explain`; diagnostics only, never on the packet path (it evaluates
// copies of the rule through the same matchers the Scanner uses, many times per packet).
// Thread contract: one thread; the RuleSet may be shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/rules/packet.h"
#include "vigil/rules/rule_info.h"
#include "vigil/rules/rule_set.h"

namespace vigil::rules {

// Where one payload option matched in the packet payload, in the evaluation the rule took.
struct OptionMatch {
  std::string option;  // `content "abc"` or `pcre #2` (the rule's second pcre)
  size_t start = 0;    // first byte (for pcre equal to `end`: only where it ended is known)
  size_t end = 0;      // one past the last byte
};

struct RuleExplanation {
  bool header_admits = false;  // protocol, addresses and ports (either way for `<>`)
  bool matched = false;        // every option holds on this packet's payload
  std::string failed;          // when not matched: the first option that failed, as a phrase
  std::vector<OptionMatch> matches;  // when matched: contents and pcres in rule order
};

class RuleExplainer {
 public:
  // Fails when no loaded rule has this sid (a rule that was skipped is not in the set).
  static Result<std::unique_ptr<RuleExplainer>> create(std::shared_ptr<const RuleSet> rules, uint32_t sid);
  ~RuleExplainer();
  RuleExplainer(const RuleExplainer&) = delete;
  RuleExplainer& operator=(const RuleExplainer&) = delete;

  const RuleInfo& info() const;
  // Whether the rule inspects only the reassembled TCP stream (tcp-stream, flow:only_stream):
  // its packet evaluations then explain the options, but its alerts come from the stream.
  bool stream_only() const;
  // Flow facts (direction, established, flowbits) are read from `packet` as the flow table left them.
  RuleExplanation explain(const Packet& packet);

 private:
  struct Impl;
  explicit RuleExplainer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::rules
