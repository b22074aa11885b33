#include "vigil/correlator/rule_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "text_util.h"
#include "vigil/correlator/incident_category.h"
#include "title_template.h"

namespace vigil::correlator {

std::string to_string(const CorrelationLoadIssue& issue) {
  std::string out = issue.file;
  if (issue.line > 0) out += ":" + std::to_string(issue.line);
  out += ": ";
  if (!issue.rule_id.empty()) out += "rule " + issue.rule_id + ": ";
  if (!issue.field.empty()) out += "field " + issue.field + ": ";
  out += issue.message;
  return out;
}

namespace {

struct Location {
  std::string file;
  int line = 0;
};
using SeenIds = std::unordered_map<std::string, Location>;

// A fully populated event: a name event_field() cannot find on it is not an EVE field vigil knows.
Event specimen_event() {
  Event e;
  e.type = EventType::alert;
  e.timestamp = 1;
  e.seq = 1;
  e.flow_id = 1;
  e.src_ip = IpAddress::v4(0x0a000001);
  e.dest_ip = IpAddress::v4(0x0a000002);
  e.src_port = 1;
  e.dest_port = 2;
  e.proto = kProtoTcp;
  e.sensor = "s";
  e.zone = "z";
  e.incident_id = "INC-000001";
  e.payload = "p";
  e.alert = AlertInfo{"allowed", 1, 1, 1, "sig", "cat", 1};
  FlowInfo flow;
  flow.pkts_toserver = flow.pkts_toclient = flow.bytes_toserver = flow.bytes_toclient = 1;
  flow.start = flow.end = 1;
  flow.state = "new";
  flow.reason = "timeout";
  flow.alerted = true;
  e.flow = flow;
  e.anomaly = AnomalyInfo{"decode", "ipv4.trunc_pkt"};
  e.stats = StatsInfo{{{"decoder.pkts", 1}}};
  return e;
}

bool is_known_field(std::string_view name) {
  static const Event specimen = specimen_event();
  if (name.starts_with("stats.")) return true;  // counter names are open-ended
  return event_field(specimen, name).has_value();
}

bool valid_rule_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
  });
}

std::optional<std::string> normalize_tlp(std::string_view text) {
  std::string lower;
  for (char c : text) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (lower.starts_with("tlp:")) lower.erase(0, 4);
  for (const char* known : {"clear", "white", "green", "amber", "amber+strict", "red"}) {
    if (lower == known) return lower;
  }
  return std::nullopt;
}

// Sigma metadata vigil accepts and does not use.
const std::set<std::string, std::less<>>& ignored_keys() {
  static const std::set<std::string, std::less<>> keys{"author", "date",  "modified", "references", "tags",
                                                       "falsepositives", "status", "name", "fields"};
  return keys;
}

// One rule (a YAML map) into a CorrelationRule; problems go to the report. `line_offset` is the
// number of lines before the YAML document this node came from.
class RuleParser {
 public:
  RuleParser(const std::string& source, int line_offset, CorrelationLoadReport& report)
      : source_(source), line_offset_(line_offset), report_(report) {}

  std::optional<CorrelationRule> parse(const YAML::Node& node) {
    rule_ = CorrelationRule{};
    rule_.source = source_;
    rule_.line = line_of(node);
    failed_ = false;
    if (!node.IsMap()) {
      error(node, "", "a rule must be a YAML map of fields");
      return std::nullopt;
    }
    try {
      parse_fields(node);
    } catch (const YAML::Exception& e) {
      // Conversions are guarded above; this is a safety net so yaml-cpp never escapes the loader.
      add_issue(report_.errors, e.mark.is_null() ? rule_.line : e.mark.line + 1 + line_offset_, "", e.msg);
      failed_ = true;
    }
    if (failed_) return std::nullopt;
    return std::move(rule_);
  }

 private:
  int line_of(const YAML::Node& node) const {
    try {
      if (!node.IsDefined()) return 0;
      YAML::Mark mark = node.Mark();
      return mark.is_null() ? 0 : mark.line + 1 + line_offset_;
    } catch (const YAML::Exception&) {
      return 0;
    }
  }

