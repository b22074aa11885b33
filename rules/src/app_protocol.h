// Application-layer protocol recognition for rules whose header names one (`alert http ...`).
// Suricata applies such a rule only once its app-layer has recognised the flow as that protocol;
// this is the small part of that which needs no parser: the first bytes of a flow direction.
// Called by the Scanner per packet; state lives in FlowState. Thread contract: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "rule.h"
#include "vigil/core/result.h"
#include "vigil/rules/flow_state.h"
#include "vigil/rules/packet.h"

namespace vigil::rules {

// The protocol a rule header names when this build can recognise it on the wire; unknown for
// `tcp`, `ip`, ... and for application protocols it cannot recognise yet (those rules still match
// on their transport, as before).
AppProto recognisable_app_proto(std::string_view name);

// What the first payload bytes of a flow direction say.
AppProto recognise_app_proto(std::string_view payload, bool to_server);

// Updates the flow's application protocol with this packet (before the rules see it).
// TCP follows Suricata's IDS mode: data is handed to the app-layer when the other side
// acknowledges it, so a protocol recognised in one packet applies from the next packet of the other
// direction on (not its SYN-ACK: the session must be established); a one-sided established stream
// (async) is handed over at once. UDP at once.
void track_app_proto(const Packet& packet);

// The flow's protocol as the rules of this packet see it.
inline AppProto flow_app_proto(const Packet& packet) {
  return packet.flow_state == nullptr ? AppProto::unknown : packet.flow_state->app_proto();
}

// Whether a rule that requires `proto` may match this packet. Rules without payload keywords need
// the protocol handed over already. Payload rules may also match bytes recognised as `proto` but
// not yet acknowledged: Suricata inspects those bytes again as raw stream once they are
// acknowledged, with the protocol known, and alerts then (on a later packet); vigil alerts once, on
// the packet that carries them.
inline bool app_proto_allows(AppProto proto, bool payload_rule, const Packet& packet) {
  if (packet.flow_state == nullptr) return false;
  if (packet.flow_state->app_proto() == proto) return true;
  return payload_rule && packet.flow_state->app_proto() == AppProto::unknown &&
         packet.flow_state->pending_app_proto() == proto;
}

// `app-layer-protocol:[!]name`: the names this build recognises flows as (http, http1, tls, ssl,
// ssh); other protocols and Suricata 7's direction modes (`,to_server`, `,final`, ...) are
// ErrorCode::unsupported.
Result<AppProtoCheck> parse_app_layer_protocol(std::string_view value);

// As Suricata: no verdict, negated or not, while the flow's protocol is unknown.
inline bool app_layer_protocol_holds(const AppProtoCheck& check, AppProto flow) {
  return flow != AppProto::unknown && (flow == check.proto) != check.negated;
}

}  // namespace vigil::rules
