#include "vigil/rules/transaction_matcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "app_protocol.h"
#include "buffer_databases.h"
#include "buffer_transforms.h"
#include "hs_database.h"
#include "packet_matcher.h"
#include "payload_matcher.h"
#include "rule_set_impl.h"
#include "threshold_table.h"
#include "tx_value_check.h"
#include "vigil/rules/flow_state.h"

namespace vigil::rules {

class TransactionMatcherState {
 public:
  HsScratch scratch;
  bool scratch_ready = false;
  bool scratch_tried = false;  // allocated at the first transaction: many workers/flows never see one
  PayloadMatcher payload;
  ThresholdTable thresholds;
  std::vector<uint32_t> hits;        // Hyperscan pattern ids of one buffer scan
  std::vector<uint32_t> candidates;  // rule indices to verify
  std::vector<const RuleInfo*> matched;
  std::string transformed;           // a buffer as a variant or chain sees it
  std::string raw_side;              // an HTTP side's start line, headers and body (payload keywords)
};

namespace {

int on_hs_match(unsigned id, unsigned long long /*from*/, unsigned long long /*to*/, unsigned /*flags*/,
                void* context) {
  static_cast<std::vector<uint32_t>*>(context)->push_back(id);
  return 0;  // keep scanning: every fast pattern counts once (HS_FLAG_SINGLEMATCH)
}

bool by_priority(const RuleInfo* a, const RuleInfo* b) {
  return a->priority != b->priority ? a->priority < b->priority : a->sid < b->sid;
}

bool flowbit_holds(const FlowbitOp& op, const FlowState* state) {
  const bool want_set = op.cmd == FlowbitOp::Cmd::isset;
  if (op.any_of) {
    for (uint32_t bit : op.bits) {
      if ((state != nullptr && state->is_set(bit)) == want_set) return true;
    }
    return false;
  }
  for (uint32_t bit : op.bits) {
    if ((state != nullptr && state->is_set(bit)) != want_set) return false;
  }
  return true;
}

// The rule's conditions that are not about buffers: protocol, header, flow, flowbits.
bool flow_conditions_hold(const Rule& rule, const Packet& flow, const applayer::Transaction& tx) {
  if (rule.tx_proto != tx.proto) return false;
  if (rule.app_layer_protocol && !app_layer_protocol_holds(*rule.app_layer_protocol, tx.proto)) return false;
  const bool to_server = tx.direction == applayer::Direction::to_server;
  if (rule.tx_direction != 0 && (rule.tx_direction > 0) != to_server) return false;
  if (rule.flow.established != 0 && (rule.flow.established > 0) != flow.established) return false;
  if (!header_matches(rule, flow)) return false;
  for (const FlowbitOp& op : rule.flowbit_checks) {
    if (!flowbit_holds(op, flow.flow_state)) return false;
  }
  return true;
}

}  // namespace

TransactionMatcher::TransactionMatcher(std::shared_ptr<const RuleSet> rules)
    : rules_(std::move(rules)), state_(std::make_unique<TransactionMatcherState>()) {}

namespace {

// One scratch for every buffer database (hs_alloc_scratch over ~40 databases costs as much as a
// short capture's whole processing, so it waits for the first transaction).
bool prepare_scratch(const BufferDatabases& dbs, HsScratch& scratch) {
  for (const BufferVariant& variant : dbs.variants()) {
    if (auto r = scratch.reserve_for(variant.table.database); !r) {
      spdlog::error("rules: {}; app-layer buffer rules will not be matched", r.error().message);
      return false;
    }
  }
  return true;
}

}  // namespace

bool TransactionMatcher::has_rules() const { return rules_->impl().buffer_databases().rule_count() > 0; }

TransactionMatcher::~TransactionMatcher() = default;
TransactionMatcher::TransactionMatcher(TransactionMatcher&&) noexcept = default;
TransactionMatcher& TransactionMatcher::operator=(TransactionMatcher&&) noexcept = default;

void TransactionMatcher::match(const Packet& flow, const applayer::Transaction& tx,
                               std::vector<const RuleInfo*>& alerts) {
  const RuleSetImpl& impl = rules_->impl();
  const BufferDatabases& dbs = impl.buffer_databases();
  TransactionMatcherState& st = *state_;
  if (dbs.rule_count() == 0 || tx.proto == applayer::AppProto::unknown) return;
  st.candidates.clear();
  st.matched.clear();
  if (!st.scratch_tried) {
    st.scratch_tried = true;
    st.scratch_ready = prepare_scratch(dbs, st.scratch);
  }

  // Prefilter: each buffer through the databases of its variants.
  if (st.scratch_ready) {
    for (const applayer::BufferEntry& entry : tx.buffers) {
      for (uint32_t v : dbs.variants_of(entry.id)) {
        const BufferVariant& variant = dbs.variants()[v];
        std::string_view data = entry.data;
        if (!variant.transforms.empty()) {
          apply_transforms(variant.transforms, data, st.transformed);
          data = st.transformed;
        }
        if (data.empty() || !variant.table.database) continue;
        st.hits.clear();
        hs_scan(variant.table.database.get(), data.data(), static_cast<unsigned>(data.size()), 0, st.scratch.get(),
                on_hs_match, &st.hits);
        for (uint32_t id : st.hits) {
          for (uint32_t rule : variant.table.pattern_rules(id)) st.candidates.push_back(rule);
        }
      }
    }
  }
  for (uint32_t rule : dbs.unprefiltered(tx.proto)) st.candidates.push_back(rule);
  if (st.candidates.empty()) return;
  // Index order is evaluation order (flowbit setters first).
  std::sort(st.candidates.begin(), st.candidates.end());
  st.candidates.erase(std::unique(st.candidates.begin(), st.candidates.end()), st.candidates.end());

  const auto chain_holds = [&](const BufferChain& chain) {
    for (const applayer::BufferEntry& entry : tx.buffers) {
      if (entry.id != chain.id) continue;
      std::string_view data = entry.data;
      if (!chain.transforms.empty()) {
        apply_transforms(chain.transforms, data, st.transformed);
        data = st.transformed;
      }
      const auto size = static_cast<int64_t>(data.size());
      if (!std::all_of(chain.sizes.begin(), chain.sizes.end(), [&](const NumberCheck& c) { return c.matches(size); })) {
        continue;
      }
      if (st.payload.matches(chain.steps, data)) return true;  // an entry of a multi-entry buffer is enough
    }
    return false;
  };

  // Payload keywords of an `alert http|tls` rule: Suricata matches them on the raw stream of the
  // side; the transaction's own raw side stands for it. TLS: the side's records as received
  // (Transaction::raw). HTTP: its line and header block as sent, then the body as kept (dechunked,
  // decompressed), put together at the first rule that asks.
  std::string_view raw = tx.raw;
  bool raw_pending = tx.proto == applayer::AppProto::http;
  const auto raw_side = [&] {
    if (raw_pending) {
      st.raw_side.assign(tx.get(applayer::BufferId::http_start));
      st.raw_side.append(tx.get(applayer::BufferId::file_data));
      raw = st.raw_side;
      raw_pending = false;
    }
    return raw;
  };

  bool passed = false;
  const ThresholdTable::Scope scope =
      defer_thresholds_ ? ThresholdTable::Scope::by_flow_only : ThresholdTable::Scope::all;
  for (uint32_t index : st.candidates) {
    const Rule& rule = impl.rule(index);
    if (!flow_conditions_hold(rule, flow, tx)) continue;
    if (!std::all_of(rule.buffers.begin(), rule.buffers.end(), chain_holds)) continue;
    if (!std::all_of(rule.tx_values.begin(), rule.tx_values.end(),
                     [&](const TxValueCheck& check) { return tx_value_holds(check, tx.values); })) {
      continue;
    }
    if (!rule.payload.empty() && !st.payload.matches(rule, raw_side())) continue;
    apply_flowbit_actions(rule, flow);
    if (!rule.thresholds.empty() && !st.thresholds.allow(index, rule, flow, scope)) continue;
    const RuleInfo& info = impl.info(rule);
    if (info.action == "pass") {
      passed = true;
      continue;
    }
    if (!info.noalert) st.matched.push_back(&info);
  }
  if (passed) return;
  std::sort(st.matched.begin(), st.matched.end(), by_priority);
  alerts.insert(alerts.end(), st.matched.begin(), st.matched.end());
}

}  // namespace vigil::rules