  void add_issue(std::vector<CorrelationLoadIssue>& to, int line, std::string field, std::string message) {
    to.push_back({source_, line > 0 ? line : rule_.line, rule_.id, std::move(field), std::move(message)});
  }
  void error(const YAML::Node& at, std::string field, std::string message) {
    add_issue(report_.errors, line_of(at), std::move(field), std::move(message));
    failed_ = true;
  }
  void warn(const YAML::Node& at, std::string field, std::string message) {
    add_issue(report_.warnings, line_of(at), std::move(field), std::move(message));
  }

  std::optional<std::string> scalar(const YAML::Node& node, const std::string& field) {
    if (!node.IsScalar()) {
      error(node, field, "expected a single value");
      return std::nullopt;
    }
    return node.Scalar();
  }

  void check_field_name(const YAML::Node& at, const std::string& where, const std::string& name) {
    if (!is_known_field(name)) warn(at, where, "'" + name + "' is not an EVE field vigil knows; it never matches");
  }

  void parse_fields(const YAML::Node& node) {
    // Collect keys first: the id names every later message, and a key given twice is an error
    // (yaml-cpp keeps both and operator[] would silently pick one).
    std::map<std::string, std::pair<YAML::Node, YAML::Node>, std::less<>> fields;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) {
        error(it->first, "", "field names must be plain strings");
        continue;
      }
      std::string key = it->first.Scalar();
      if (key == "group-by") key = "group_by";  // Sigma's spelling
      if (!fields.emplace(key, std::make_pair(it->first, it->second)).second) {
        error(it->first, key, "given more than once");
      }
    }
    auto get = [&fields](std::string_view key) -> const YAML::Node* {
      auto it = fields.find(key);
      return it == fields.end() ? nullptr : &it->second.second;
    };

    if (const auto* id = get("id")) {
      if (auto text = scalar(*id, "id")) {
        if (valid_rule_id(*text)) {
          rule_.id = *text;
        } else {
          error(*id, "id", "'" + *text + "' is not a valid id (letters, digits, - _ . : only, at most 128)");
        }
      }
    } else {
      error(node, "id", "missing (every rule needs a unique id)");
    }

    for (const auto& [key, nodes] : fields) {
      static const std::set<std::string, std::less<>> known{
          "id",       "title",     "type",     "match", "group_by", "timespan",
          "condition", "severity", "description", "enabled", "tlp", "rules", "generate", "category"};
      if (known.count(key) || ignored_keys().count(key)) continue;
      std::string hint = key == "level" ? " (vigil uses 'severity')" : "";
      warn(nodes.first, key, "unknown field ignored" + hint);
    }

    if (const auto* title = get("title")) {
      if (auto text = scalar(*title, "title")) rule_.title = *text;
    } else {
      error(node, "title", "missing");
    }

    const YAML::Node* type = get("type");
    if (!type) {
      error(node, "type", "missing (single, event_count, value_count, temporal or temporal_ordered)");
    } else if (auto text = scalar(*type, "type")) {
      auto parsed = parse_correlation_type(*text);
      if (!parsed) {
        error(*type, "type", parsed.error().message);
      } else {
        rule_.type = *parsed;
      }
    }

    if (const auto* severity = get("severity")) {
      if (auto text = scalar(*severity, "severity")) {
        auto parsed = parse_severity(*text);
        if (parsed) {
          rule_.severity = *parsed;
        } else {
          error(*severity, "severity", "'" + *text + "' is not a severity (low, medium, high, critical)");
        }
      }
    } else {
      error(node, "severity", "missing (low, medium, high or critical)");
    }

    if (const auto* description = get("description")) {
      if (auto text = scalar(*description, "description")) rule_.description = *text;
    }
    if (const auto* enabled = get("enabled")) parse_bool(*enabled, "enabled", rule_.enabled);
    if (const auto* generate = get("generate")) parse_bool(*generate, "generate", rule_.generate);
    if (const auto* category = get("category")) {
      if (auto text = scalar(*category, "category")) {
        if (auto parsed = parse_incident_category(*text)) {
          rule_.category = std::string(to_string(*parsed));
        } else {
          error(*category, "category",
                "'" + *text + "' is not an incident category (denial_of_service, phishing, malware, "
                "unauthorized_access, defacement, ransomware, data_destruction, data_theft, combined, other)");
        }
      }
    }
    if (const auto* tlp = get("tlp")) {
      if (auto text = scalar(*tlp, "tlp")) {
        if (auto normalized = normalize_tlp(*text)) {
          rule_.tlp = *normalized;
        } else {
          error(*tlp, "tlp", "'" + *text + "' is not a TLP level (clear, white, green, amber, amber+strict, red)");
        }
      }
    }

    const bool temporal = rule_.temporal();
    if (const auto* match = get("match")) {
      if (temporal) {
        warn(*match, "match", "ignored for type " + std::string(to_string(rule_.type)) +
                                  " (the rules listed in 'rules' decide which events count)");
      } else {
        parse_match(*match);
      }
    } else if (!temporal) {
      error(node, "match", "missing (a map of EVE field -> filter)");
    }

    if (const auto* group_by = get("group_by")) parse_group_by(*group_by);

    if (const auto* members = get("rules")) {
      if (!temporal) {
        warn(*members, "rules", "ignored for type " + std::string(to_string(rule_.type)));
      } else {
        parse_members(*members);
      }
    } else if (temporal) {
      error(node, "rules", "missing (the ids of the rules that must all fire, at least two)");
    }

    bool windowed = rule_.windowed();
    if (const auto* timespan = get("timespan")) {
      if (!windowed && !temporal) {
        warn(*timespan, "timespan", "ignored for type " + std::string(to_string(rule_.type)));
      } else if (auto text = scalar(*timespan, "timespan")) {
        auto parsed = parse_duration(*text);
        if (!parsed) {
          error(*timespan, "timespan", "bad duration '" + *text + "' (e.g. 60s, 15m, 2h)");
        } else if (*parsed <= 0) {
          error(*timespan, "timespan", "must be longer than zero");
        } else {
          rule_.timespan = *parsed;
        }
      }
    } else if (windowed || temporal) {
      error(node, "timespan", "missing (e.g. 60s, 15m, 2h)");
    }

    if (const auto* condition = get("condition")) {
      if (!windowed) {
        warn(*condition, "condition", "ignored for type " + std::string(to_string(rule_.type)));
      } else {
        parse_condition(*condition);
      }
    } else if (windowed) {
      error(node, "condition", "missing (e.g. {gte: 20})");
    }

    if (!rule_.title.empty()) {
      const YAML::Node& title_node = *get("title");
      auto names = title_placeholders(rule_.title);
      if (!names) {
        error(title_node, "title", "unclosed '{' (write '{{' for a literal brace)");
      } else {
        for (const auto& name : *names) {
          if (name == "count" || name == "rule_id") continue;
          bool grouped = std::find(rule_.group_by.begin(), rule_.group_by.end(), name) != rule_.group_by.end();
          if (!grouped) check_field_name(title_node, "title", name);
        }
      }
    }
  }

  void parse_bool(const YAML::Node& node, const std::string& field, bool& out) {
    auto text = scalar(node, field);
    if (!text) return;
    std::string lower = *text;
    for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower == "true" || lower == "yes" || lower == "on") {
      out = true;
    } else if (lower == "false" || lower == "no" || lower == "off") {
      out = false;
    } else {
      error(node, field, "expected true or false, got '" + *text + "'");
    }
  }

  void parse_members(const YAML::Node& node) {
    if (!node.IsSequence()) {
      error(node, "rules", "expected a list of rule ids");
      return;
    }
    for (const auto& item : node) {
      auto text = scalar(item, "rules");
      if (!text) continue;
      if (!valid_rule_id(*text)) {
        error(item, "rules", "'" + *text + "' is not a valid rule id");
      } else if (std::find(rule_.member_rules.begin(), rule_.member_rules.end(), *text) != rule_.member_rules.end()) {
        error(item, "rules", "'" + *text + "' listed twice");
      } else if (*text == rule_.id) {
        error(item, "rules", "a rule cannot list itself");
      } else {
        rule_.member_rules.push_back(*text);
      }
    }
    if (!failed_ && rule_.member_rules.size() < 2) error(node, "rules", "needs at least two rule ids");
  }

  void parse_match(const YAML::Node& match) {
    if (!match.IsMap() || match.size() == 0) {
      error(match, "match", "expected a map of EVE field -> filter");
      return;
    }
    for (auto it = match.begin(); it != match.end(); ++it) {
      if (!it->first.IsScalar()) {
        error(it->first, "match", "field names must be plain strings");
        continue;
      }
      std::string name = it->first.Scalar();
      std::string where = "match." + name;
      bool repeated = std::any_of(rule_.match.begin(), rule_.match.end(),
                                  [&name](const FieldMatch& m) { return m.field == name; });
      if (repeated) {
        error(it->first, where, "given more than once (use a list for any-of, a map for several operators)");
        continue;
      }
      check_field_name(it->first, where, name);
      if (auto filter = parse_filter(it->second, where)) rule_.match.push_back({name, std::move(*filter)});
    }
  }

  static FieldFilter scalar_filter(const std::string& text) {
    FieldFilter filter;
    filter.kind = FieldFilter::Kind::equals;
    filter.text = text;
    filter.number = parse_number(text);
    if (!filter.number) {
      if (auto cidr = Cidr::parse(text)) filter.cidrs.push_back(*cidr);
    }
    return filter;
  }

  std::optional<FieldFilter> parse_filter(const YAML::Node& node, const std::string& where) {
    if (node.IsNull() || !node.IsDefined()) {
      error(node, where, "empty filter");
      return std::nullopt;
    }
    if (node.IsScalar()) return scalar_filter(node.Scalar());
    if (node.IsSequence()) {
      if (node.size() == 0) {
        error(node, where, "empty list");
        return std::nullopt;
      }
      FieldFilter any;
      any.kind = FieldFilter::Kind::any_of;
      bool ok = true;
      for (const auto& item : node) {
        auto child = parse_filter(item, where);
        if (child) {
          any.children.push_back(std::move(*child));
        } else {
          ok = false;
        }
      }
      if (!ok) return std::nullopt;
      return any;
    }
    if (!node.IsMap() || node.size() == 0) {
      error(node, where, "expected a value, a list or a map of operators");
      return std::nullopt;
    }
    FieldFilter all;
    all.kind = FieldFilter::Kind::all_of;
    bool ok = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string op = it->first.IsScalar() ? it->first.Scalar() : std::string();
      auto child = parse_operator(op, it->first, it->second, where + "." + op);
      if (child) {
        all.children.push_back(std::move(*child));
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    if (all.children.size() == 1) return std::move(all.children.front());
    return all;
  }

  std::optional<FieldFilter> parse_operator(const std::string& op, const YAML::Node& key, const YAML::Node& value,
                                            const std::string& where) {
    static const std::map<std::string, CompareOp, std::less<>> compare_ops{
        {"eq", CompareOp::eq}, {"ne", CompareOp::ne},   {"gt", CompareOp::gt},
        {"gte", CompareOp::gte}, {"lt", CompareOp::lt}, {"lte", CompareOp::lte}};
    if (auto it = compare_ops.find(op); it != compare_ops.end()) {
      auto text = scalar(value, where);
      if (!text) return std::nullopt;
      FieldFilter filter;
      filter.kind = FieldFilter::Kind::compare;
      filter.op = it->second;
      filter.text = *text;
      filter.number = parse_number(*text);
      bool ordering = it->second != CompareOp::eq && it->second != CompareOp::ne;
      if (ordering && !filter.number) {
        error(value, where, "expected a number, got '" + *text + "'");
        return std::nullopt;
      }
      return filter;
    }
    if (op == "in") {
      if (!value.IsSequence() && !value.IsScalar()) {
        error(value, where, "expected a list of values");
        return std::nullopt;
      }
      FieldFilter any;
      any.kind = FieldFilter::Kind::any_of;
      if (value.IsScalar()) {
        any.children.push_back(scalar_filter(value.Scalar()));
        return any;
      }
      for (const auto& item : value) {
        auto text = scalar(item, where);
        if (!text) return std::nullopt;
        any.children.push_back(scalar_filter(*text));
      }
      if (any.children.empty()) {
        error(value, where, "empty list");
        return std::nullopt;
      }
      return any;
    }
    if (op == "cidr") {
      FieldFilter filter;
      filter.kind = FieldFilter::Kind::cidr;
      auto add = [&](const YAML::Node& item) {
        auto text = scalar(item, where);
        if (!text) return false;
        auto cidr = Cidr::parse(*text);
        if (!cidr) {
          error(item, where, "'" + *text + "' is not an address block (e.g. 10.0.0.0/8)");
          return false;
        }
        filter.cidrs.push_back(*cidr);
        return true;
      };
      if (value.IsSequence()) {
        for (const auto& item : value) {
          if (!add(item)) return std::nullopt;
        }
        if (filter.cidrs.empty()) {
          error(value, where, "empty list");
          return std::nullopt;
        }
      } else if (!add(value)) {
        return std::nullopt;
      }
      return filter;
    }
    if (op == "not") {
      auto inner = parse_filter(value, where);
      if (!inner) return std::nullopt;
      FieldFilter negation;
      negation.kind = FieldFilter::Kind::negation;
      negation.children.push_back(std::move(*inner));
      return negation;
    }
    error(key, where, "unknown operator '" + op + "' (gt gte lt lte eq ne in cidr not)");
    return std::nullopt;
  }

  void parse_group_by(const YAML::Node& node) {
    auto add = [this](const YAML::Node& item) {
      auto text = scalar(item, "group_by");
      if (!text) return;
      if (text->empty()) {
        error(item, "group_by", "empty field name");
        return;
      }
      if (std::find(rule_.group_by.begin(), rule_.group_by.end(), *text) != rule_.group_by.end()) {
        error(item, "group_by", "'" + *text + "' listed twice");
        return;
      }
      check_field_name(item, "group_by", *text);
      rule_.group_by.push_back(*text);
    };
    if (node.IsScalar()) {
      add(node);
    } else if (node.IsSequence()) {
      for (const auto& item : node) add(item);
    } else {
      error(node, "group_by", "expected a list of EVE field names");
    }
  }

  void parse_condition(const YAML::Node& node) {
    if (!node.IsMap() || node.size() == 0) {
      error(node, "condition", "expected a map such as {gte: 20}");
      return;
    }
    CountCondition condition;
    YAML::Node jitter_node;
    size_t errors_before = report_.errors.size();
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
      std::string where = "condition." + key;
      if (key == "field") {
        auto text = scalar(it->second, where);
        if (!text) continue;
        if (rule_.type != CorrelationType::value_count) {
          warn(it->second, where, "only value_count rules count distinct values; ignored");
          continue;
        }
        check_field_name(it->second, where, *text);
        rule_.value_field = *text;
        continue;
      }
      if (key == "interval_jitter_lte") {
        jitter_node = it->second;
        parse_jitter(it->second, where, condition);
        continue;
      }
      std::optional<uint64_t>* bound = key == "gt"    ? &condition.gt
                                       : key == "gte" ? &condition.gte
                                       : key == "lt"  ? &condition.lt
                                       : key == "lte" ? &condition.lte
                                       : key == "eq"  ? &condition.eq
                                                      : nullptr;
      if (!bound) {
        error(it->first, where,
              "unknown condition '" + key +
                  "' (gt gte lt lte eq, field for value_count, interval_jitter_lte for event_count)");
        continue;
      }
      auto text = scalar(it->second, where);
      if (!text) continue;
      auto number = parse_number(*text);
      if (!number || *number < 0 || *number != static_cast<double>(static_cast<uint64_t>(*number)) ||
          *number > 1e12) {
        error(it->second, where, "expected a whole number >= 0, got '" + *text + "'");
        continue;
      }
      *bound = static_cast<uint64_t>(*number);
    }
    if (!condition.gt && !condition.gte && !condition.eq && (condition.lt || condition.lte)) {
      error(node, "condition",
            "needs gt, gte or eq; 'fewer than' conditions need window-close evaluation, not supported yet");
    } else if (!condition.gt && !condition.gte && !condition.eq && report_.errors.size() == errors_before) {
      error(node, "condition", "needs gt, gte or eq");
    } else if (condition.threshold() == 0) {
      warn(node, "condition", "a threshold of 0 fires on every matching event");
    }
    if (condition.periodic()) check_periodic(jitter_node, condition);
    if (rule_.type == CorrelationType::value_count && rule_.value_field.empty()) {
      error(node, "condition.field", "value_count needs the field whose distinct values are counted");
    }
    rule_.condition = condition;
  }

  void parse_jitter(const YAML::Node& value, const std::string& where, CountCondition& condition) {
    auto text = scalar(value, where);
    if (!text) return;
    if (rule_.type != CorrelationType::event_count) {
      error(value, where, "only event_count rules measure the interval between events");
      return;
    }
    auto number = parse_number(*text);
    if (!number || !(*number > 0) || *number > 1) {
      error(value, where, "expected a fraction above 0 and at most 1 (e.g. 0.2), got '" + *text + "'");
      return;
    }
    condition.interval_jitter_lte = *number;
  }

  // The window of a periodic rule keeps only the last threshold() events (group_window.h), which is all
  // the jitter is measured over: an upper bound on the count could not be checked against it.
  void check_periodic(const YAML::Node& at, const CountCondition& condition) {
    const std::string where = "condition.interval_jitter_lte";
    if (condition.eq || condition.lt || condition.lte) {
      error(at, where, "combines with gt or gte only (the window keeps just the last events it measures)");
    } else if (condition.threshold() < 3) {
      error(at, where, "needs a threshold of at least 3 events (two gaps to compare)");
    }
  }

  const std::string& source_;
  int line_offset_;
  CorrelationLoadReport& report_;
  CorrelationRule rule_;
  bool failed_ = false;
};

