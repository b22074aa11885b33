// Which worker owns a frame: a symmetric hash of the frame's IP address pair, read with a minimal
// parse of the link layers the Decoder knows. Addresses only (no ports) so that every fragment of a
// datagram, which carries no ports after the first, lands on the worker that holds its flow.
// Thread contract: pure function; called on the capture thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vigil/sensors/packet_source.h"

namespace vigil::sensors {

// 0..workers-1. Frames without a readable IP header go to worker 0.
size_t worker_for(int link_type, const RawPacket& raw, size_t workers);

}  // namespace vigil::sensors
