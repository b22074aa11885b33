// `vigil replay` as a user runs it on a capture with IP fragments and a broken frame: the attack
// split over fragments is detected once, and the summary's Counters section reports the
// fragments, the reassembled datagram and the anomaly by kind.
#include <pcap/pcap.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "run_command.h"

using vigil::test::run_vigil;
using vigil::test::TempDir;
using vigil::test::write_file;

namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v & 0xff));
}

// Ethernet + IPv4 (10.0.0.1 -> 10.0.0.2, UDP) carrying `part` at fragment offset `offset`.
Bytes fragment(const Bytes& datagram, size_t offset, size_t size, bool more) {
  Bytes b = {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10, 0x08, 0x00};
  b.insert(b.end(), {0x45, 0});
  put16(b, 20 + size);
  put16(b, 0x5151);
  put16(b, (more ? 0x2000 : 0) | (offset / 8));
  b.insert(b.end(), {64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
  b.insert(b.end(), datagram.begin() + static_cast<ptrdiff_t>(offset),
           datagram.begin() + static_cast<ptrdiff_t>(offset + size));
  return b;
}

void write_capture(const std::string& path, const std::vector<Bytes>& frames) {
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  REQUIRE(dumper != nullptr);
  long usec = 0;
  for (const auto& frame : frames) {
    pcap_pkthdr header{};
    header.ts.tv_sec = 1'700'000'000;
    header.ts.tv_usec = usec++;
    header.caplen = static_cast<bpf_u_int32>(frame.size());
    header.len = header.caplen;
    pcap_dump(reinterpret_cast<u_char*>(dumper), &header, frame.data());  // NOLINT: libpcap's API
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

}  // namespace

TEST_CASE("replay: an attack split over IP fragments alerts once, the summary counts fragments and anomalies",
          "[cli][replay][integration]") {
  TempDir dir;
  const std::string payload = "..............vigil-fragmented-attack...................";
  Bytes datagram = {0x9c, 0x40, 0x00, 0x35};  // UDP 40000 -> 53
  put16(datagram, 8 + payload.size());
  put16(datagram, 0);
  datagram.insert(datagram.end(), payload.begin(), payload.end());
  REQUIRE(datagram.size() == 64);
  const Bytes broken = {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10, 0x08, 0x00, 0x45, 0x00};  // 2 bytes of IPv4
  write_capture(dir.file("frags.pcap"),
                {fragment(datagram, 32, 32, false), fragment(datagram, 0, 32, true), broken});
  write_file(dir.file("frag.rules"),
             "alert udp any any -> any 53 (msg:\"VIGIL fragmented attack\"; content:\"vigil-fragmented-attack\"; "
             "sid:9200001; rev:1;)\n");

  const auto r = run_vigil({"replay", "--no-store", "--rules", dir.file("frag.rules"), "--eve", "-",
                            dir.file("frags.pcap")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("\"signature_id\":9200001") != std::string::npos);
  CHECK(r.out.find("\"signature_id\":9200001") == r.out.rfind("\"signature_id\":9200001"));
  CHECK(r.err.find("\nCounters\n") != std::string::npos);
  CHECK(r.err.find("  packets 3, kernel drops 0, queue drops 0\n") != std::string::npos);
  CHECK(r.err.find("  IP fragments 2 -> 1 datagrams reassembled") != std::string::npos);
  CHECK(r.err.find("  decode anomalies: ipv4.pkt_too_small=1\n") != std::string::npos);
}
