// AppLayerContext's private part: libhtp's configuration, set up as Suricata configures it by
// default (IDS personality, path not lower-cased, '+' not decoded, request and response
// decompression, field limits). Thread contract: built once, then only read by libhtp.
#pragma once

#include "vigil/applayer/app_layer_flow.h"

struct htp_cfg_t;

namespace vigil::applayer {

struct AppLayerContext::Impl {
  explicit Impl(const AppLayerOptions& options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  htp_cfg_t* htp = nullptr;
};

}  // namespace vigil::applayer
