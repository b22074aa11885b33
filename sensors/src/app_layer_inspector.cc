#include "app_layer_inspector.h"

namespace vigil::sensors {

void AppLayerInspector::set_rules(std::shared_ptr<const rules::RuleSet> rules, bool defer_thresholds) {
  matcher_.reset();
  if (!rules) return;
  rules::TransactionMatcher matcher(std::move(rules));
  matcher.set_defer_thresholds(defer_thresholds);
  if (matcher.has_rules()) matcher_.emplace(std::move(matcher));
}

applayer::AppLayerFlow* AppLayerInspector::app_of(Flow& flow, bool tcp) {
  if (!active()) {
    flow.app.reset();  // a reload to a set without buffer rules: stop parsing at once
    return nullptr;
  }
  if (!flow.app) {
    flow.app = std::make_unique<applayer::AppLayerFlow>(context_, tcp ? applayer::Transport::tcp : applayer::Transport::udp,
                                                        flow.client_port(), flow.server_port());
  }
  return flow.app->wants_data() ? flow.app.get() : nullptr;
}

void AppLayerInspector::on_stream_data(Flow& flow, const rules::Packet& packet, std::string_view data, bool gap) {
  applayer::AppLayerFlow* app = app_of(flow, true);
  if (app == nullptr) return;
  current_ = {&flow, &packet};
  const auto direction = packet.to_server ? applayer::Direction::to_server : applayer::Direction::to_client;
  if (gap) app->on_gap(direction, *this);
  app->on_stream_data(direction, data, *this);
  current_ = {};
}

void AppLayerInspector::on_datagram(Flow& flow, const rules::Packet& packet) {
  if (packet.payload.empty()) return;
  applayer::AppLayerFlow* app = app_of(flow, false);
  if (app == nullptr) return;
  current_ = {&flow, &packet};
  app->on_datagram(packet.to_server ? applayer::Direction::to_server : applayer::Direction::to_client, packet.payload,
                   *this);
  current_ = {};
}

void AppLayerInspector::on_flow_end(Flow& flow, const rules::Packet& packet) {
  if (!flow.app) return;
  current_ = {&flow, &packet};
  flow.app->on_close(*this);
  current_ = {};
  flow.app.reset();  // frees the parser now, not when the flow object is reused
}

void AppLayerInspector::on_transaction(const applayer::Transaction& tx) {
  if (!matcher_ || current_.flow == nullptr) return;
  // The rules see the transaction's side: its sender as the source, whichever packet completed it.
  const Flow& flow = *current_.flow;
  const bool to_server = tx.direction == applayer::Direction::to_server;
  rules::Packet facts = *current_.packet;
  facts.payload = {};
  facts.src = to_server ? flow.client_ip() : flow.server_ip();
  facts.dst = to_server ? flow.server_ip() : flow.client_ip();
  facts.src_port = to_server ? flow.client_port() : flow.server_port();
  facts.dst_port = to_server ? flow.server_port() : flow.client_port();
  facts.to_server = to_server;
  matched_.clear();
  matcher_->match(facts, tx, matched_);
  for (const rules::RuleInfo* rule : matched_) fired_.push_back({rule, facts});
}

}  // namespace vigil::sensors
