#include "hs_database_cache.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace vigil::rules {
namespace {

constexpr char kMagic[8] = {'V', 'I', 'G', 'I', 'L', 'H', 'S', 1};
constexpr size_t kHeaderSize = sizeof(kMagic) + 4 * sizeof(uint64_t);  // magic, key a, key b, length, checksum

// Two independent 64-bit hashes make the 128-bit key: FNV-1a, and a multiply-xorshift mix.
struct Hasher {
  uint64_t a = 0xcbf29ce484222325ULL;
  uint64_t b = 0x9e3779b97f4a7c15ULL;
  void bytes(const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
      a = (a ^ p[i]) * 0x100000001b3ULL;
      b = (b ^ p[i]) * 0xff51afd7ed558ccdULL;
      b ^= b >> 29;
    }
  }
  void number(uint64_t v) { bytes(&v, sizeof v); }
  void text(std::string_view s) {
    number(s.size());
    bytes(s.data(), s.size());
  }
};

uint64_t checksum(std::string_view bytes) {
  Hasher h;
  h.bytes(bytes.data(), bytes.size());
  return h.a ^ h.b;
}

void put(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
uint64_t get(const std::string& in, size_t at) {
  uint64_t v = 0;
  std::memcpy(&v, in.data() + at, sizeof v);
  return v;
}

}  // namespace

HsDatabaseCache::Key HsDatabaseCache::key_of(const std::vector<HsLiteral>& literals, unsigned mode) {
  Hasher h;
  h.text("vigil hyperscan literal database v1");
  h.text(hs_version());
  // The database is tuned for the CPU it was compiled on; another CPU model or feature set must not
  // reuse it (Hyperscan's own platform check only catches some of that).
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) == HS_SUCCESS) {
    h.number(platform.tune);
    h.number(platform.cpu_features);
  }
  h.number(mode);
  h.number(literals.size());
  for (const HsLiteral& l : literals) {
    h.number(l.id);
    h.number(l.flags);
    h.text(l.bytes);
  }
  return {h.a, h.b};
}

std::string HsDatabaseCache::path_of(const Key& key) const {
  char name[64];
  std::snprintf(name, sizeof name, "hs-%016llx%016llx.db", static_cast<unsigned long long>(key.a),
                static_cast<unsigned long long>(key.b));
  return (std::filesystem::path(dir_) / name).string();
}

std::string HsDatabaseCache::file_for(const std::vector<HsLiteral>& literals, unsigned mode) const {
  return path_of(key_of(literals, mode));
}

Result<HsDatabase> HsDatabaseCache::read(const std::string& path, const Key& key) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::not_found, "no cache file");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() < kHeaderSize || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    return fail(ErrorCode::corrupt_data, "not a vigil rule cache file");
  }
  size_t at = sizeof kMagic;
  if (get(data, at) != key.a || get(data, at + 8) != key.b) {
    return fail(ErrorCode::corrupt_data, "made for other patterns");
  }
  const uint64_t length = get(data, at + 16);
  const uint64_t sum = get(data, at + 24);
  const std::string_view payload = std::string_view(data).substr(kHeaderSize);
  if (payload.size() != length) return fail(ErrorCode::corrupt_data, "truncated");
  if (checksum(payload) != sum) return fail(ErrorCode::corrupt_data, "checksum mismatch");
  return HsDatabase::deserialize(payload);
}

void HsDatabaseCache::write(const std::string& path, const Key& key, const HsDatabase& db) const {
  auto bytes = db.serialize();
  if (!bytes) {
    spdlog::warn("rules: could not cache the Hyperscan database: {}", bytes.error().message);
    return;
  }
  std::string data(kMagic, sizeof kMagic);
  put(data, key.a);
  put(data, key.b);
  put(data, bytes->size());
  put(data, checksum(*bytes));
  data += *bytes;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  // Written beside the final name and renamed, so a reader never sees a half-written file.
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out.flush()) {
      spdlog::warn("rules: could not write the rule cache file {}", temp);
      std::filesystem::remove(temp, ec);
      return;
    }
  }
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    spdlog::warn("rules: could not write the rule cache file {}: {}", path, ec.message());
    std::filesystem::remove(temp, ec);
  }
}

Result<HsDatabase> HsDatabaseCache::load_or_compile(const std::vector<HsLiteral>& literals, unsigned mode) {
  if (dir_.empty()) {
    ++stats_.compiled;
    return HsDatabase::compile_literals(literals, mode);
  }
  const Key key = key_of(literals, mode);
  const std::string path = path_of(key);
  auto cached = read(path, key);
  if (cached) {
    ++stats_.hits;
    return cached;
  }
  if (cached.error().code != ErrorCode::not_found) {
    ++stats_.rejected;
    spdlog::warn("rules: ignoring rule cache file {} ({}); recompiling", path, cached.error().message);
  }
  auto compiled = HsDatabase::compile_literals(literals, mode);
  if (!compiled) return compiled;
  ++stats_.compiled;
  write(path, key, *compiled);
  return compiled;
}

}  // namespace vigil::rules
