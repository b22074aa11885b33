// AppLayerInspector: the PacketProcessor's app-layer stage. Feeds a flow's in-order TCP bytes
// (from the stream stage) and UDP datagrams to the flow's AppLayerFlow, created at its first
// payload, and runs each transaction it completes through the worker's TransactionMatcher. What
// fires is kept with the transaction's own side as the packet (its sender the source), not the
// packet that happened to complete it (a request delivered at flow end rides on a to_client pseudo
// packet; a server may answer before the request's body ends): the caller drains it, with the
// transaction's EVE object for the alert's app context. Transactions of the protocols chosen for
// records (http, dns, tls, ssh events) and app-layer anomalies are kept for the caller the same
// way. Only active when the rule set has app-layer buffer rules or records are wanted: otherwise
// no flow gets an app layer and nothing is parsed.
// Thread contract: one per PacketProcessor, on its worker thread; owns the AppLayerContext its
// flows' AppLayerFlows refer to (it must outlive the flow table).
#pragma once

#include <bitset>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/applayer/app_layer_flow.h"
#include "vigil/core/event.h"
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
  // The protocols whose every transaction becomes a record (bit = AppProto).
  void set_records(std::bitset<applayer::kAppProtoCount> protocols) { records_ = protocols; }
  bool active() const { return matcher_.has_value() || records_.any(); }

  // `data`: the next in-order bytes of the direction `packet` travels in; `gap`: bytes were lost
  // just before them.
  void on_stream_data(Flow& flow, const rules::Packet& packet, std::string_view data, bool gap);
  void on_datagram(Flow& flow, const rules::Packet& packet);
  // The flow ends: transactions still open are delivered (complete = false) and matched, as
  // `packet` (a pseudo packet of the flow) would be.
  void on_flow_end(Flow& flow, const rules::Packet& packet);

  // Hands what happened since the last call to the caller, in order, then forgets it:
  // `alert(const rules::RuleInfo&, const rules::Packet& side, const AppLayerInfo&)` per rule that
  // fired, `record(const rules::Packet& side, const AppLayerInfo&)` per transaction of a recorded
  // protocol, `anomaly(std::string_view event, const rules::Packet&)` per app-layer anomaly.
  template <typename Alert, typename Record, typename Anomaly>
  void drain(Alert&& alert, Record&& record, Anomaly&& anomaly) {
    for (const Output& out : outputs_) {
      switch (out.kind) {
        case Output::Kind::alert: alert(*out.rule, out.packet, out.app); break;
        case Output::Kind::record: record(out.packet, out.app); break;
        case Output::Kind::anomaly: anomaly(out.anomaly, out.packet); break;
      }
    }
    outputs_.clear();
  }

  void on_transaction(const applayer::Transaction& tx) override;
  void on_anomaly(applayer::AppProto proto, std::string_view event) override;

  const applayer::AppLayerStats& stats() const { return context_.stats(); }

 private:
  applayer::AppLayerFlow* app_of(Flow& flow, bool tcp);
  struct Current {
    Flow* flow = nullptr;
    const rules::Packet* packet = nullptr;
  };
  // One thing for the caller, in the order it happened.
  struct Output {
    enum class Kind : uint8_t { alert, record, anomaly };
    Kind kind;
    const rules::RuleInfo* rule = nullptr;  // alert
    rules::Packet packet;  // the transaction's side, without payload
    AppLayerInfo app;      // alert, record
    std::string anomaly;   // anomaly: the parser's event name
  };
  rules::Packet side_of(const applayer::Transaction& tx) const;

  applayer::AppLayerContext context_;
  std::optional<rules::TransactionMatcher> matcher_;
  Current current_;  // the flow and packet being fed, for on_transaction
  std::vector<const rules::RuleInfo*> matched_;  // one transaction's, reused
  std::bitset<applayer::kAppProtoCount> records_;
  std::vector<Output> outputs_;
};

}  // namespace vigil::sensors