// YAML documents of a file with their first line (0-based). A syntax error then spoils one document,
// not the whole file. A line starting with "---" at column 0 separates documents.
std::vector<std::pair<int, std::string>> split_documents(std::string_view text) {
  std::vector<std::pair<int, std::string>> docs;
  std::string current;
  int start = 0;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    bool separator = line.starts_with("---") && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' ||
                                                 line[3] == '\r');
    if (separator) {
      docs.emplace_back(start, std::move(current));
      current.clear();
      // Keep what follows "---" on the same line ("--- {id: x}") as the document's first line.
      current.append(line.substr(3));
      current += '\n';
      start = line_no;
    } else {
      current.append(line);
      current += '\n';
    }
    ++line_no;
    pos = end + 1;
  }
  docs.emplace_back(start, std::move(current));
  return docs;
}

void parse_text(std::string_view text, const std::string& source, CorrelationLoadReport& report,
                SeenIds& seen, std::vector<CorrelationRule>& out) {
  for (auto& [line_offset, doc_text] : split_documents(text)) {
    YAML::Node doc;
    try {
      doc = YAML::Load(doc_text);
    } catch (const YAML::Exception& e) {
      int line = e.mark.is_null() ? line_offset + 1 : e.mark.line + 1 + line_offset;
      report.errors.push_back({source, line, "", "", "YAML syntax error: " + e.msg});
      continue;
    }
    std::vector<YAML::Node> items;
    if (doc.IsNull() || !doc.IsDefined()) continue;
    if (doc.IsSequence()) {
      for (const auto& item : doc) items.push_back(item);
    } else {
      items.push_back(doc);
    }
    RuleParser parser(source, line_offset, report);
    for (const auto& item : items) {
      auto rule = parser.parse(item);
      if (!rule) continue;
      auto [it, inserted] = seen.emplace(rule->id, Location{source, rule->line});
      if (!inserted) {
        report.errors.push_back({source, rule->line, rule->id, "id",
                                 "duplicate id; first defined at " + it->second.file + ":" +
                                     std::to_string(it->second.line)});
        continue;
      }
      ++report.rules_loaded;
      if (!rule->enabled) ++report.rules_disabled;
      out.push_back(std::move(*rule));
    }
  }
}

