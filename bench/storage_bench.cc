// vigil-storage-bench: the storage figures of docs/performance.md. Fills a fresh data dir with
// synthetic alert events (WAL + group commit, several batches in flight), measures bytes per
// event after compaction, first-page latency of a 1-hour window and of one source address,
// ingest with an fsync per batch (one batch in flight), and incidents listed by state.
// Thread contract: main thread plus the store's writer thread.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <future>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "vigil/storage/rocks_store.h"

namespace {

using vigil::Event;
using vigil::Timestamp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string dir = "/tmp/vigil-storage-bench";
  uint64_t events = 10'000'000;
  uint64_t sync_events = 1'000'000;
  uint64_t incidents = 1'000'000;
  size_t batch = 1000;
  size_t in_flight = 8;
  int days = 7;  // the events' time span
  uint32_t sources = 50'000;
  // 0: every alert draws its own source, destination and signature (the worst case for the index:
  // nearly one source key per alert). N: a batch holds the alerts of N flows, like a sensor's batch.
  size_t flows_per_batch = 0;
  int repeat = 20;  // query runs per figure
  bool ingest_only = false;  // for `perf record`: the group-commit ingest alone, dir kept
};

// CPU seconds of every thread of the process (ours and RocksDB's) so far: on a shared machine a
// steadier measure of cost than wall time.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const Timestamp kStart = vigil::hours(24) * 20'500;  // 2026-02-16T00:00:00Z

// Alerts as the sample's rules raise them: 200 signatures, `sources` inside hosts, 2000
// outside addresses, time spread evenly over `days`.
class AlertMaker {
 public:
  explicit AlertMaker(const Options& options)
      : options_(options), step_(vigil::hours(24) * options.days / static_cast<int64_t>(options.events)) {
    for (uint32_t sid = 0; sid < 200; ++sid) {
      Event event;
      event.type = vigil::EventType::alert;
      event.proto = vigil::kProtoTcp;
      event.sensor = sid % 3 == 0 ? "dc-1" : "wan-1";
      event.zone = sid % 3 == 0 ? "datacenter" : "wan";
      vigil::AlertInfo alert;
      alert.signature_id = 9'000'000 + sid;
      alert.rev = 2;
      alert.signature = "VIGIL POLICY synthetic signature number " + std::to_string(sid);
      alert.category = "Potentially Bad Traffic";
      alert.severity = 1 + static_cast<int>(sid % 4);
      event.alert = alert;
      event.payload = "GET /index.php?id=" + std::to_string(sid) + " HTTP/1.1";
      templates_.push_back(event);
    }
  }
  Event make(uint64_t n) {
    if (options_.flows_per_batch == 0) return at(fresh_flow(), n);
    // A new batch starts: its flows are drawn afresh, sources still uniform over all of them.
    if (n % options_.batch == 0) {
      flows_.clear();
      for (size_t i = 0; i < options_.flows_per_batch; ++i) flows_.push_back(fresh_flow());
    }
    return at(flows_[rng_() % flows_.size()], n);
  }
  static vigil::IpAddress source(uint32_t i) { return vigil::IpAddress::v4(0x0a140000u + i); }

 private:
  // One alerting flow: its signature, addresses, ports and incident; its alerts differ in time only.
  Event fresh_flow() {
    Event event = templates_[rng_() % templates_.size()];
    event.flow_id = rng_();
    event.src_ip = source(static_cast<uint32_t>(rng_() % options_.sources));
    event.dest_ip = vigil::IpAddress::v4(0xc6336400u + static_cast<uint32_t>(rng_() % 2000));
    event.src_port = static_cast<uint16_t>(1024 + rng_() % 60000);
    event.dest_port = 443;
    if (rng_() % 20 == 0) event.incident_id = vigil::format_incident_id(1 + rng_() % 5000);
    return event;
  }
  Event at(Event event, uint64_t n) const {
    event.timestamp = kStart + static_cast<Timestamp>(n) * std::max<int64_t>(step_, 1);
    event.seq = n + 1;
    return event;
  }
  const Options& options_;
  int64_t step_;
  std::vector<Event> templates_;
  std::mt19937_64 rng_{42};
  std::vector<Event> flows_;
};

