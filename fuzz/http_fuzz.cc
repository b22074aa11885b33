// libFuzzer target for HTTP through the app layer: recognition, libhtp (both directions,
// pipelining, chunked and compressed bodies) and the buffers built from its transactions.
// Input: fuzz/applayer_fuzz_input.h. Never a crash or a sanitizer report; memory stays bounded.
#include "applayer_fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static vigil::applayer::AppLayerContext context([] {
    vigil::applayer::AppLayerOptions options;
    options.request_body_limit = 4096;  // reach the limits with small inputs
    options.response_body_limit = 4096;
    options.http_max_pending = 8;
    options.http_max_transactions = 32;
    return options;
  }());
  vigil::applayer::AppLayerFlow flow(context, vigil::applayer::Transport::tcp, 40000, 8080);
  vigil::applayer::fuzz::replay(flow, data, size, false);
  return 0;
}
