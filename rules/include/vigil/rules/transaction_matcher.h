// TransactionMatcher: matches one worker's app-layer transactions (applayer::Transaction: an HTTP
// request or response, a DNS message, a TLS hello, an SSH banner) against the rules of a RuleSet
// that inspect app-layer buffers (`http.uri`, `dns.query`, `tls.sni`, legacy `http_uri;`,
// pcre /U, ...). The flow's owner calls it for each transaction AppLayerFlow delivers; the Scanner
// keeps matching packets (such rules never fire on packets).
// Thread contract: one thread, like a Scanner; the RuleSet it holds may be shared.
#pragma once

#include <memory>
#include <vector>

#include "vigil/applayer/transaction.h"
#include "vigil/rules/packet.h"
#include "vigil/rules/rule_info.h"
#include "vigil/rules/rule_set.h"

namespace vigil::rules {

class TransactionMatcherState;  // private: Hyperscan scratch, PCRE2 match data, thresholds

class TransactionMatcher {
 public:
  explicit TransactionMatcher(std::shared_ptr<const RuleSet> rules);
  ~TransactionMatcher();
  TransactionMatcher(TransactionMatcher&&) noexcept;
  TransactionMatcher& operator=(TransactionMatcher&&) noexcept;

  // Appends the rules that fire on `tx` to `alerts`, ordered by (priority, sid), each at most once.
  // `flow` gives the header facts, oriented as the side that completed the transaction (src = the
  // sender of tx.direction, to_server = tx.direction == to_server): protocol, addresses, ports,
  // established, timestamp (thresholds) and flow_state (flowbits: checked, then set/unset on a
  // match). Its payload is not looked at. A rule fires when its protocol is tx.proto, its header,
  // flow and flowbit conditions hold and every buffer chain holds on this transaction (with its
  // transforms, bsize/urilen and content program; a buffer the transaction lacks fails its chain,
  // even a negated one, as in Suricata). A matching `pass` rule silences the transaction;
  // `noalert` rules set their flowbits only.
  void match(const Packet& flow, const applayer::Transaction& tx, std::vector<const RuleInfo*>& alerts);

  // As Scanner::set_defer_thresholds: thresholds other than by_flow are left to a ThresholdFilter.
  void set_defer_thresholds(bool defer) { defer_thresholds_ = defer; }

  const RuleSet& rule_set() const { return *rules_; }
  // Whether the set has any rule that inspects transactions (else feeding the app layer is moot).
  bool has_rules() const;

 private:
  std::shared_ptr<const RuleSet> rules_;
  std::unique_ptr<TransactionMatcherState> state_;
  bool defer_thresholds_ = false;
};

}  // namespace vigil::rules
