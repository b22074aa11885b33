#include "vigil/core/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace vigil {

namespace {
constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}

IpAddress IpAddress::v4(uint32_t host_order) {
  uint8_t bytes[4] = {static_cast<uint8_t>(host_order >> 24), static_cast<uint8_t>(host_order >> 16),
                      static_cast<uint8_t>(host_order >> 8), static_cast<uint8_t>(host_order)};
  return v4_bytes(bytes);
}

IpAddress IpAddress::v4_bytes(const uint8_t* network_order) {
  IpAddress address;
  std::memcpy(address.bytes_.data(), kMappedPrefix, 12);
  std::memcpy(address.bytes_.data() + 12, network_order, 4);
  address.v4_ = true;
  return address;
}

IpAddress IpAddress::v6_bytes(const uint8_t* network_order) {
  IpAddress address;
  std::memcpy(address.bytes_.data(), network_order, 16);
  address.v4_ = false;
  return address;
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton wants a NUL-terminated string; addresses are short.
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) {
    return fail(ErrorCode::parse_error, "not an IP address: '" + std::string(text) + "'");
  }
  std::string copy(text);
  uint8_t buffer[16];
  if (inet_pton(AF_INET, copy.c_str(), buffer) == 1) return v4_bytes(buffer);
  if (inet_pton(AF_INET6, copy.c_str(), buffer) == 1) return v6_bytes(buffer);
  return fail(ErrorCode::parse_error, "not an IP address: '" + copy + "'");
}

uint32_t IpAddress::v4_host_order() const {
  return (uint32_t{bytes_[12]} << 24) | (uint32_t{bytes_[13]} << 16) | (uint32_t{bytes_[14]} << 8) |
         uint32_t{bytes_[15]};
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN];
  const char* text = v4_ ? inet_ntop(AF_INET, bytes_.data() + 12, buffer, sizeof buffer)
                         : inet_ntop(AF_INET6, bytes_.data(), buffer, sizeof buffer);
  return text ? std::string(text) : std::string();
}

Cidr::Cidr(IpAddress network, int prefix_len) : network_(network) {
  const int max = network.is_v4() ? 32 : 128;
  if (prefix_len < 0) prefix_len = 0;
  if (prefix_len > max) prefix_len = max;
  bits_ = network.is_v4() ? prefix_len + 96 : prefix_len;
  // Keep the network address canonical (host bits zero) so equal blocks compare equal.
  std::array<uint8_t, 16> bytes = network.bytes();
  for (int bit = bits_; bit < 128; ++bit) bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  network_ = network.is_v4() ? IpAddress::v4_bytes(bytes.data() + 12) : IpAddress::v6_bytes(bytes.data());
}

Result<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return fail(ErrorCode::parse_error, "not a CIDR block: '" + std::string(text) + "'");
  const int max = address->is_v4() ? 32 : 128;
  int prefix = max;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) {
      return fail(ErrorCode::parse_error, "bad prefix length in '" + std::string(text) + "'");
    }
    prefix = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return fail(ErrorCode::parse_error, "bad prefix length in '" + std::string(text) + "'");
      prefix = prefix * 10 + (c - '0');
    }
    if (prefix > max) return fail(ErrorCode::parse_error, "prefix length too long in '" + std::string(text) + "'");
  }
  return Cidr(*address, prefix);
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.is_v4() != network_.is_v4()) return false;
  const auto& a = address.bytes();
  const auto& n = network_.bytes();
  const int whole = bits_ / 8;
  if (std::memcmp(a.data(), n.data(), static_cast<size_t>(whole)) != 0) return false;
  const int rest = bits_ % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff00u >> rest);
  return (a[static_cast<size_t>(whole)] & mask) == (n[static_cast<size_t>(whole)] & mask);
}

int Cidr::prefix_len() const { return network_.is_v4() ? bits_ - 96 : bits_; }

std::string Cidr::to_string() const { return network_.to_string() + "/" + std::to_string(prefix_len()); }

}  // namespace vigil
