// vigil-rules-bench: the signature engine's figures for docs/performance.md. Loads a rule set
// (ET Open by default) cold, with an empty Hyperscan cache, and warm, from the cache the cold load
// wrote; reports database sizes and memory; then scans the payloads of every packet of a capture
// directory (the shared `mixed` captures, read, decoded and given their flow facts in memory
// first) with the Scanner; then the same payloads with bare hs_scan calls: against the grouped
// tables the Scanner picks (its own Hyperscan work, so its overhead shows) and against one
// database of all fast patterns (what a single-database engine would scan). The bare grouped pass
// makes exactly the Scanner's hs_scan calls (IP packets with a payload and a table, a scratch
// reserved for the same databases) and nothing else; each round runs the one-database pass, then
// the Scanner and the bare grouped pass taking turns chunk by chunk. Alerts are those of an
// untimed first Scanner pass.
// Uses the private rules headers (rule_set_impl.h) for the database: a benchmark, not a client.
#include <hs.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "rule_set_impl.h"
#include "vigil/core/interfaces.h"
#include "vigil/rules/rule_set.h"
#include "vigil/rules/scanner.h"
#include "vigil/sensors/decoder.h"
#include "vigil/sensors/flow_table.h"
#include "vigil/sensors/pcap_file_source.h"

namespace {

namespace fs = std::filesystem;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// "VmRSS" or "VmHWM" from /proc/self/status, in MB.
double proc_status_mb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return 0;
}

class CountingSink final : public vigil::EventSink {
 public:
  void consume(vigil::Event) override { ++events; }
  uint64_t events = 0;
};

struct Frame {
  int link_type;
  vigil::Timestamp ts;
  uint32_t wire_len;
  std::vector<uint8_t> bytes;
};

struct Load {
  std::shared_ptr<const vigil::rules::RuleSet> rules;
  vigil::rules::RuleLoadReport report;
  double wall = 0;
  double cpu = 0;
};

Load load(const std::vector<std::string>& paths, const std::string& cache_dir) {
  Load out;
  const double wall = wall_seconds();
  const double cpu = thread_cpu_seconds();
  auto set = vigil::rules::load_rule_set(paths, vigil::rules::RuleVariables::suricata_defaults(), out.report,
                                         {cache_dir});
  out.cpu = thread_cpu_seconds() - cpu;
  out.wall = wall_seconds() - wall;
  if (!set) {
    std::fprintf(stderr, "vigil-rules-bench: %s\n", set.error().message.c_str());
    std::exit(2);
  }
  out.rules = std::move(*set);
  return out;
}