// Temporal rules name other rules, possibly in other files: checked once everything is read. A temporal
// rule whose members are missing, broken or temporal themselves is dropped with an error; a rule with
// `generate: false` that no temporal rule lists would do nothing, which is worth a warning.
void resolve_members(std::vector<CorrelationRule>& rules, CorrelationLoadReport& report) {
  std::unordered_map<std::string, const CorrelationRule*> by_id;
  for (const auto& rule : rules) by_id.emplace(rule.id, &rule);
  std::set<std::string> dropped;
  std::set<std::string> listed;
  for (const auto& rule : rules) {
    if (!rule.temporal()) continue;
    std::vector<std::string> members;
    for (const auto& member : rule.member_rules) {
      auto it = by_id.find(member);
      std::string problem;
      if (it == by_id.end()) {
        problem = "rule '" + member + "' is not loaded (missing or broken)";
      } else if (it->second->temporal()) {
        problem = "rule '" + member + "' is itself temporal; temporal rules combine single, event_count or "
                  "value_count rules";
      }
      if (!problem.empty()) {
        report.errors.push_back({rule.source, rule.line, rule.id, "rules", problem});
        dropped.insert(rule.id);
        members.clear();
        break;
      }
      members.push_back(member);
    }
    listed.insert(members.begin(), members.end());
  }
  if (!dropped.empty()) {
    report.rules_loaded -= dropped.size();
    for (const auto& rule : rules) {
      if (dropped.count(rule.id) && !rule.enabled) --report.rules_disabled;
    }
    std::erase_if(rules, [&dropped](const CorrelationRule& rule) { return dropped.count(rule.id) > 0; });
  }
  for (const auto& rule : rules) {
    if (!rule.generate && !listed.count(rule.id)) {
      report.warnings.push_back({rule.source, rule.line, rule.id, "generate",
                                 "generate: false, and no temporal rule lists this rule: it never has an effect"});
    }
  }
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, "cannot read correlation rules " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::io_error, "cannot read correlation rules " + path.string());
  return buffer.str();
}

