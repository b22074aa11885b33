// vigil-packet-path-bench: the per-worker cost of the packet path without detection, i.e. what a
// worker does for every frame before Hyperscan: decode, defragment and flow lookup (PacketProcessor
// with no rule set, which also skips TCP reassembly: it exists to feed detection). The capture is read into memory first so the figure is the
// worker's alone; reading the file is timed separately. Prints packets/s and Gbit/s per core.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "vigil/core/interfaces.h"
#include "vigil/sensors/packet_processor.h"
#include "vigil/sensors/pcap_file_source.h"

namespace {

struct Frame {
  vigil::Timestamp ts;
  uint32_t wire_len;
  std::vector<uint8_t> bytes;
};

class CountingSink final : public vigil::EventSink {
 public:
  void consume(vigil::Event) override { ++events; }
  uint64_t events = 0;
};

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Per-worker packet-path throughput (decode, defrag, flow lookup; no detection)"};
  std::string path;
  int rounds = 3;
  app.add_option("pcap", path, "capture to replay from memory")->required();
  app.add_option("--rounds", rounds, "timed passes over the capture (best is reported)")->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);

  auto source = vigil::sensors::PcapFileSource::open(path);
  if (!source) {
    std::fprintf(stderr, "vigil-packet-path-bench: %s\n", source.error().message.c_str());
    return 2;
  }
  int link_type = source->link_type();
  std::vector<Frame> frames;
  uint64_t bytes = 0;
  double read_started = thread_cpu_seconds();
  vigil::sensors::RawPacket raw;
  for (;;) {
    auto more = source->next(raw);
    if (!more) {
      std::fprintf(stderr, "vigil-packet-path-bench: %s\n", more.error().message.c_str());
      return 1;
    }
    if (!*more) break;
    frames.push_back(Frame{raw.ts, raw.wire_len, std::vector<uint8_t>(raw.data, raw.data + raw.caplen)});
    bytes += raw.caplen;
  }
  double read_cpu = thread_cpu_seconds() - read_started;
  std::printf("capture: %zu packets, %.1f MB; reading the file (and copying frames) %.3f s CPU = %.2f M packets/s\n",
              frames.size(), static_cast<double>(bytes) / 1e6, read_cpu,
              static_cast<double>(frames.size()) / read_cpu / 1e6);

  double best = 0;
  for (int round = 0; round < rounds; ++round) {
    CountingSink sink;
    vigil::sensors::PacketProcessor processor({"bench", "bench"}, nullptr, sink);
    double started = thread_cpu_seconds();
    for (const Frame& frame : frames) {
      vigil::sensors::RawPacket packet{frame.ts, frame.bytes.data(), static_cast<uint32_t>(frame.bytes.size()),
                                       frame.wire_len};
      processor.process(link_type, packet);
    }
    processor.finish();
    double cpu = thread_cpu_seconds() - started;
    double pps = static_cast<double>(frames.size()) / cpu;
    std::printf("round %d: %.3f s CPU, %.2f M packets/s, %.2f Gbit/s per core, %llu events\n", round + 1, cpu,
                pps / 1e6, static_cast<double>(bytes) * 8 / cpu / 1e9,
                static_cast<unsigned long long>(sink.events));
    if (pps > best) best = pps;
  }
  std::printf("best: %.2f M packets/s per core (decode + defrag + flow lookup)\n", best / 1e6);
  return 0;
}
