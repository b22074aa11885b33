#include "header_parser.h"

#include <charconv>
#include <vector>

#include "text_util.h"

namespace vigil::rules {
namespace {

constexpr int kMaxNesting = 32;  // list nesting plus variable indirection; stops self-referencing variables

// Splits "a,[b,c],!d" at top-level commas.
Result<std::vector<std::string_view>> split_list(std::string_view inner) {
  std::vector<std::string_view> items;
  int level = 0;
  size_t start = 0;
  for (size_t i = 0; i < inner.size(); ++i) {
    const char c = inner[i];
    if (c == '[') ++level;
    if (c == ']' && --level < 0) return fail(ErrorCode::parse_error, "unbalanced ']'");
    if (c == ',' && level == 0) {
      items.push_back(trim(inner.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (level != 0) return fail(ErrorCode::parse_error, "unbalanced '['");
  items.push_back(trim(inner.substr(start)));
  return items;
}

// The shared grammar of address and port fields: any | $VAR | !X | [X, ...] | element.
template <typename T, typename Leaf, typename Var>
Result<RangeSet<T>> parse_expr(std::string_view text, int depth, Leaf leaf, Var var) {
  text = trim(text);
  if (depth > kMaxNesting) return fail(ErrorCode::parse_error, "nesting too deep (a variable that refers to itself?)");
  if (text.empty()) return fail(ErrorCode::parse_error, "empty address or port");
  if (text[0] == '!') {
    auto inner = parse_expr<T>(text.substr(1), depth + 1, leaf, var);
    if (!inner) return inner;
    return inner->complement();
  }
  if (text[0] == '[') {
    if (text.back() != ']') return fail(ErrorCode::parse_error, "list '" + std::string(text) + "' lacks ']'");
    auto items = split_list(text.substr(1, text.size() - 2));
    if (!items) return fail(items.error());
    RangeSet<T> positive;
    RangeSet<T> negative;
    bool any_positive = false;
    for (std::string_view item : *items) {
      if (item.empty()) return fail(ErrorCode::parse_error, "empty element in list '" + std::string(text) + "'");
      const bool negated = item[0] == '!';
      auto set = parse_expr<T>(negated ? item.substr(1) : item, depth + 1, leaf, var);
      if (!set) return set;
      if (negated) {
        negative.add_all(*set);
      } else {
        positive.add_all(*set);
        any_positive = true;
      }
    }
    if (!any_positive) positive = RangeSet<T>::all();
    positive.normalize();
    negative.normalize();
    return negative.empty() ? positive : positive.minus(negative);
  }
  if (text == "any") return RangeSet<T>::all();
  if (text[0] == '$') return var(text.substr(1), depth + 1);
  return leaf(text);
}

Result<RangeSet<U128>> address_leaf(std::string_view text) {
  auto cidr = Cidr::parse(text);
  if (!cidr) return fail(ErrorCode::parse_error, "bad address '" + std::string(text) + "'");
  return AddressSet::cidr_range(*cidr);
}

Result<uint16_t> port_number(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return fail(ErrorCode::parse_error, "bad port '" + std::string(text) + "'");
  }
  return static_cast<uint16_t>(value);
}

Result<RangeSet<uint16_t>> port_leaf(std::string_view text) {
  RangeSet<uint16_t> set;
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    auto port = port_number(text);
    if (!port) return fail(port.error());
    set.add(*port, *port);
    return set;
  }
  const std::string_view lo_text = trim(text.substr(0, colon));
  const std::string_view hi_text = trim(text.substr(colon + 1));
  uint16_t lo = 0;
  uint16_t hi = 65535;
  if (!lo_text.empty()) {
    auto v = port_number(lo_text);
    if (!v) return fail(v.error());
    lo = *v;
  }
  if (!hi_text.empty()) {
    auto v = port_number(hi_text);
    if (!v) return fail(v.error());
    hi = *v;
  }
  if (lo_text.empty() && hi_text.empty()) return fail(ErrorCode::parse_error, "bad port range ':'");
  if (lo > hi) return fail(ErrorCode::parse_error, "port range '" + std::string(text) + "' runs backwards");
  set.add(lo, hi);
  return set;
}

}  // namespace

HeaderParser::HeaderParser(const RuleVariables& variables) {
  for (const auto& [name, value] : variables.values) {
    values_[std::string(name.starts_with('$') ? name.substr(1) : name)] = value;
  }
}

Result<std::string_view> HeaderParser::variable(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fail(ErrorCode::invalid_argument, "undefined variable '$" + std::string(name) + "'");
  return std::string_view(it->second);
}

Result<RangeSet<U128>> HeaderParser::address_expr(std::string_view text, int depth) {
  return parse_expr<U128>(text, depth, address_leaf, [this](std::string_view name, int d) -> Result<RangeSet<U128>> {
    if (auto it = address_cache_.find(name); it != address_cache_.end()) return it->second;
    auto value = variable(name);
    if (!value) return fail(value.error());
    auto set = address_expr(*value, d);
    if (!set) return fail(set.error().with_context("in $" + std::string(name)));
    address_cache_.emplace(std::string(name), *set);
    return set;
  });
}

Result<RangeSet<uint16_t>> HeaderParser::port_expr(std::string_view text, int depth) {
  return parse_expr<uint16_t>(text, depth, port_leaf, [this](std::string_view name, int d) -> Result<RangeSet<uint16_t>> {
    if (auto it = port_cache_.find(name); it != port_cache_.end()) return it->second;
    auto value = variable(name);
    if (!value) return fail(value.error());
    auto set = port_expr(*value, d);
    if (!set) return fail(set.error().with_context("in $" + std::string(name)));
    port_cache_.emplace(std::string(name), *set);
    return set;
  });
}

Result<AddressSet> HeaderParser::parse_addresses(std::string_view text) {
  auto set = address_expr(text, 0);
  if (!set) return fail(set.error());
  AddressSet out(std::move(*set));
  if (out.empty()) return fail(ErrorCode::invalid_argument, "address '" + std::string(text) + "' matches nothing");
  return out;
}

Result<PortSet> HeaderParser::parse_ports(std::string_view text) {
  auto set = port_expr(text, 0);
  if (!set) return fail(set.error());
  PortSet out(std::move(*set));
  if (out.empty()) return fail(ErrorCode::invalid_argument, "port '" + std::string(text) + "' matches nothing");
  return out;
}

}  // namespace vigil::rules
