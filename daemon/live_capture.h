// LiveCapture: one configured sensor on its own capture thread: PcapLiveSource -> PacketProcessor ->
// the pipeline, with a wall-clock timer for idle expiry, kernel drop counters and stats events.
// It does what sensors::LiveSensor does, plus set_rules(): LiveSensor keeps its PacketProcessor
// private and has no way to swap the rule set, which a SIGHUP reload needs.
// Thread contract: open/start/stop/set_rules/stats from the owner's thread; packets, the timer and
// the rule swap run on the capture thread's io_context, so a swap happens between two packets.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "config.h"
#include "vigil/core/interfaces.h"
#include "vigil/core/result.h"
#include "vigil/rules/rule_set.h"
#include "vigil/sensors/packet_processor.h"

namespace vigil::daemon {

struct CaptureStatus {
  std::string name;
  std::string zone;
  std::string interface;
  sensors::SensorStats stats;
  std::string failure;  // the capture error that stopped it, empty while it runs
};

class LiveCapture {
 public:
  static Result<std::unique_ptr<LiveCapture>> open(const SensorConfig& config,
                                                   std::shared_ptr<const rules::RuleSet> rules, EventSink& sink,
                                                   const Clock& clock);
  ~LiveCapture();
  LiveCapture(const LiveCapture&) = delete;
  LiveCapture& operator=(const LiveCapture&) = delete;

  void start();
  // Stops reading, ends every flow (reason "shutdown"), emits a last stats event, joins the thread.
  void stop();
  void set_rules(std::shared_ptr<const rules::RuleSet> rules);
  CaptureStatus status() const;

 private:
  struct Impl;
  explicit LiveCapture(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::daemon
