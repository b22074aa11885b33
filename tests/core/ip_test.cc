#include <catch2/catch.hpp>

#include "vigil/core/ip.h"

using vigil::Cidr;
using vigil::IpAddress;

TEST_CASE("IPv4 and IPv6 addresses parse and print back", "[core][ip]") {
  for (const char* text : {"10.20.100.22", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::1", "fe80::1:2"}) {
    auto ip = IpAddress::parse(text);
    REQUIRE(ip);
    CHECK(ip->to_string() == text);
  }
  CHECK(IpAddress::parse("10.20.100.22")->is_v4());
  CHECK(IpAddress::parse("2001:db8::1")->is_v6());
}

TEST_CASE("bad addresses are errors, not crashes", "[core][ip]") {
  for (const char* text : {"", "10.0.0", "10.0.0.256", "hello", "1.2.3.4.5", "::g", "10.0.0.1/8"}) {
    CHECK_FALSE(IpAddress::parse(text));
  }
}

TEST_CASE("IPv4 and its mapped IPv6 form are different addresses", "[core][ip]") {
  CHECK(*IpAddress::parse("10.0.0.1") != *IpAddress::parse("::ffff:10.0.0.1"));
}

TEST_CASE("CIDR containment at prefix boundaries", "[core][ip]") {
  auto net = Cidr::parse("10.20.0.0/16");
  REQUIRE(net);
  CHECK(net->contains(*IpAddress::parse("10.20.0.0")));
  CHECK(net->contains(*IpAddress::parse("10.20.255.255")));
  CHECK_FALSE(net->contains(*IpAddress::parse("10.21.0.0")));
  CHECK_FALSE(net->contains(*IpAddress::parse("2001:db8::1")));

  auto odd = Cidr::parse("192.168.1.128/25");
  REQUIRE(odd);
  CHECK(odd->contains(*IpAddress::parse("192.168.1.200")));
  CHECK_FALSE(odd->contains(*IpAddress::parse("192.168.1.127")));

  auto v6 = Cidr::parse("2001:db8::/32");
  REQUIRE(v6);
  CHECK(v6->contains(*IpAddress::parse("2001:db8:ffff::1")));
  CHECK_FALSE(v6->contains(*IpAddress::parse("2001:db9::1")));

  CHECK(Cidr::parse("0.0.0.0/0")->contains(*IpAddress::parse("8.8.8.8")));
  CHECK(Cidr::parse("8.8.8.8")->prefix_len() == 32);
}

TEST_CASE("CIDR host bits are cleared and bad prefixes rejected", "[core][ip]") {
  CHECK(Cidr::parse("10.20.30.40/8")->to_string() == "10.0.0.0/8");
  CHECK_FALSE(Cidr::parse("10.0.0.0/33"));
  CHECK_FALSE(Cidr::parse("10.0.0.0/"));
  CHECK_FALSE(Cidr::parse("10.0.0.0/x"));
  CHECK_FALSE(Cidr::parse("2001:db8::/129"));
}
