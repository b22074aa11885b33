// libFuzzer target for the TLS handshake parser: records and handshake messages split anyhow,
// ClientHello/ServerHello extensions (SNI, JA3/JA3S), certificates through OpenSSL's d2i_X509.
// Input: fuzz/applayer_fuzz_input.h. Never a crash or a sanitizer report; memory stays bounded.
#include "applayer_fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static vigil::applayer::AppLayerContext context;
  vigil::applayer::AppLayerFlow flow(context, vigil::applayer::Transport::tcp, 40000, 443);
  vigil::applayer::fuzz::replay(flow, data, size, false);
  return 0;
}
