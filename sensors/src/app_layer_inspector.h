// AppLayerInspector: the PacketProcessor's app-layer stage. Feeds a flow's in-order TCP bytes
// (from the stream stage) and UDP datagrams to the flow's AppLayerFlow, created at its first
// payload, and runs each transaction it completes through the worker's TransactionMatcher. What
// fires is kept with the transaction's own side as the packet (its sender the source), not the
// packet that happened to complete it (a request delivered at flow end rides on a to_client pseudo
// packet; a server may answer before the request's body ends): the caller drains it. Only active when the rule set has app-layer buffer
// rules: otherwise no flow gets an app layer and nothing is parsed.
// Thread contract: one per PacketProcessor, on its worker thread; owns the AppLayerContext its
// flows' AppLayerFlows refer to (it must outlive the flow table).
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "vigil/applayer/app_layer_flow.h"
#include "vigil/rules/packet.h"
#include "vigil/rules/rule_info.h"
#include "vigil/rules/rule_set.h"
#include "vigil/rules/transaction_matcher.h"
#include "vigil/sensors/flow_table.h"

namespace vigil::sensors {

class AppLayerInspector final : public applayer::TransactionHandler {
 public:
  // A new rule set (reload): a fresh matcher; flows keep their app layer.
  void set_rules(std::shared_ptr<const rules::RuleSet> rules, bool defer_thresholds);
  bool active() const { return matcher_.has_value(); }

  // `data`: the next in-order bytes of the direction `packet` travels in; `gap`: bytes were lost
  // just before them.
  void on_stream_data(Flow& flow, const rules::Packet& packet, std::string_view data, bool gap);
  void on_datagram(Flow& flow, const rules::Packet& packet);
  // The flow ends: transactions still open are delivered (complete = false) and matched, as
  // `packet` (a pseudo packet of the flow) would be.
  void on_flow_end(Flow& flow, const rules::Packet& packet);

  // Hands each rule that fired since the last call, with its transaction's side as the packet, to
  // `emit(const rules::RuleInfo&, const rules::Packet&)`, then forgets them.
  template <typename Emit>
  void drain(Emit&& emit) {
    for (const Fired& fired : fired_) emit(*fired.rule, fired.packet);
    fired_.clear();
  }

  void on_transaction(const applayer::Transaction& tx) override;

  const applayer::AppLayerStats& stats() const { return context_.stats(); }

 private:
  applayer::AppLayerFlow* app_of(Flow& flow, bool tcp);
  struct Current {
    Flow* flow = nullptr;
    const rules::Packet* packet = nullptr;
  };
  struct Fired {
    const rules::RuleInfo* rule;
    rules::Packet packet;  // the transaction's side, without payload
  };

  applayer::AppLayerContext context_;
  std::optional<rules::TransactionMatcher> matcher_;
  Current current_;  // the flow and packet being fed, for on_transaction
  std::vector<const rules::RuleInfo*> matched_;  // one transaction's, reused
  std::vector<Fired> fired_;
};

}  // namespace vigil::sensors
