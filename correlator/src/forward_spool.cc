#include "vigil/correlator/forward_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace vigil::correlator {

namespace {

constexpr const char* kRecords = "records.spool";
constexpr const char* kAcked = "acked";
constexpr uint32_t kMaxRecord = 64u << 20;

uint32_t crc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

Error io_error(const std::string& what, const std::filesystem::path& path) {
  return Error{ErrorCode::io_error, what + " " + path.string() + ": " + std::strerror(errno)};
}

// The file from byte `from` on: what is not delivered yet, without rereading what was.
Result<std::string> read_all(const std::filesystem::path& path, uint64_t from = 0) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::string();
  if (from > 0) in.seekg(static_cast<std::streamoff>(from));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return fail(io_error("cannot read", path));
  return data;
}

// Record: length (4, little endian), CRC-32 of the payload (4), payload. Calls `each` per whole, intact
// record from `offset`; returns the offset after the last one.
template <typename F>
uint64_t scan(std::string_view data, uint64_t offset, F&& each) {
  while (offset + 8 <= data.size()) {
    uint32_t length = get_u32(data.data() + offset);
    uint32_t crc = get_u32(data.data() + offset + 4);
    if (length > kMaxRecord || offset + 8 + length > data.size()) break;
    std::string_view payload = data.substr(offset + 8, length);
    if (crc32(payload) != crc) break;
    if (!each(payload)) return offset + 8 + length;
    offset += 8 + length;
  }
  return offset;
}

}  // namespace

Result<std::unique_ptr<ForwardSpool>> ForwardSpool::open(const std::filesystem::path& dir, bool sync) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::io_error, "cannot create spool " + dir.string() + ": " + ec.message());
  std::unique_ptr<ForwardSpool> spool(new ForwardSpool(dir, sync));
  if (auto loaded = spool->load(); !loaded) return fail(loaded.error());
  return spool;
}

ForwardSpool::~ForwardSpool() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> ForwardSpool::load() {
  auto acked = read_all(dir_ / kAcked);
  if (!acked) return fail(acked.error());
  acked_ = acked->empty() ? 0 : std::stoull(*acked);
  auto data = read_all(dir_ / kRecords);
  if (!data) return fail(data.error());
  uint64_t intact = scan(*data, 0, [](std::string_view) { return true; });
  if (intact < data->size()) {
    // A crash in the middle of an append leaves a partial record at the end: cut it off.
    if (::truncate((dir_ / kRecords).c_str(), static_cast<off_t>(intact)) != 0 && errno != ENOENT) {
      return fail(io_error("cannot repair", dir_ / kRecords));
    }
  }
  end_ = intact;
  if (acked_ > end_) acked_ = end_;
  pending_count_ = 0;
  scan(std::string_view(*data).substr(0, intact), acked_, [this](std::string_view) {
    ++pending_count_;
    return true;
  });
  fd_ = ::open((dir_ / kRecords).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return fail(io_error("cannot open", dir_ / kRecords));
  return ok();
}

Result<void> ForwardSpool::append(std::string_view record) {
  if (record.size() > kMaxRecord) return fail(ErrorCode::invalid_argument, "spool record over 64 MiB");
  std::string frame;
  frame.reserve(record.size() + 8);
  put_u32(frame, static_cast<uint32_t>(record.size()));
  put_u32(frame, crc32(record));
  frame.append(record);
  size_t written = 0;
  while (written < frame.size()) {
    ssize_t n = ::write(fd_, frame.data() + written, frame.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(io_error("cannot append to", dir_ / kRecords));
    written += static_cast<size_t>(n);
  }
  if (sync_ && ::fdatasync(fd_) != 0) return fail(io_error("cannot sync", dir_ / kRecords));
  end_ += frame.size();
  ++pending_count_;
  return ok();
}

Result<std::vector<std::string>> ForwardSpool::pending(size_t max) const {
  std::vector<std::string> out;
  if (max == 0 || pending_count_ == 0) return out;
  auto data = read_all(dir_ / kRecords, acked_);
  if (!data) return fail(data.error());
  scan(*data, 0, [&](std::string_view payload) {
    out.emplace_back(payload);
    return out.size() < max;
  });
  return out;
}

Result<void> ForwardSpool::write_ack(uint64_t offset) {
  // Written beside and renamed over: the acknowledgement is either the old or the new one, never torn.
  auto tmp = dir_ / (std::string(kAcked) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << offset;
    if (!out.flush()) return fail(io_error("cannot write", tmp));
  }
  if (sync_) {
    int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, dir_ / kAcked, ec);
  if (ec) return fail(ErrorCode::io_error, "cannot write " + (dir_ / kAcked).string() + ": " + ec.message());
  return ok();
}

Result<void> ForwardSpool::acknowledge(size_t count) {
  if (count == 0) return ok();
  if (count > pending_count_) return fail(ErrorCode::invalid_argument, "acknowledging more records than are pending");
  auto data = read_all(dir_ / kRecords, acked_);
  if (!data) return fail(data.error());
  size_t seen = 0;
  uint64_t offset = acked_ + scan(*data, 0, [&](std::string_view) { return ++seen < count; });
  if (offset == end_) {
    // Everything delivered: start the file over so it never grows without bound.
    if (::ftruncate(fd_, 0) != 0) return fail(io_error("cannot truncate", dir_ / kRecords));
    end_ = 0;
    offset = 0;
  }
  if (auto written = write_ack(offset); !written) return written;
  acked_ = offset;
  pending_count_ -= count;
  return ok();
}

}  // namespace vigil::correlator
