#include "link/link_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

namespace vigil::daemon {

namespace {

constexpr const char* kSuffix = ".batch";
constexpr const char* kAckedFile = "acked";

Unexpected io_failure(const std::filesystem::path& path, const std::string& what) {
  return fail(ErrorCode::io_error, "link spool: cannot " + what + " " + path.string() + ": " + std::strerror(errno));
}

std::optional<uint64_t> parse_number(std::string_view text) {
  uint64_t value = 0;
  auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
  if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

Result<void> fsync_path(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return io_failure(path, "open");
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) return io_failure(path, "fsync");
  return ok();
}

}  // namespace

Result<std::unique_ptr<LinkSpool>> LinkSpool::open(const std::filesystem::path& dir, uint64_t max_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::io_error, "link spool: cannot create " + dir.string() + ": " + ec.message());
  auto spool = std::unique_ptr<LinkSpool>(new LinkSpool(dir, max_bytes));
  if (std::ifstream in(dir / kAckedFile); in) {
    std::stringstream text;
    text << in.rdbuf();
    std::string value = text.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
    const auto acked = parse_number(value);
    if (!acked) {
      return fail(ErrorCode::corrupt_data, "link spool: " + (dir / kAckedFile).string() + " does not hold a number");
    }
    spool->acked_ = *acked;
  }
  spool->last_seq_ = spool->acked_;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".tmp")) {  // a write that never reached its rename
      std::filesystem::remove(entry.path(), ec);
      continue;
    }
    if (!name.ends_with(kSuffix)) continue;
    const auto seq = parse_number(std::string_view(name).substr(0, name.size() - std::strlen(kSuffix)));
    if (!seq) continue;
    if (*seq <= spool->acked_) {
      std::filesystem::remove(entry.path(), ec);
      continue;
    }
    const uint64_t size = entry.file_size(ec);
    spool->sizes_[*seq] = size;
    spool->bytes_ += size;
    spool->last_seq_ = std::max(spool->last_seq_, *seq);
  }
  if (ec) return fail(ErrorCode::io_error, "link spool: cannot read " + dir.string() + ": " + ec.message());
  return spool;
}

std::filesystem::path LinkSpool::file_of(uint64_t seq) const {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(seq));
  return dir_ / (std::string(name) + kSuffix);
}

Result<void> LinkSpool::write_durably(const std::filesystem::path& path, const std::string& bytes) const {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_failure(tmp, "create");
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return io_failure(tmp, "write");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return io_failure(tmp, "fsync");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_failure(path, "rename to");
  // The rename is durable only once the directory is.
  return fsync_path(dir_, O_RDONLY | O_DIRECTORY);
}

Result<uint64_t> LinkSpool::append(const std::string& frame) {
  if (bytes_ + frame.size() > max_bytes_) {
    return fail(ErrorCode::io_error, "link spool " + dir_.string() + " is full (" + std::to_string(bytes_) +
                                         " bytes unacknowledged)");
  }
  const uint64_t seq = last_seq_ + 1;
  if (auto written = write_durably(file_of(seq), frame); !written) return fail(written.error());
  last_seq_ = seq;
  sizes_[seq] = frame.size();
  bytes_ += frame.size();
  return seq;
}

Result<std::string> LinkSpool::read(uint64_t seq) const {
  std::ifstream in(file_of(seq), std::ios::binary);
  if (!in) return fail(ErrorCode::not_found, "link spool: batch " + std::to_string(seq) + " is not spooled");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes;
}

Result<void> LinkSpool::acknowledge(uint64_t seq) {
  if (seq <= acked_) return ok();
  if (auto written = write_durably(dir_ / kAckedFile, std::to_string(seq) + "\n"); !written) return written;
  acked_ = seq;
  while (!sizes_.empty() && sizes_.begin()->first <= seq) {
    std::error_code ec;
    std::filesystem::remove(file_of(sizes_.begin()->first), ec);  // a leftover is removed at the next open
    bytes_ -= sizes_.begin()->second;
    sizes_.erase(sizes_.begin());
  }
  return ok();
}

Result<size_t> LinkSpool::renumber_after(uint64_t cursor) {
  if (last_seq_ >= cursor) return size_t{0};
  constexpr size_t kSeqOffset = 5;  // BE32 length, type, then the batch seq (link_frame.h)
  std::map<uint64_t, uint64_t> renumbered;
  uint64_t next = cursor;
  for (const auto& [seq, size] : sizes_) {
    auto frame = read(seq);
    if (!frame) return fail(frame.error());
    if (frame->size() < kSeqOffset + 8) {
      return fail(ErrorCode::corrupt_data, "link spool: batch " + std::to_string(seq) + " is too short");
    }
    ++next;
    for (int i = 0; i < 8; ++i) (*frame)[kSeqOffset + i] = static_cast<char>((next >> (8 * (7 - i))) & 0xff);
    if (auto written = write_durably(file_of(next), *frame); !written) return fail(written.error());
    renumbered[next] = size;
  }
  if (auto written = write_durably(dir_ / kAckedFile, std::to_string(cursor) + "\n"); !written) return fail(written.error());
  for (const auto& [seq, size] : sizes_) {
    std::error_code ec;
    std::filesystem::remove(file_of(seq), ec);  // at or under `acked` now: a leftover goes at the next open
  }
  const size_t count = renumbered.size();
  sizes_ = std::move(renumbered);
  acked_ = cursor;
  last_seq_ = next;
  return count;
}

uint64_t LinkSpool::next_after(uint64_t seq) const {
  auto it = sizes_.upper_bound(seq);
  return it == sizes_.end() ? 0 : it->first;
}

}  // namespace vigil::daemon
