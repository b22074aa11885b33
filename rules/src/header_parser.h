// HeaderParser: turns the address and port fields of a rule header ("$HOME_NET", "[10.0.0.0/8,!10.1.0.0/16]",
// "![80,443]", "1024:") into AddressSet / PortSet, resolving variables once and caching them.
// Used by RuleParser while loading. Thread contract: one thread (load path).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "address_set.h"
#include "port_set.h"
#include "vigil/core/result.h"
#include "vigil/rules/rule_set.h"

namespace vigil::rules {

class HeaderParser {
 public:
  explicit HeaderParser(const RuleVariables& variables);

  Result<AddressSet> parse_addresses(std::string_view text);
  Result<PortSet> parse_ports(std::string_view text);

 private:
  Result<RangeSet<U128>> address_expr(std::string_view text, int depth);
  Result<RangeSet<uint16_t>> port_expr(std::string_view text, int depth);
  Result<std::string_view> variable(std::string_view name) const;

  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, RangeSet<U128>, std::less<>> address_cache_;
  std::map<std::string, RangeSet<uint16_t>, std::less<>> port_cache_;
};

}  // namespace vigil::rules
