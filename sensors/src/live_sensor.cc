#include "vigil/sensors/live_sensor.h"

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>

namespace vigil::sensors {

struct LiveSensor::Timer {
  explicit Timer(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
};

LiveSensor::LiveSensor(boost::asio::io_context& io, SensorOptions options, std::unique_ptr<PcapLiveSource> source,
                       std::shared_ptr<const rules::RuleSet> rules, EventSink& sink, const Clock& clock)
    : options_(std::move(options)),
      source_(std::move(source)),
      pool_(options_.identity, std::move(rules), sink,
            [&] {
              ProcessorOptions processing = options_.processing;
              processing.stats_interval = 0;  // live stats run on wall time, below
              return processing;
            }(),
            [&] {
              WorkerPoolOptions pool;
              pool.workers = options_.workers;
              pool.batch_frames = options_.batch_frames;
              pool.batches_in_flight = options_.batches_in_flight;
              pool.drop_when_full = true;  // a live sensor that falls behind drops and counts
              return pool;
            }()),
      clock_(clock),
      timer_(std::make_unique<Timer>(io)) {}

LiveSensor::~LiveSensor() = default;

Result<std::unique_ptr<LiveSensor>> LiveSensor::open(boost::asio::io_context& io, SensorOptions options,
                                                     std::shared_ptr<const rules::RuleSet> rules, EventSink& sink,
                                                     const Clock& clock) {
  auto source = PcapLiveSource::open(io, options.capture);
  if (!source) return fail(source.error());
  return std::unique_ptr<LiveSensor>(
      new LiveSensor(io, std::move(options), std::move(*source), std::move(rules), sink, clock));
}

void LiveSensor::start() {
  if (running_) return;
  running_ = true;
  const int link_type = source_->link_type();
  source_->start([this, link_type](const RawPacket& raw) { pool_.submit(link_type, raw); },
                 [this](const Error& error) {
                   failure_ = error;
                   stop();
                 });
  if (options_.stats_interval > 0) next_stats_ = clock_.now() + options_.stats_interval;
  schedule();
}

void LiveSensor::schedule() {
  if (options_.housekeeping_interval <= 0) return;
  timer_->timer.expires_after(std::chrono::microseconds(options_.housekeeping_interval));
  timer_->timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !running_) return;
    housekeeping();
    schedule();
  });
}

void LiveSensor::housekeeping() {
  const Timestamp now = clock_.now();
  pool_.advance_time(now);
  refresh_drops();
  pool_.flush();  // events do not wait for a full batch
  if (next_stats_ != 0 && now >= next_stats_) {
    pool_.emit_stats(now);
    next_stats_ = now + options_.stats_interval;
  }
  stats_ = pool_.totals();
}

void LiveSensor::refresh_drops() {
  auto captured = source_->stats();
  if (!captured) return;  // the counters stay as last read; the capture error surfaces on read
  CaptureDrops drops;
  drops.kernel = captured->kernel_drops;
  drops.interface = captured->interface_drops;
  pool_.set_capture_drops(drops);
}

void LiveSensor::stop() {
  if (!running_) return;
  running_ = false;
  source_->stop();
  timer_->timer.cancel();
  refresh_drops();
  pool_.finish();
  pool_.emit_stats(clock_.now());  // the last counters, with every flow ended
  stats_ = pool_.totals();
}

}  // namespace vigil::sensors
