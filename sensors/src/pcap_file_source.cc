#include "vigil/sensors/pcap_file_source.h"

#include <pcap/pcap.h>

#include <filesystem>
#include <system_error>
#include <utility>

namespace vigil::sensors {

struct PcapFileSource::Handle {
  struct Closer {
    void operator()(pcap_t* handle) const { pcap_close(handle); }
  };
  std::unique_ptr<pcap_t, Closer> pcap;
};

PcapFileSource::PcapFileSource(std::string path, std::unique_ptr<Handle> handle, int link_type)
    : path_(std::move(path)), handle_(std::move(handle)), link_type_(link_type) {}

PcapFileSource::PcapFileSource(PcapFileSource&&) noexcept = default;
PcapFileSource& PcapFileSource::operator=(PcapFileSource&&) noexcept = default;
PcapFileSource::~PcapFileSource() = default;

Result<PcapFileSource> PcapFileSource::open(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    return fail(ErrorCode::not_found, path + ": no such capture file");
  }
  if (std::filesystem::is_directory(status)) {
    return fail(ErrorCode::invalid_argument, path + ": is a directory, not a capture file");
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // Micro precision makes libpcap scale nanosecond pcaps and pcapng timestamps for us.
  pcap_t* raw = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (raw == nullptr) {
    return fail(ErrorCode::parse_error, path + ": not a readable pcap or pcapng file (" + errbuf + ")");
  }
  auto handle = std::make_unique<Handle>();
  handle->pcap.reset(raw);
  const int link_type = pcap_datalink(raw);
  return PcapFileSource(path, std::move(handle), link_type);
}

Result<bool> PcapFileSource::next(RawPacket& out) {
  if (!failure_.empty()) {
    return fail(ErrorCode::parse_error, failure_);
  }
  if (ended_ || !handle_) {
    return false;
  }
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(handle_->pcap.get(), &header, &data);
  if (rc == 1) {
    ++packets_read_;
    out.ts = static_cast<Timestamp>(header->ts.tv_sec) * kMicrosPerSecond + static_cast<Timestamp>(header->ts.tv_usec);
    out.data = data;
    out.caplen = header->caplen;
    out.wire_len = header->len;
    return true;
  }
  if (rc == PCAP_ERROR_BREAK) {
    ended_ = true;
    return false;
  }
  failure_ = path_ + ": capture is truncated or corrupt after " + std::to_string(packets_read_) + " packets (" +
             pcap_geterr(handle_->pcap.get()) + ")";
  return fail(ErrorCode::parse_error, failure_);
}

}  // namespace vigil::sensors
