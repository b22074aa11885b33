// The fragment step of PacketProcessor::process(): fragments wait in the IpDefragmenter and only
// the whole datagram goes on to the flow table and detection, decoded like any packet.
#include "vigil/sensors/packet_processor.h"

namespace vigil::sensors {

bool PacketProcessor::reassemble(DecodeResult& result, rules::Packet& packet, uint32_t& packet_bytes) {
  if (result.snap_truncated) {
    // Part of the fragment's data was not captured: a rebuilt datagram would be wrong.
    ++untracked_fragments_;
    return false;
  }
  defrag_anomalies_.clear();
  const std::optional<Reassembled> whole = defrag_.add(result, packet, defrag_anomalies_);
  for (std::string_view kind : defrag_anomalies_) {
    decoder_.count_anomaly(kind);
    emit_anomaly(kind, packet);
  }
  if (!whole) return false;
  result = decoder_.decode_reassembled(whole->ip_version, whole->datagram, packet);
  if (!result.anomaly.empty()) emit_anomaly(result.anomaly, packet);
  // A fragment header inside a reassembled datagram would start another round: not followed.
  if (!result.decoded() || result.is_fragment) return false;
  packet_bytes = whole->datagram.wire_len;
  return true;
}

}  // namespace vigil::sensors
