// libFuzzer target for DNS: over UDP (each chunk a datagram) and over TCP (length-prefixed
// messages split anyhow), names with compression pointers (loops, forward pointers), records.
// Input: byte 0 bit 0 picks TCP, then fuzz/applayer_fuzz_input.h. Never a crash or a sanitizer
// report; memory stays bounded.
#include "applayer_fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static vigil::applayer::AppLayerContext context;
  if (size < 1) return 0;
  const bool tcp = (data[0] & 1) != 0;
  vigil::applayer::AppLayerFlow flow(context, tcp ? vigil::applayer::Transport::tcp : vigil::applayer::Transport::udp,
                                     40000, 53);
  vigil::applayer::fuzz::replay(flow, data + 1, size - 1, !tcp);
  return 0;
}
