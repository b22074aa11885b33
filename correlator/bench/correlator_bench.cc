// Correlator throughput: events/s on one core for event_count and value_count rules with 100,000 active
// groups, and what saving those windows costs. Not a test: it prints figures for docs/performance.md.
//   cmake --build build --target correlator_bench && build/correlator/correlator_bench [events] [groups] [rule]
// `rule` (event_count or value_count) runs only that one, e.g. under `perf record -g`.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "vigil/core/interfaces.h"
#include "vigil/correlator/correlator.h"
#include "vigil/correlator/rule_loader.h"

using namespace vigil;
using namespace vigil::correlator;

namespace {

class NullIncidentStore final : public IncidentStore {
 public:
  Result<void> put(const Incident&) override { return ok(); }
  Result<std::optional<Incident>> get(std::string_view) override { return std::optional<Incident>(); }
  Result<std::vector<Incident>> list(const IncidentQuery&) override { return std::vector<Incident>{}; }
  Result<uint64_t> next_incident_number() override { return next_++; }

 private:
  uint64_t next_ = 1;
};

class MemoryStateStore final : public StateStore {
 public:
  Result<void> put_state(std::string_view key, std::string_view value) override {
    bytes_ += value.size();
    values_[std::string(key)] = std::string(value);
    return ok();
  }
  Result<std::optional<std::string>> get_state(std::string_view key) override {
    auto it = values_.find(std::string(key));
    if (it == values_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Result<void> erase_state(std::string_view key) override {
    values_.erase(std::string(key));
    return ok();
  }
  size_t bytes_written() const { return bytes_; }

 private:
  std::map<std::string, std::string> values_;
  size_t bytes_ = 0;
};

// Flow events from `groups` sources (10.x.y.z) to 1,000 ports, 10 µs apart in event time: with a 60 s
// timespan every group stays active and each window keeps growing (nothing fires: the threshold is huge).
std::vector<Event> make_events(size_t count, size_t groups) {
  std::vector<Event> events(count);
  const Timestamp base = 1'700'000'000LL * kMicrosPerSecond;
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  for (size_t i = 0; i < count; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    Event& e = events[i];
    e.type = EventType::flow;
    e.timestamp = base + static_cast<Timestamp>(i) * 10;
    e.seq = i + 1;
    uint32_t source = static_cast<uint32_t>(i % groups);
    e.src_ip = IpAddress::v4(0x0a000000u + source);
    e.dest_ip = IpAddress::v4(0xc0a80001u);
    e.src_port = 40000;
    e.dest_port = static_cast<uint16_t>(1 + state % 1000);
    e.proto = kProtoTcp;
    e.flow = FlowInfo{};
  }
  return events;
}

// CPU time of this thread: the figure per core even when other processes share the machine.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::vector<CorrelationRule> rule(const std::string& yaml) {
  CorrelationLoadReport report;
  auto rules = parse_correlation_rules(yaml, "bench", report);
  if (!report.ok()) {
    std::fprintf(stderr, "%s\n", to_string(report.errors.front()).c_str());
    std::exit(2);
  }
  return rules;
}

void run(const char* name, const std::string& yaml, const std::vector<Event>& input) {
  NullIncidentStore incidents;
  MemoryStateStore state;
  CorrelatorOptions options;
  options.max_groups_per_rule = 1'000'000;
  Correlator correlator(rule(yaml), incidents, options, &state);
  std::vector<Event> events = input;  // process() may tag events; keep the input pristine
  auto start = std::chrono::steady_clock::now();
  double cpu_start = thread_cpu_seconds();
  for (auto& event : events) {
    if (!correlator.process(event)) std::exit(1);
  }
  double cpu = thread_cpu_seconds() - cpu_start;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto stats = correlator.stats();
  auto save_start = std::chrono::steady_clock::now();
  if (!correlator.save_windows()) std::exit(1);
  double save_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - save_start).count();
  std::printf("%-12s %9zu events %7zu groups  wall %6.3f s  cpu %6.3f s  %10.0f events/s per core   "
              "save %6.3f s, %6.1f MB\n",
              name, events.size(), stats.active_groups, seconds, cpu, static_cast<double>(events.size()) / cpu,
              save_seconds, static_cast<double>(state.bytes_written()) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4'000'000;
  const size_t groups = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100'000;
  const std::string only = argc > 3 ? argv[3] : "";
  const auto events = make_events(count, groups);
  const std::string common = "match: {event_type: flow}\ngroup_by: [src_ip]\ntimespan: 60s\nseverity: low\n";
  for (int round = 0; round < 2; ++round) {
    if (only.empty() || only == "event_count") {
      run("event_count", "id: ec\ntitle: t\ntype: event_count\ncondition: {gte: 1000000}\n" + common, events);
    }
    if (only.empty() || only == "value_count") {
      run("value_count",
          "id: vc\ntitle: t\ntype: value_count\ncondition: {gte: 1000000, field: dest_port}\n" + common, events);
    }
  }
  return 0;
}
