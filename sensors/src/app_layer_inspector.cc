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

rules::Packet AppLayerInspector::side_of(const applayer::Transaction& tx) const {
  // The transaction's side: its sender as the source, whichever packet completed it.
  const Flow& flow = *current_.flow;
  const bool to_server = tx.direction == applayer::Direction::to_server;
  rules::Packet facts = *current_.packet;
  facts.payload = {};
  facts.src = to_server ? flow.client_ip() : flow.server_ip();
  facts.dst = to_server ? flow.server_ip() : flow.client_ip();
  facts.src_port = to_server ? flow.client_port() : flow.server_port();
  facts.dst_port = to_server ? flow.server_port() : flow.client_port();
  facts.to_server = to_server;
  return facts;
}

namespace {

// The protocol's object out of the transaction's {"http": {...}}; built only when something needs it.
AppLayerInfo app_info_of(const applayer::Transaction& tx) {
  const std::string proto(applayer::app_proto_name(tx.proto));
  const nlohmann::json eve = tx.eve();
  const auto it = eve.find(proto);
  const nlohmann::json& object = it != eve.end() && it->is_object() ? *it : nlohmann::json::object();
  return {proto, object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace

void AppLayerInspector::on_transaction(const applayer::Transaction& tx) {
  if (current_.flow == nullptr) return;
  const rules::Packet facts = side_of(tx);
  matched_.clear();
  if (matcher_) matcher_->match(facts, tx, matched_);
  const bool record = records_.test(static_cast<size_t>(tx.proto));
  if (matched_.empty() && !record) return;
  const AppLayerInfo app = app_info_of(tx);
  for (const rules::RuleInfo* rule : matched_) outputs_.push_back({Output::Kind::alert, rule, facts, app, {}});
  if (record) outputs_.push_back({Output::Kind::record, nullptr, facts, app, {}});
}

void AppLayerInspector::on_anomaly(applayer::AppProto /*proto*/, std::string_view event) {
  // The parsers name their events with the protocol ("dns.malformed_data").
  if (current_.packet == nullptr) return;
  rules::Packet packet = *current_.packet;
  packet.payload = {};
  outputs_.push_back({Output::Kind::anomaly, nullptr, packet, {}, std::string(event)});
}

}  // namespace vigil::sensors
