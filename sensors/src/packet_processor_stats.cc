// PacketProcessor's `stats` events and idle time: on packet time for replay
// (ProcessorOptions::stats_interval), on demand for live sensors, which run a wall-time timer.
#include "vigil/core/event.h"
#include "vigil/sensors/packet_processor.h"

namespace vigil::sensors {

void PacketProcessor::advance_time(Timestamp now) {
  flows_.advance_time(now);
  defrag_.advance_time(now);
}

void PacketProcessor::maybe_emit_stats(Timestamp now) {
  if (options_.stats_interval <= 0) return;
  if (next_stats_ == 0) {
    next_stats_ = now + options_.stats_interval;  // the first packet starts the clock
    return;
  }
  if (now < next_stats_) return;
  emit_stats(now);
  // After a long quiet gap one event covers it: counters are cumulative.
  next_stats_ = now + options_.stats_interval;
}

void PacketProcessor::emit_stats(Timestamp now) {
  Event event;
  event.type = EventType::stats;
  event.timestamp = now;
  event.sensor = identity_.name;
  event.zone = identity_.zone;
  event.stats = StatsInfo{counters()};
  sink_.consume(std::move(event));
}

}  // namespace vigil::sensors
