#include "vigil/correlator/correlation_rule.h"

#include <cctype>
#include <algorithm>
#include <cstdio>

#include "text_util.h"

namespace vigil::correlator {

std::string_view to_string(CorrelationType type) {
  switch (type) {
    case CorrelationType::single: return "single";
    case CorrelationType::event_count: return "event_count";
    case CorrelationType::value_count: return "value_count";
    case CorrelationType::temporal: return "temporal";
    case CorrelationType::temporal_ordered: return "temporal_ordered";
  }
  return "unknown";
}

Result<CorrelationType> parse_correlation_type(std::string_view text) {
  for (auto type : {CorrelationType::single, CorrelationType::event_count, CorrelationType::value_count,
                    CorrelationType::temporal, CorrelationType::temporal_ordered}) {
    if (text == to_string(type)) return type;
  }
  return fail(ErrorCode::invalid_argument,
              "unknown type '" + std::string(text) +
                  "' (expected single, event_count, value_count, temporal or temporal_ordered)");
}

std::string_view to_string(CompareOp op) {
  switch (op) {
    case CompareOp::eq: return "eq";
    case CompareOp::ne: return "ne";
    case CompareOp::gt: return "gt";
    case CompareOp::gte: return "gte";
    case CompareOp::lt: return "lt";
    case CompareOp::lte: return "lte";
  }
  return "?";
}

namespace {

std::optional<double> value_number(const FieldValue& value) {
  if (value.number) return value.number;
  return parse_number(value.text);
}

bool compare_numbers(CompareOp op, double lhs, double rhs) {
  switch (op) {
    case CompareOp::eq: return lhs == rhs;
    case CompareOp::ne: return lhs != rhs;
    case CompareOp::gt: return lhs > rhs;
    case CompareOp::gte: return lhs >= rhs;
    case CompareOp::lt: return lhs < rhs;
    case CompareOp::lte: return lhs <= rhs;
  }
  return false;
}

bool accepts_value(const FieldFilter& filter, const FieldValue& value) {
  switch (filter.kind) {
    case FieldFilter::Kind::equals: {
      if (value.ip && !filter.cidrs.empty()) return filter.cidrs.front().contains(*value.ip);
      if (filter.number) {
        if (auto number = value_number(value)) return *number == *filter.number;
      }
      return iequals(value.text, filter.text);
    }
    case FieldFilter::Kind::compare: {
      if (filter.number) {
        auto number = value_number(value);
        return number && compare_numbers(filter.op, *number, *filter.number);
      }
      if (filter.op == CompareOp::eq) return iequals(value.text, filter.text);
      if (filter.op == CompareOp::ne) return !iequals(value.text, filter.text);
      return false;
    }
    case FieldFilter::Kind::cidr: {
      if (!value.ip) return false;
      for (const auto& cidr : filter.cidrs) {
        if (cidr.contains(*value.ip)) return true;
      }
      return false;
    }
    case FieldFilter::Kind::any_of: {
      for (const auto& child : filter.children) {
        if (accepts_value(child, value)) return true;
      }
      return false;
    }
    case FieldFilter::Kind::all_of: {
      for (const auto& child : filter.children) {
        if (!accepts_value(child, value)) return false;
      }
      return true;
    }
    case FieldFilter::Kind::negation:
      return filter.children.empty() || !accepts_value(filter.children.front(), value);
  }
  return false;
}

// Whether the filter accepts an event that lacks the field altogether.
bool accepts_missing(const FieldFilter& filter) {
  switch (filter.kind) {
    case FieldFilter::Kind::negation:
      return filter.children.empty() || !accepts_missing(filter.children.front());
    case FieldFilter::Kind::all_of:
      for (const auto& child : filter.children) {
        if (!accepts_missing(child)) return false;
      }
      return true;
    case FieldFilter::Kind::any_of:
      for (const auto& child : filter.children) {
        if (accepts_missing(child)) return true;
      }
      return false;
    default:
      return false;
  }
}

}  // namespace

bool FieldFilter::accepts(const std::optional<FieldValue>& value) const {
  if (!value) return accepts_missing(*this);
  return accepts_value(*this, *value);
}

bool CountCondition::accepts(uint64_t count) const {
  if (gt && !(count > *gt)) return false;
  if (gte && !(count >= *gte)) return false;
  if (lt && !(count < *lt)) return false;
  if (lte && !(count <= *lte)) return false;
  if (eq && count != *eq) return false;
  return gt || gte || eq;
}

uint64_t CountCondition::threshold() const {
  uint64_t low = 0;
  if (gt) low = std::max(low, *gt + 1);
  if (gte) low = std::max(low, *gte);
  if (eq) low = std::max(low, *eq);
  return low;
}

std::string CountCondition::to_string() const {
  std::string out;
  auto add = [&out](std::string_view name, const std::optional<uint64_t>& bound) {
    if (!bound) return;
    if (!out.empty()) out += " and ";
    out += name;
    out += ' ';
    out += std::to_string(*bound);
  };
  add("gt", gt);
  add("gte", gte);
  add("eq", eq);
  add("lt", lt);
  add("lte", lte);
  if (interval_jitter_lte) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", *interval_jitter_lte);
    out += (out.empty() ? "" : " and ");
    out += "interval_jitter_lte ";
    out += text;
  }
  return out;
}

bool CorrelationRule::matches(const Event& event) const {
  for (const auto& m : match) {
    // Nearly every rule starts with `event_type: X`: compare it without building a FieldValue, which
    // is a measurable share of the per-event cost (docs/performance.md, Correlation).
    if (m.filter.kind == FieldFilter::Kind::equals && m.field == "event_type") {
      if (!iequals(to_string(event.type), m.filter.text)) return false;
      continue;
    }
    if (!m.filter.accepts(event_field(event, m.field))) return false;
  }
  return true;
}

}  // namespace vigil::correlator
