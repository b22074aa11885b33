// IP addresses and CIDR blocks, IPv4 and IPv6 in one value type.
// Used by decoders, rule headers, correlation filters, asset maps and storage indexes.
// Thread contract: plain values.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "vigil/core/result.h"

namespace vigil {

class IpAddress {
 public:
  IpAddress() = default;
  static IpAddress v4(uint32_t host_order);
  static IpAddress v4_bytes(const uint8_t* network_order);  // 4 bytes
  static IpAddress v6_bytes(const uint8_t* network_order);  // 16 bytes
  static Result<IpAddress> parse(std::string_view text);

  bool is_v4() const { return v4_; }
  bool is_v6() const { return !v4_; }
  // IPv4 addresses are kept as IPv4-mapped IPv6 (::ffff:a.b.c.d) so one 16-byte form compares both.
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  uint32_t v4_host_order() const;
  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  std::array<uint8_t, 16> bytes_{};
  bool v4_ = true;
};

class Cidr {
 public:
  Cidr() = default;
  Cidr(IpAddress network, int prefix_len);
  // "10.0.0.0/8", "2001:db8::/32", or a bare address (a host route).
  static Result<Cidr> parse(std::string_view text);

  bool contains(const IpAddress& address) const;
  const IpAddress& network() const { return network_; }
  // Prefix length in the address's own family (0–32 for IPv4, 0–128 for IPv6).
  int prefix_len() const;
  std::string to_string() const;

  bool operator==(const Cidr&) const = default;

 private:
  IpAddress network_;
  int bits_ = 0;  // prefix length over the 128-bit mapped form
};

}  // namespace vigil
