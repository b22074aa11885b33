#include "live_capture.h"

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>

#include <spdlog/spdlog.h>

#include "vigil/sensors/pcap_live_source.h"

namespace vigil::daemon {

namespace asio = boost::asio;

namespace {
constexpr Duration kHousekeeping = seconds(1);
constexpr Duration kStatsInterval = seconds(30);

sensors::ProcessorOptions processing_options(const SensorConfig& config) {
  sensors::ProcessorOptions options;
  options.flows.midstream = config.midstream;
  options.flows.async_oneside = config.async_oneside;
  return options;
}
}  // namespace

struct LiveCapture::Impl {
  Impl(const SensorConfig& sensor_config, std::shared_ptr<const rules::RuleSet> rules, EventSink& sink,
       const Clock& c)
      : config(sensor_config),
        processor({config.name, config.zone}, std::move(rules), sink, processing_options(sensor_config)),
        clock(c),
        timer(io),
        work(asio::make_work_guard(io)) {}

  void schedule() {
    timer.expires_after(std::chrono::microseconds(kHousekeeping));
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || !running) return;
      housekeeping();
      schedule();
    });
  }

  void refresh_drops() {
    auto captured = source->stats();
    if (!captured) return;  // kept as last read; a capture error surfaces on read
    sensors::CaptureDrops drops = processor.stats().drops;
    drops.kernel = captured->kernel_drops;
    drops.interface = captured->interface_drops;
    processor.set_capture_drops(drops);
  }

  void publish() {
    std::lock_guard lock(mutex);
    snapshot = processor.stats();
  }

  void housekeeping() {
    const Timestamp now = clock.now();
    processor.advance_time(now);
    refresh_drops();
    if (now >= next_stats) {
      processor.emit_stats(now);
      next_stats = now + kStatsInterval;
    }
    publish();
  }

  void halt() {  // on the capture thread
    if (!running) return;
    running = false;
    source->stop();
    timer.cancel();
    refresh_drops();
    processor.finish();
    processor.emit_stats(clock.now());
    publish();
  }

  SensorConfig config;
  asio::io_context io;
  std::unique_ptr<sensors::PcapLiveSource> source;
  sensors::PacketProcessor processor;
  const Clock& clock;
  asio::steady_timer timer;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
  bool running = false;
  Timestamp next_stats = 0;
  mutable std::mutex mutex;
  sensors::SensorStats snapshot;  // under mutex
  std::string failure;            // under mutex
};

LiveCapture::LiveCapture(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LiveCapture::~LiveCapture() { stop(); }

Result<std::unique_ptr<LiveCapture>> LiveCapture::open(const SensorConfig& config,
                                                       std::shared_ptr<const rules::RuleSet> rules, EventSink& sink,
                                                       const Clock& clock) {
  auto impl = std::make_unique<Impl>(config, std::move(rules), sink, clock);
  sensors::LiveCaptureOptions capture;
  capture.interface = config.interface;
  capture.snaplen = config.snaplen;
  capture.promiscuous = config.promiscuous;
  capture.buffer_bytes = config.buffer_mb << 20;
  capture.bpf_filter = config.bpf;
  auto source = sensors::PcapLiveSource::open(impl->io, capture);
  if (!source) return fail(source.error().with_context("sensor " + config.name));
  impl->source = std::move(*source);
  return std::unique_ptr<LiveCapture>(new LiveCapture(std::move(impl)));
}

void LiveCapture::start() {
  Impl& d = *impl_;
  if (d.thread.joinable()) return;
  d.running = true;
  const int link_type = d.source->link_type();
  d.source->start([&d, link_type](const sensors::RawPacket& raw) { d.processor.process(link_type, raw); },
                  [&d](const Error& error) {
                    spdlog::error("sensor {} stopped: {}", d.config.name, error.message);
                    {
                      std::lock_guard lock(d.mutex);
                      d.failure = error.message;
                    }
                    d.halt();
                  });
  d.next_stats = d.clock.now() + kStatsInterval;
  d.schedule();
  d.thread = std::thread([&d] { d.io.run(); });
}

void LiveCapture::stop() {
  Impl& d = *impl_;
  if (!d.thread.joinable()) return;
  asio::post(d.io, [&d] {
    d.halt();
    d.work.reset();
  });
  d.thread.join();
}

void LiveCapture::set_rules(std::shared_ptr<const rules::RuleSet> rules) {
  Impl& d = *impl_;
  asio::post(d.io, [&d, rules = std::move(rules)]() mutable { d.processor.set_rules(std::move(rules)); });
}

CaptureStatus LiveCapture::status() const {
  const Impl& d = *impl_;
  std::lock_guard lock(d.mutex);
  return {d.config.name, d.config.zone, d.config.interface, d.snapshot, d.failure};
}

}  // namespace vigil::daemon
