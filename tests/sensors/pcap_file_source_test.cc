#include "vigil/sensors/pcap_file_source.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "sensors/frames.h"
#include "vigil/sensors/decoder.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

std::vector<TimedFrame> three_frames() {
  return {
      {seconds(1'700'000'000) + 1, ether(0x0800, ipv4(kProtoUdp, udp(1, 53, text("one"))))},
      {seconds(1'700'000'001) + 2, ether(0x0800, ipv4(kProtoUdp, udp(1, 53, text("two"))))},
      {seconds(1'700'000'002) + 999'999, ether(0x0800, ipv4(kProtoUdp, udp(1, 53, text("three"))))},
  };
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Little-endian writers for a hand-built pcapng file (libpcap can read pcapng but not write it).
void le16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void le32(Bytes& b, uint32_t v) {
  le16(b, static_cast<uint16_t>(v));
  le16(b, static_cast<uint16_t>(v >> 16));
}

Bytes pcapng_file(int link_type, const std::vector<TimedFrame>& frames) {
  Bytes b;
  le32(b, 0x0a0d0d0a);  // section header block
  le32(b, 28);
  le32(b, 0x1a2b3c4d);
  le16(b, 1);
  le16(b, 0);
  le32(b, 0xffffffff);  // section length unknown
  le32(b, 0xffffffff);
  le32(b, 28);
  le32(b, 1);  // interface description block, default microsecond resolution
  le32(b, 20);
  le16(b, static_cast<uint16_t>(link_type));
  le16(b, 0);
  le32(b, 65535);
  le32(b, 20);
  for (const auto& frame : frames) {
    const uint32_t padded = static_cast<uint32_t>((frame.data.size() + 3) / 4 * 4);
    const uint32_t total = 32 + padded;
    le32(b, 6);  // enhanced packet block
    le32(b, total);
    le32(b, 0);
    const auto ts = static_cast<uint64_t>(frame.ts);
    le32(b, static_cast<uint32_t>(ts >> 32));
    le32(b, static_cast<uint32_t>(ts));
    le32(b, static_cast<uint32_t>(frame.data.size()));
    le32(b, static_cast<uint32_t>(frame.data.size()));
    append(b, frame.data);
    b.resize(b.size() + (padded - frame.data.size()), 0);
    le32(b, total);
  }
  return b;
}

std::vector<std::pair<Timestamp, std::string>> read_all(PcapFileSource& source) {
  std::vector<std::pair<Timestamp, std::string>> out;
  RawPacket raw;
  while (true) {
    auto more = source.next(raw);
    REQUIRE(more.has_value());
    if (!*more) break;
    out.emplace_back(raw.ts, std::string(reinterpret_cast<const char*>(raw.data), raw.caplen));
  }
  return out;
}

}  // namespace

TEST_CASE("pcap file: reads every packet, then a clean end", "[sensors][pcap]") {
  TempDir dir;
  const auto path = dir.file("three.pcap");
  const auto frames = three_frames();
  write_pcap(path, kLinkEthernet, frames);

  auto source = PcapFileSource::open(path);
  REQUIRE(source.has_value());
  CHECK(source->link_type() == kLinkEthernet);
  CHECK(source->path() == path);
  const auto packets = read_all(*source);
  REQUIRE(packets.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(packets[i].first == frames[i].ts);
    CHECK(packets[i].second == std::string(frames[i].data.begin(), frames[i].data.end()));
  }
  CHECK(source->packets_read() == 3);
  RawPacket raw;
  auto again = source->next(raw);
  REQUIRE(again.has_value());
  CHECK_FALSE(*again);

  SECTION("the source can be moved") {
    PcapFileSource moved = std::move(*source);
    CHECK(moved.packets_read() == 3);
    auto end = moved.next(raw);
    REQUIRE(end.has_value());
    CHECK_FALSE(*end);
  }
}

TEST_CASE("pcap file: nanosecond pcaps are read in microseconds", "[sensors][pcap]") {
  TempDir dir;
  const auto path = dir.file("nsec.pcap");
  write_pcap(path, kLinkEthernet, {{1'700'000'000'123'456'789LL, ether(0x0800, ipv4(kProtoUdp, udp(1, 2)))}}, true);
  auto source = PcapFileSource::open(path);
  REQUIRE(source.has_value());
  const auto packets = read_all(*source);
  REQUIRE(packets.size() == 1);
  CHECK(packets[0].first == 1'700'000'000'123'456LL);
}

TEST_CASE("pcap file: pcapng", "[sensors][pcap]") {
  TempDir dir;
  const auto path = dir.file("two.pcapng");
  const auto frames = three_frames();
  write_bytes(path, pcapng_file(kLinkEthernet, frames));
  auto source = PcapFileSource::open(path);
  REQUIRE(source.has_value());
  CHECK(source->link_type() == kLinkEthernet);
  const auto packets = read_all(*source);
  REQUIRE(packets.size() == 3);
  CHECK(packets[2].first == frames[2].ts);
  CHECK(packets[2].second.size() == frames[2].data.size());
}

TEST_CASE("pcap file: a raw-IP capture reports a link type the decoder knows", "[sensors][pcap]") {
  TempDir dir;
  const auto path = dir.file("raw.pcap");
  write_pcap(path, kLinkRawDlt12, {{1, ipv4(kProtoUdp, udp(1, 2))}});
  auto source = PcapFileSource::open(path);
  REQUIRE(source.has_value());
  CHECK(is_supported_link_type(source->link_type()));
}

TEST_CASE("pcap file: a file cut mid-packet is an Error naming it and the packets read", "[sensors][pcap]") {
  TempDir dir;
  const auto path = dir.file("cut.pcap");
  write_pcap(path, kLinkEthernet, three_frames());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 5);

  auto source = PcapFileSource::open(path);
  REQUIRE(source.has_value());
  RawPacket raw;
  for (int i = 0; i < 2; ++i) {
    auto more = source->next(raw);
    REQUIRE(more.has_value());
    CHECK(*more);
  }
  auto broken = source->next(raw);
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error().code == ErrorCode::parse_error);
  CHECK_THAT(broken.error().message, Catch::Contains(path));
  CHECK_THAT(broken.error().message, Catch::Contains("after 2 packets"));
  auto still_broken = source->next(raw);
  CHECK_FALSE(still_broken.has_value());

  SECTION("cut inside a record header") {
    const auto header_cut = dir.file("header-cut.pcap");
    write_pcap(header_cut, kLinkEthernet, three_frames());
    const auto one = ether(0x0800, ipv4(kProtoUdp, udp(1, 53, text("one")))).size();
    std::filesystem::resize_file(header_cut, 24 + 16 + one + 7);
    auto cut_source = PcapFileSource::open(header_cut);
    REQUIRE(cut_source.has_value());
    REQUIRE(cut_source->next(raw).has_value());
    auto failed = cut_source->next(raw);
    REQUIRE_FALSE(failed.has_value());
    CHECK_THAT(failed.error().message, Catch::Contains("after 1 packets"));
  }
}

TEST_CASE("pcap file: files that are not captures", "[sensors][pcap]") {
  TempDir dir;
  SECTION("a text file") {
    const auto path = dir.file("notes.txt");
    write_bytes(path, text("this is not a capture file, just some words\n"));
    auto source = PcapFileSource::open(path);
    REQUIRE_FALSE(source.has_value());
    CHECK(source.error().code == ErrorCode::parse_error);
    CHECK_THAT(source.error().message, Catch::Contains(path));
  }
  SECTION("an empty file") {
    const auto path = dir.file("empty.pcap");
    write_bytes(path, {});
    auto source = PcapFileSource::open(path);
    REQUIRE_FALSE(source.has_value());
    CHECK_THAT(source.error().message, Catch::Contains(path));
  }
  SECTION("a missing file") {
    const auto path = dir.file("missing.pcap");
    auto source = PcapFileSource::open(path);
    REQUIRE_FALSE(source.has_value());
    CHECK(source.error().code == ErrorCode::not_found);
    CHECK_THAT(source.error().message, Catch::Contains(path));
  }
  SECTION("a directory") {
    auto source = PcapFileSource::open(dir.file(""));
    REQUIRE_FALSE(source.has_value());
  }
}