std::unique_ptr<vigil::storage::RocksStore> open_fresh(const std::string& dir, bool sync) {
  std::filesystem::remove_all(dir);
  vigil::storage::StoreOptions options;
  options.sync_writes = sync;
  auto store = vigil::storage::RocksStore::open(dir, options);
  if (!store) {
    std::cerr << "vigil-storage-bench: " << store.error().message << "\n";
    std::exit(2);
  }
  return std::move(*store);
}

void require(const vigil::Result<void>& done) {
  if (!done) {
    std::cerr << "vigil-storage-bench: " << done.error().message << "\n";
    std::exit(1);
  }
}

struct Ingest {
  double rate = 0;  // events per second
  double wall = 0;
  double cpu = 0;  // CPU seconds of all threads, RocksDB's flushes and compactions included
};

void print(const std::string& what, const Ingest& run, uint64_t count) {
  std::printf("%-44s %10.0f events/s  (%llu events in %.1f s; %.2f CPU µs per event)\n", what.c_str(), run.rate,
              static_cast<unsigned long long>(count), run.wall, run.cpu * 1e6 / static_cast<double>(count));
}

// `count` events in batches; up to `in_flight` batches queued at the writer.
Ingest ingest(vigil::storage::RocksStore& store, const Options& options, uint64_t count, size_t in_flight) {
  AlertMaker maker(options);
  std::deque<std::future<vigil::Result<void>>> pending;
  std::vector<Event> batch;
  batch.reserve(options.batch);
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  for (uint64_t n = 0; n < count;) {
    batch.clear();
    for (size_t i = 0; i < options.batch && n < count; ++i, ++n) batch.push_back(maker.make(n));
    pending.push_back(store.append_async(batch));
    while (pending.size() >= in_flight) {
      require(pending.front().get());
      pending.pop_front();
    }
  }
  while (!pending.empty()) {
    require(pending.front().get());
    pending.pop_front();
  }
  Ingest run;
  run.wall = seconds_since(start);
  run.cpu = cpu_seconds() - cpu_start;
  run.rate = static_cast<double>(count) / run.wall;
  return run;
}

struct Latency {
  double first_ms = 0;  // the first run, caches cold for that key range
  double median_ms = 0;
  double max_ms = 0;
  size_t rows = 0;
};

template <typename Run>
Latency measure(int repeat, Run run) {
  std::vector<double> ms;
  Latency out;
  for (int i = 0; i < repeat; ++i) {
    const auto start = Clock::now();
    out.rows = run(i);
    ms.push_back(seconds_since(start) * 1000);
  }
  out.first_ms = ms.front();
  std::sort(ms.begin(), ms.end());
  out.median_ms = ms[ms.size() / 2];
  out.max_ms = ms.back();
  return out;
}

void print(const std::string& what, const Latency& latency) {
  std::printf("%-44s first %7.2f ms, median %7.2f ms, max %7.2f ms (%zu rows)\n", what.c_str(), latency.first_ms,
              latency.median_ms, latency.max_ms, latency.rows);
}

