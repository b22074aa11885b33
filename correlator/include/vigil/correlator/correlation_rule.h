// CorrelationRule: one correlation rule (Sigma-style correlation over EVE events) and its field filters.
// Built by load_correlation_rules (rule_loader.h), evaluated by the Correlator; tests build them directly.
// Thread contract: plain values; const member functions are pure and safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/event_fields.h"
#include "vigil/core/incident.h"
#include "vigil/core/ip.h"
#include "vigil/core/result.h"
#include "vigil/core/time.h"

namespace vigil::correlator {

// single: every matching event; event_count: N events per group in the timespan; value_count: N distinct
// values of a field; temporal: every rule listed in `rules` fired for the group within the timespan, in any
// order; temporal_ordered: the same, in the listed order.
enum class CorrelationType : uint8_t { single, event_count, value_count, temporal, temporal_ordered };
std::string_view to_string(CorrelationType type);
Result<CorrelationType> parse_correlation_type(std::string_view text);

enum class CompareOp : uint8_t { eq, ne, gt, gte, lt, lte };
std::string_view to_string(CompareOp op);

// A filter over one field's value. A field the event lacks fails every filter except `negation`
// (so `not: {cidr: 10.0.0.0/8}` accepts an event without the field).
struct FieldFilter {
  enum class Kind : uint8_t {
    equals,    // scalar: an address/CIDR contains an IP value, numbers compare as numbers, else text
               // equality ignoring ASCII case (as Sigma does)
    compare,   // op with `number`; eq/ne with a non-numeric `text` compare text ignoring ASCII case
    cidr,      // the value is an IP inside any of `cidrs`
    any_of,    // a YAML list or `in:`
    all_of,    // a YAML map of several operators
    negation,  // `not:`; children[0] is the negated filter
  };

  Kind kind = Kind::equals;
  CompareOp op = CompareOp::eq;
  std::string text;
  std::optional<double> number;
  std::vector<Cidr> cidrs;  // cidr; for equals, the scalar as an address block when it parses as one
  std::vector<FieldFilter> children;

  bool accepts(const std::optional<FieldValue>& value) const;
};

// `match:` entry: an EVE field name (dotted for nested fields, e.g. "alert.severity") and its filter.
struct FieldMatch {
  std::string field;
  FieldFilter filter;
};

// `condition:` bounds on a count; every bound that is set must hold. The loader requires a lower
// bound (gt, gte or eq): the Correlator checks the condition as each event arrives.
struct CountCondition {
  std::optional<uint64_t> gt, gte, lt, lte, eq;
  // event_count only (`interval_jitter_lte`): the last threshold() events of the window must come at a
  // regular interval. Jitter is the coefficient of variation (standard deviation / mean) of the gaps
  // between their start times (flow.start for flow events, else the event time): 0 for a metronome,
  // about 1 for random arrivals. The loader allows it with gt or gte only, and a threshold of at least 3.
  std::optional<double> interval_jitter_lte;

  bool accepts(uint64_t count) const;
  bool periodic() const { return interval_jitter_lte.has_value(); }
  // Smallest count that can satisfy the lower bound (gte 20 -> 20, gt 20 -> 21, eq 5 -> 5).
  uint64_t threshold() const;
  std::string to_string() const;  // "gte 20", "gt 3 and lte 10", "gte 10 and interval_jitter_lte 0.2"
};

struct CorrelationRule {
  std::string id;     // unique across all loaded files
  std::string title;  // template: "{src_ip}" takes the group-by value or the triggering event's field
  std::string description;
  CorrelationType type = CorrelationType::single;
  std::vector<FieldMatch> match;      // all must accept
  std::vector<std::string> group_by;  // EVE field names
  Duration timespan = 0;              // event_count, value_count, temporal*
  CountCondition condition;           // event_count, value_count
  std::string value_field;            // value_count: the field whose distinct values are counted
  std::vector<std::string> member_rules;  // temporal*: ids of the rules that must all fire (`rules:`)
  // false (Sigma's `generate: false`): the rule never raises incidents itself; it only feeds the temporal
  // rules that list it.
  bool generate = true;
  // Vietnamese incident taxonomy (incident_category.h names); empty: derived from the triggering alert.
  std::string category;
  Severity severity = Severity::medium;
  std::string tlp = "amber";  // clear, white, green, amber, amber+strict, red
  bool enabled = true;

  std::string source;  // file the rule came from, for messages
  int line = 0;        // 1-based line of the rule in `source`

  // True when every `match` filter accepts the event's field.
  bool matches(const Event& event) const;
  bool windowed() const { return type == CorrelationType::event_count || type == CorrelationType::value_count; }
  bool temporal() const { return type == CorrelationType::temporal || type == CorrelationType::temporal_ordered; }
};

}  // namespace vigil::correlator