int count_hit(unsigned, unsigned long long, unsigned long long, unsigned, void* context) {
  ++*static_cast<uint64_t*>(context);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Signature engine figures: rule load (cold/warm), database size, memory, scan throughput"};
  std::vector<std::string> rule_paths{"/work/shared/corpus/rules/et-open"};
  std::string captures = "/work/shared/corpus/pcaps/mixed";
  std::string cache_dir;
  int rounds = 3;
  app.add_option("--rules", rule_paths, "rule files or directories")->capture_default_str();
  app.add_option("--captures", captures, "directory of pcap/pcapng files (searched recursively)")
      ->capture_default_str();
  app.add_option("--cache-dir", cache_dir, "Hyperscan cache dir (default: a fresh temporary dir, removed after)");
  app.add_option("--rounds", rounds, "timed rounds over the payloads (each: the one-database pass, then the Scanner and the bare grouped scans chunk by chunk)")->check(CLI::Range(1, 100));
  std::string only;
  int only_passes = 40;
  app.add_option("--only", only,
                 "after loading, run only this pass --only-passes times and print nothing else (for perf record)")
      ->check(CLI::IsMember({"scanner", "grouped"}));
  app.add_option("--only-passes", only_passes, "passes for --only")->check(CLI::Range(1, 10000));
  CLI11_PARSE(app, argc, argv);

  bool remove_cache = false;
  if (cache_dir.empty()) {
    cache_dir = (fs::temp_directory_path() / ("vigil-rules-bench-" + std::to_string(::getpid()))).string();
    remove_cache = true;
  }
  std::error_code ec;
  // The cold load must compile; with --only and a --cache-dir of an earlier run it need not (under
  // valgrind, compiling would take most of the run).
  if (only.empty() || remove_cache) fs::remove_all(cache_dir, ec);

  const double rss_before = proc_status_mb("VmRSS");
  Load cold = load(rule_paths, cache_dir);
  const double rss_after_cold = proc_status_mb("VmRSS");
  cold.rules.reset();
  malloc_trim(0);  // give back what compilation freed, so the next figure is the rule set's own
  const double rss_before_warm = proc_status_mb("VmRSS");
  Load warm = load(rule_paths, cache_dir);
  malloc_trim(0);
  const double rss_warm = proc_status_mb("VmRSS") - rss_before_warm;
  const vigil::rules::RuleSetImpl& impl = warm.rules->impl();
  size_t skipped = warm.report.issues.size();

  // The reference: every fast pattern in one database, as a single-database engine would scan.
  std::vector<vigil::rules::HsLiteral> literals;
  {
    std::set<std::pair<std::string, bool>> seen;
    for (const auto& fp : impl.fast_patterns()) {
      if (!seen.insert({fp.bytes, fp.nocase}).second) continue;
      literals.push_back({fp.bytes, HS_FLAG_SINGLEMATCH | (fp.nocase ? HS_FLAG_CASELESS : 0u),
                          static_cast<unsigned>(literals.size())});
    }
  }
  if (!only.empty()) literals.resize(std::min<size_t>(literals.size(), 1));  // --only does not scan it
  auto all_patterns = vigil::rules::HsDatabase::compile_literals(literals, HS_MODE_BLOCK);
  if (!all_patterns) {
    std::fprintf(stderr, "vigil-rules-bench: %s\n", all_patterns.error().message.c_str());
    return 1;
  }
  std::printf("rules: %zu loaded, %zu not loaded (unsupported or broken), %zu distinct fast patterns, %zu IP-only\n",
              warm.report.loaded, skipped, literals.size(), impl.ip_only_count());
  std::printf("%-34s %10s %10s\n", "load", "wall s", "CPU s");
  std::printf("%-34s %10.3f %10.3f\n", "cold (compile, write cache)", cold.wall, cold.cpu);
  std::printf("%-34s %10.3f %10.3f\n", "warm (from cached databases)", warm.wall, warm.cpu);
  std::printf("databases: block %zu grouped tables %.2f MB (all patterns in one: %.2f MB), stream %.2f MB\n"
              "memory: RSS %.1f MB at start, +%.1f MB after the cold load, peak %.1f MB; a warm-loaded rule set "
              "holds %.1f MB\n",
              impl.block_groups().tables().size(), static_cast<double>(impl.block_groups().database_bytes()) / 1e6,
              static_cast<double>(all_patterns->size_bytes()) / 1e6,
              static_cast<double>(impl.stream_database().size_bytes()) / 1e6, rss_before,
              rss_after_cold - rss_before, proc_status_mb("VmHWM"), rss_warm);

  // Every frame of every capture, in memory.
  std::vector<std::string> files;
  for (fs::recursive_directory_iterator it(captures, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string ext = it->path().extension().string();
    if (it->is_regular_file() && (ext == ".pcap" || ext == ".pcapng" || ext == ".cap")) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Frame> frames;
  size_t unreadable = 0;
  for (const std::string& file : files) {
    auto source = vigil::sensors::PcapFileSource::open(file);
    if (!source) {
      ++unreadable;
      continue;
    }
    vigil::sensors::RawPacket raw;
    for (;;) {
      auto more = source->next(raw);
      if (!more || !*more) break;
      frames.push_back(Frame{source->link_type(), raw.ts, raw.wire_len,
                             std::vector<uint8_t>(raw.data, raw.data + raw.caplen)});
    }
  }

  // Decoded packets with their flow facts (direction, established, first packet each way); flowbit
  // state is left out (flow_state null): it lives in flows that the table recycles.
  std::vector<vigil::rules::Packet> packets;
  packets.reserve(frames.size());
  CountingSink sink;
  vigil::sensors::Decoder decoder;
  uint64_t payload_bytes = 0;
  uint64_t payload_packets = 0;
  {
    vigil::sensors::FlowTable flows(sink, {"bench", "bench"});
    for (const Frame& frame : frames) {
      vigil::sensors::RawPacket raw{frame.ts, frame.bytes.data(), static_cast<uint32_t>(frame.bytes.size()),
                                    frame.wire_len};
      vigil::rules::Packet packet;
      auto result = decoder.decode(frame.link_type, raw, packet);
      if (!result.decoded() || result.is_fragment) continue;
      flows.update(packet, frame.wire_len);
      packet.flow_state = nullptr;
      payload_bytes += packet.payload.size();
      payload_packets += packet.payload.empty() ? 0 : 1;
      packets.push_back(packet);
    }
  }
  std::printf("captures: %zu files (%zu unreadable), %zu packets decoded, %llu with payload, %.1f MB of payload\n",
              files.size(), unreadable, packets.size(), static_cast<unsigned long long>(payload_packets),
              static_cast<double>(payload_bytes) / 1e6);

  vigil::rules::Scanner scanner(warm.rules);
  std::vector<const vigil::rules::RuleInfo*> alerts;
  vigil::rules::HsScratch scratch;
  if (!scratch.reserve_for(*all_patterns)) return 1;
  // The bare grouped scans use a scratch reserved as the Scanner's is (block tables and stream
  // database), so both scan with the same scratch size.
  vigil::rules::HsScratch grouped_scratch;
  for (const auto& table : impl.block_groups().tables()) {
    if (!grouped_scratch.reserve_for(table.database)) return 1;
  }
  if (!grouped_scratch.reserve_for(impl.stream_database())) return 1;
  double best_scanner = 1e100;
  double best_grouped = 1e100;
  double best_one = 1e100;
  uint64_t alert_count = 0;
  uint64_t grouped_hits = 0;
  uint64_t one_hits = 0;
  // Each pass runs over packets [begin, end): the timed rounds below take the capture in chunks.
  const auto scanner_pass = [&](size_t begin, size_t end) {
    uint64_t count = 0;
    for (size_t i = begin; i < end; ++i) {
      alerts.clear();
      scanner.scan(packets[i], alerts);
      count += alerts.size();
    }
    return count;
  };
  // The same hs_scan calls the Scanner makes: each payload of an IP packet (the Scanner ignores the
  // rest) against the table it picks, with the same scratch size.
  const auto grouped_pass = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const vigil::rules::Packet& packet = packets[i];
      if (packet.ip_version == 0 || packet.payload.empty()) continue;
      const vigil::rules::PatternTable* table = impl.select(packet).table;
      if (table == nullptr) continue;
      hs_scan(table->database.get(), packet.payload.data(), static_cast<unsigned>(packet.payload.size()), 0,
              grouped_scratch.get(), count_hit, &grouped_hits);
    }
  };
  const auto one_pass = [&] {
    one_hits = 0;
    for (const vigil::rules::Packet& packet : packets) {
      if (packet.ip_version == 0 || packet.payload.empty()) continue;
      hs_scan(all_patterns->get(), packet.payload.data(), static_cast<unsigned>(packet.payload.size()), 0,
              scratch.get(), count_hit, &one_hits);
    }
  };
  const auto timed = [](const auto& pass) {
    const double started = thread_cpu_seconds();
    pass();
    return thread_cpu_seconds() - started;
  };
  if (!only.empty()) {
    // Through `timed` as the rounds below: a direct call changed how GCC compiled the passes, and
    // the bare pass ran 2-3 % slower (a smaller overhead figure for nothing).
    for (int pass = 0; pass < only_passes; ++pass) {
      timed([&] {
        if (only == "scanner") {
          scanner_pass(0, packets.size());
        } else {
          grouped_pass(0, packets.size());
        }
      });
    }
    std::printf("%d %s passes done\n", only_passes, only.c_str());
    if (remove_cache) fs::remove_all(cache_dir, ec);
    return 0;
  }
  alert_count = scanner_pass(0, packets.size());  // later passes meet the threshold state it left
  // The Scanner and the bare grouped pass take turns chunk by chunk (which goes first alternates),
  // so that the other jobs of a shared machine, which come in bursts of tens of milliseconds, slow
  // both alike: timed as two whole passes, the same binary's overhead ranged over 6-13 % from run
  // to run. A chunk takes about a millisecond.
  constexpr size_t kChunks = 128;
  const size_t chunk = (packets.size() + kChunks - 1) / kChunks;
  std::vector<double> round_ratios;  // Scanner / bare grouped within one round
  double scanner_total = 0;
  double grouped_total = 0;
  for (int round = 0; round < rounds; ++round) {
    // The one-database pass evicts the grouped tables from the caches.
    best_one = std::min(best_one, timed(one_pass));
    double scanner_cpu = 0;
    double grouped_cpu = 0;
    grouped_hits = 0;
    for (size_t begin = 0, c = 0; begin < packets.size(); begin += chunk, ++c) {
      const size_t end = std::min(packets.size(), begin + chunk);
      if ((c + static_cast<size_t>(round)) % 2 == 0) {
        scanner_cpu += timed([&] { scanner_pass(begin, end); });
        grouped_cpu += timed([&] { grouped_pass(begin, end); });
      } else {
        grouped_cpu += timed([&] { grouped_pass(begin, end); });
        scanner_cpu += timed([&] { scanner_pass(begin, end); });
      }
    }
    best_scanner = std::min(best_scanner, scanner_cpu);
    best_grouped = std::min(best_grouped, grouped_cpu);
    scanner_total += scanner_cpu;
    grouped_total += grouped_cpu;
    round_ratios.push_back(scanner_cpu / grouped_cpu);
  }
  std::sort(round_ratios.begin(), round_ratios.end());
  const double median_ratio = round_ratios[round_ratios.size() / 2];

  const double bits = static_cast<double>(payload_bytes) * 8;
  std::printf("%-52s %8s %12s %10s\n", "scan (best of rounds, one core)", "CPU s", "Gbit/s/core", "matches");
  const auto row = [&](const char* what, double cpu, uint64_t matches) {
    std::printf("%-52s %8.3f %12.2f %10llu\n", what, cpu, bits / cpu / 1e9, static_cast<unsigned long long>(matches));
  };
  row("Scanner::scan (every packet, all rules; alerts)", best_scanner, alert_count);
  row("bare hs_scan, the grouped tables the Scanner uses", best_grouped, grouped_hits);
  row("bare hs_scan, all fast patterns in one database", best_one, one_hits);
  // All rounds' sums are the headline: chunk by chunk, both passes met the same moments. The best
  // of each can come from different moments.
  std::printf("wrapper overhead over the bare scans it makes: %+.1f%% (all rounds), %+.1f%% (median of rounds), "
              "%+.1f%% (best of each)\n",
              (scanner_total / grouped_total - 1) * 100, (median_ratio - 1) * 100, (best_scanner / best_grouped - 1) * 100);
  std::printf("packets: %.1f ns per packet in Scanner::scan\n", best_scanner / static_cast<double>(packets.size()) * 1e9);

  if (remove_cache) fs::remove_all(cache_dir, ec);
  return 0;
}