size_t query_rows(vigil::storage::RocksStore& store, const vigil::EventQuery& query) {
  auto page = store.query_page(query);
  if (!page) {
    std::cerr << "vigil-storage-bench: " << page.error().message << "\n";
    std::exit(1);
  }
  return page->events.size();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"vigil-storage-bench - storage ingest, size and query figures"};
  app.add_option("--dir", options.dir, "Scratch dir (removed and re-created)")->capture_default_str();
  app.add_option("--events", options.events, "Alert events for the group-commit ingest and the queries")
      ->capture_default_str();
  app.add_option("--sync-events", options.sync_events, "Alert events for the fsync-per-batch ingest")
      ->capture_default_str();
  app.add_option("--incidents", options.incidents, "Incidents for the list-by-state figure")->capture_default_str();
  app.add_option("--batch", options.batch, "Events per batch")->capture_default_str();
  app.add_option("--in-flight", options.in_flight, "Batches queued at once in the group-commit run")
      ->capture_default_str();
  app.add_option("--days", options.days, "Time span of the events")->capture_default_str();
  app.add_option("--sources", options.sources, "Distinct source addresses")->capture_default_str();
  app.add_option("--flows-per-batch", options.flows_per_batch,
                 "Alerts of a batch come from this many flows (0: each alert its own draw, the worst case)")
      ->capture_default_str();
  app.add_flag("--ingest-only", options.ingest_only,
               "Only the group-commit ingest; the dir is kept (its RocksDB LOG has the compaction stats)");
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is measured, also into a file
  std::printf("batches of %zu alert events over %d days from %u sources, %s\n", options.batch, options.days,
              options.sources,
              options.flows_per_batch == 0 ? "each alert its own flow"
                                           : (std::to_string(options.flows_per_batch) + " flows per batch").c_str());
  options.batch = std::max<size_t>(options.batch, 1);
  options.in_flight = std::max<size_t>(options.in_flight, 1);

  const std::string events_dir = options.dir + "/events";
  const std::string sync_dir = options.dir + "/sync";
  const std::string incidents_dir = options.dir + "/incidents";
  std::filesystem::create_directories(options.dir);

  {
    auto store = open_fresh(events_dir, false);
    print("ingest, WAL + group commit (" + std::to_string(options.in_flight) + " batches in flight)",
          ingest(*store, options, options.events, options.in_flight), options.events);
    if (options.ingest_only) return 0;
    // Before compaction, on the store still open: what a live daemon's queries see, memtables
    // included (an unsorted vector memtable for the index made this 30 - 80 ms, see docs).
    std::mt19937_64 live_rng(11);
    print("live store: one source address, page of 100", measure(options.repeat, [&](int) {
            vigil::EventQuery q;
            q.src = vigil::Cidr(AlertMaker::source(static_cast<uint32_t>(live_rng() % options.sources)), 32);
            return query_rows(*store, q);
          }));
    const auto start = Clock::now();
    require(store->compact());
    auto stats = store->stats();
    if (!stats) return 1;
    std::printf("bytes per event after compaction             %10.1f      (%.0f MiB, compaction %.0f s)\n",
                static_cast<double>(stats->dir_bytes) / static_cast<double>(options.events),
                static_cast<double>(stats->dir_bytes) / (1 << 20), seconds_since(start));
  }
  {
    // Reopened: the figures include reading table files, not only the memtables of the ingest.
    vigil::storage::StoreOptions read_only;
    read_only.read_only = true;
    auto opened = vigil::storage::RocksStore::open(events_dir, read_only);
    if (!opened) return 2;
    auto& store = **opened;
    const Timestamp span = vigil::hours(24) * options.days;
    std::mt19937_64 rng(7);
    print("1-hour window, newest first, page of 100", measure(options.repeat, [&](int) {
            vigil::EventQuery q;
            q.from = kStart + static_cast<Timestamp>(rng() % static_cast<uint64_t>(span - vigil::hours(1)));
            q.until = q.from + vigil::hours(1);
            return query_rows(store, q);
          }));
    print("one source address, all time, page of 100", measure(options.repeat, [&](int) {
            vigil::EventQuery q;
            q.src = vigil::Cidr(AlertMaker::source(static_cast<uint32_t>(rng() % options.sources)), 32);
            return query_rows(store, q);
          }));
    // A source seen in each window, found before the clock starts.
    std::vector<vigil::EventQuery> seen;
    for (int i = 0; i < options.repeat; ++i) {
      vigil::EventQuery q;
      q.from = kStart + static_cast<Timestamp>(rng() % static_cast<uint64_t>(span - vigil::hours(1)));
      q.until = q.from + vigil::hours(1);
      q.limit = 1;
      auto page = store.query_page(q);
      if (!page || page->events.empty() || !page->events[0].src_ip) continue;
      q.src = vigil::Cidr(*page->events[0].src_ip, 32);
      q.limit = 100;
      seen.push_back(q);
    }
    if (!seen.empty()) {
      print("one source address seen in a 1-hour window", measure(static_cast<int>(seen.size()), [&](int i) {
              return query_rows(store, seen[static_cast<size_t>(i)]);
            }));
    }
    print("one signature, 1-hour window, page of 100", measure(options.repeat, [&](int i) {
            vigil::EventQuery q;
            q.from = kStart + static_cast<Timestamp>(rng() % static_cast<uint64_t>(span - vigil::hours(1)));
            q.until = q.from + vigil::hours(1);
            q.signature_id = 9'000'000 + static_cast<uint32_t>(i % 200);
            return query_rows(store, q);
          }));
    print("count by signature, 1-hour window", measure(5, [&](int) {
            vigil::EventQuery q;
            q.from = kStart + static_cast<Timestamp>(rng() % static_cast<uint64_t>(span - vigil::hours(1)));
            q.until = q.from + vigil::hours(1);
            auto counts = store.count(q, vigil::EventCountKey::signature);
            return counts ? counts->size() : 0;
          }));
  }
  std::filesystem::remove_all(events_dir);

  if (options.sync_events > 0) {
    auto store = open_fresh(sync_dir, true);
    print("ingest, fsync per batch (1 batch in flight)", ingest(*store, options, options.sync_events, 1),
          options.sync_events);
    print("ingest, fsync per group (" + std::to_string(options.in_flight) + " batches in flight)",
          ingest(*store, options, options.sync_events / 4, options.in_flight), options.sync_events / 4);
    store.reset();
    std::filesystem::remove_all(sync_dir);
  }

  if (options.incidents > 0) {
    auto store = open_fresh(incidents_dir, false);
    std::mt19937_64 rng(11);
    const vigil::IncidentState states[] = {vigil::IncidentState::closed, vigil::IncidentState::resolved,
                                           vigil::IncidentState::new_, vigil::IncidentState::acknowledged,
                                           vigil::IncidentState::investigating, vigil::IncidentState::contained};
    const auto start = Clock::now();
    for (uint64_t n = 1; n <= options.incidents; ++n) {
      vigil::Incident incident;
      incident.id = vigil::format_incident_id(n);
      incident.title = "SSH brute force from 10.20.1." + std::to_string(n % 250);
      const uint64_t roll = rng() % 100;  // most incidents of a year are closed
      incident.state = states[roll < 70 ? 0 : roll < 90 ? 1 : 2 + roll % 4];
      incident.severity = static_cast<vigil::Severity>(rng() % 4);
      incident.layer = 1 + static_cast<int>(rng() % 2);
      incident.assignee = n % 3 ? "mssp-oncall" : "";
      incident.rule_id = "ssh-bruteforce";
      incident.first_seen = kStart + static_cast<Timestamp>(n) * vigil::seconds(30);
      incident.last_seen = incident.first_seen + vigil::minutes(5);
      incident.event_count = 20;
      require(store->put(incident));
    }
    std::printf("incident puts (one at a time, each durable)  %10.0f incidents/s (%llu incidents)\n",
                static_cast<double>(options.incidents) / seconds_since(start),
                static_cast<unsigned long long>(options.incidents));
    for (auto state : {vigil::IncidentState::new_, vigil::IncidentState::closed}) {
      print("incidents by state " + std::string(vigil::to_string(state)) + ", page of 100",
            measure(options.repeat, [&](int) {
              vigil::IncidentQuery q;
              q.state = state;
              auto listed = store->list(q);
              return listed ? listed->size() : 0;
            }));
    }
    print("open incidents (4 states merged), page of 100", measure(options.repeat, [&](int) {
            vigil::IncidentQuery q;
            q.open_only = true;
            auto listed = store->list(q);
            return listed ? listed->size() : 0;
          }));
    store.reset();
    std::filesystem::remove_all(incidents_dir);
  }
  return 0;
}