bool is_rule_file(const std::filesystem::path& path) {
  auto name = path.filename().string();
  if (name.empty() || name.front() == '.') return false;
  auto ext = path.extension().string();
  return ext == ".yml" || ext == ".yaml";
}

}  // namespace

std::vector<CorrelationRule> parse_correlation_rules(std::string_view yaml_text, const std::string& source,
                                                     CorrelationLoadReport& report) {
  SeenIds seen;
  std::vector<CorrelationRule> rules;
  parse_text(yaml_text, source, report, seen, rules);
  resolve_members(rules, report);
  return rules;
}

Result<std::vector<CorrelationRule>> load_correlation_rules(const std::vector<std::filesystem::path>& paths,
                                                            CorrelationLoadReport& report) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& path : paths) {
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      return fail(ErrorCode::not_found, "correlation rules not found: " + path.string());
    }
    if (!fs::is_directory(status)) {
      files.push_back(path);
      continue;
    }
    std::vector<fs::path> found;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (it->is_regular_file(type_ec) && is_rule_file(it->path())) found.push_back(it->path());
    }
    if (ec) return fail(ErrorCode::io_error, "cannot list " + path.string() + ": " + ec.message());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }

  SeenIds seen;
  std::vector<CorrelationRule> rules;
  for (const auto& file : files) {
    auto text = read_file(file);
    if (!text) return fail(text.error());
    ++report.files_read;
    parse_text(*text, file.string(), report, seen, rules);
  }
  resolve_members(rules, report);
  return rules;
}

}  // namespace vigil::correlator
