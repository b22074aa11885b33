// load_incident_policy: the YAML side of incident_policy.h. yaml-cpp stays in this file.
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "vigil/correlator/incident_category.h"
#include "vigil/correlator/incident_policy.h"

namespace vigil::correlator {

namespace {

// The first problem found stops the load: a policy half applied (assets without their agency, a drill
// window without sources) would mislabel incidents, so the daemon keeps the previous one instead.
class PolicyParser {
 public:
  explicit PolicyParser(std::string source) : source_(std::move(source)) {}

  Result<IncidentPolicy> parse(const YAML::Node& root) {
    IncidentPolicy policy;
    if (!root.IsDefined() || root.IsNull()) return policy;
    if (!root.IsMap()) return problem(root, "", "expected a map with assets, layers, drills and reporting");
    if (auto node = root["assets"]; node) {
      if (auto r = parse_assets(node, policy.assets); !r) return fail(r.error());
    }
    if (auto node = root["layers"]; node) {
      if (auto r = parse_layers(node, policy.layers); !r) return fail(r.error());
    }
    if (auto node = root["drills"]; node) {
      if (auto r = parse_drills(node, policy.drills); !r) return fail(r.error());
    }
    if (auto node = root["reporting"]; node) {
      if (auto r = parse_reporting(node, policy.reporting); !r) return fail(r.error());
    }
    return policy;
  }

 private:
  Unexpected problem(const YAML::Node& at, const std::string& field, const std::string& message) const {
    std::string where = source_;
    if (at.IsDefined() && !at.Mark().is_null()) where += ":" + std::to_string(at.Mark().line + 1);
    where += ": ";
    if (!field.empty()) where += field + ": ";
    return fail(ErrorCode::invalid_argument, where + message);
  }

  Result<std::string> text(const YAML::Node& node, const std::string& field) const {
    if (!node || !node.IsScalar()) return problem(node, field, "expected a single value");
    return node.Scalar();
  }

  Result<Severity> severity(const YAML::Node& node, const std::string& field) const {
    auto value = text(node, field);
    if (!value) return fail(value.error());
    auto parsed = parse_severity(*value);
    if (!parsed) return problem(node, field, "'" + *value + "' is not low, medium, high or critical");
    return *parsed;
  }

  Result<Duration> duration(const YAML::Node& node, const std::string& field) const {
    auto value = text(node, field);
    if (!value) return fail(value.error());
    auto parsed = parse_duration(*value);
    if (!parsed || *parsed < 0) return problem(node, field, "bad duration '" + *value + "' (e.g. 15m, 1h, 3d)");
    return *parsed;
  }

  Result<std::vector<Cidr>> ranges(const YAML::Node& node, const std::string& field) const {
    std::vector<Cidr> out;
    auto add = [&](const YAML::Node& item) -> Result<void> {
      auto value = text(item, field);
      if (!value) return fail(value.error());
      auto cidr = Cidr::parse(*value);
      if (!cidr) return problem(item, field, "'" + *value + "' is not an address block (e.g. 10.10.0.0/16)");
      out.push_back(*cidr);
      return ok();
    };
    if (node.IsSequence()) {
      for (const auto& item : node) {
        if (auto r = add(item); !r) return fail(r.error());
      }
    } else if (auto r = add(node); !r) {
      return fail(r.error());
    }
    if (out.empty()) return problem(node, field, "empty list");
    return out;
  }

  Result<std::vector<std::string>> categories(const YAML::Node& node, const std::string& field) const {
    if (!node.IsSequence()) return problem(node, field, "expected a list of incident categories");
    std::vector<std::string> out;
    for (const auto& item : node) {
      auto value = text(item, field);
      if (!value) return fail(value.error());
      auto category = parse_incident_category(*value);
      if (!category) {
        return problem(item, field, "'" + *value + "' is not an incident category (denial_of_service, phishing, "
                                    "malware, unauthorized_access, defacement, ransomware, data_destruction, "
                                    "data_theft, combined, other)");
      }
      out.emplace_back(to_string(*category));
    }
    return out;
  }

  Result<void> parse_assets(const YAML::Node& node, std::vector<Asset>& assets) const {
    if (!node.IsSequence()) return problem(node, "assets", "expected a list of assets");
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node item = node[i];
      const std::string at = "assets[" + std::to_string(i) + "]";
      if (!item.IsMap()) return problem(item, at, "expected a map (cidr, agency, zone, protection_level, criticality)");
      Asset asset;
      if (auto name = item["name"]) {
        auto value = text(name, at + ".name");
        if (!value) return fail(value.error());
        asset.name = *value;
      }
      const YAML::Node cidr = item["cidr"] ? item["cidr"] : item["cidrs"];
      if (!cidr) return problem(item, at + ".cidr", "missing (the asset's address block or a list of them)");
      auto parsed = ranges(cidr, at + ".cidr");
      if (!parsed) return fail(parsed.error());
      asset.ranges = std::move(*parsed);
      auto agency = text(item["agency"], at + ".agency");
      if (!agency) return problem(item, at + ".agency", "missing (the agency that owns these addresses)");
      asset.agency = *agency;
      if (auto zone = item["zone"]) {
        auto value = text(zone, at + ".zone");
        if (!value) return fail(value.error());
        asset.zone = *value;
      }
      if (auto level = item["protection_level"]) {
        auto value = text(level, at + ".protection_level");
        if (!value) return fail(value.error());
        if (value->size() != 1 || (*value)[0] < '1' || (*value)[0] > '5') {
          return problem(level, at + ".protection_level", "expected 1 to 5, got '" + *value + "'");
        }
        asset.protection_level = (*value)[0] - '0';
      }
      if (auto criticality = item["criticality"]) {
        auto value = severity(criticality, at + ".criticality");
        if (!value) return fail(value.error());
        asset.criticality = *value;
      }
      assets.push_back(std::move(asset));
    }
    return ok();
  }

  Result<void> parse_layers(const YAML::Node& node, LayerPolicy& layers) const {
    if (!node.IsMap()) return problem(node, "layers", "expected a map (escalate_severity, ack_deadline)");
    if (auto level = node["escalate_severity"]) {
      auto value = severity(level, "layers.escalate_severity");
      if (!value) return fail(value.error());
      layers.escalate_severity = *value;
    }
    if (auto deadlines = node["ack_deadline"]) {
      if (!deadlines.IsMap()) return problem(deadlines, "layers.ack_deadline", "expected a map severity -> duration");
      for (auto it = deadlines.begin(); it != deadlines.end(); ++it) {
        auto key = text(it->first, "layers.ack_deadline");
        if (!key) return fail(key.error());
        auto level = parse_severity(*key);
        if (!level) return problem(it->first, "layers.ack_deadline." + *key, "not a severity (low, medium, high, critical)");
        auto value = duration(it->second, "layers.ack_deadline." + *key);
        if (!value) return fail(value.error());
        layers.ack_deadline[static_cast<size_t>(*level)] = *value;
      }
    }
    return ok();
  }

  Result<void> parse_drills(const YAML::Node& node, std::vector<DrillWindow>& drills) const {
    if (!node.IsSequence()) return problem(node, "drills", "expected a list of drill windows");
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node item = node[i];
      const std::string at = "drills[" + std::to_string(i) + "]";
      if (!item.IsMap()) return problem(item, at, "expected a map (name, from, until, sources)");
      DrillWindow drill;
      if (auto name = item["name"]) {
        auto value = text(name, at + ".name");
        if (!value) return fail(value.error());
        drill.name = *value;
      }
      for (auto [key, field] : {std::pair{"from", &drill.from}, std::pair{"until", &drill.until}}) {
        auto value = text(item[key], at + "." + key);
        if (!value) return problem(item, at + "." + key, "missing (a time such as 2026-11-01T08:00:00+07:00)");
        auto time = parse_timestamp(*value);
        if (!time) return problem(item[key], at + "." + key, "bad time '" + *value + "'");
        *field = *time;
      }
      if (drill.until <= drill.from) return problem(item["until"], at + ".until", "must be after from");
      if (!item["sources"]) return problem(item, at + ".sources", "missing (the testers' address blocks)");
      auto sources = ranges(item["sources"], at + ".sources");
      if (!sources) return fail(sources.error());
      drill.sources = std::move(*sources);
      drills.push_back(std::move(drill));
    }
    return ok();
  }

  Result<void> parse_reporting(const YAML::Node& node, ReportingPolicy& reporting) const {
    if (!node.IsMap()) {
      return problem(node, "reporting", "expected a map (severity, categories, national_security, initial_due, full_due)");
    }
    if (auto level = node["severity"]) {
      auto value = severity(level, "reporting.severity");
      if (!value) return fail(value.error());
      reporting.severity = *value;
    }
    if (auto list = node["categories"]) {
      auto value = categories(list, "reporting.categories");
      if (!value) return fail(value.error());
      reporting.categories = std::move(*value);
    }
    if (auto list = node["national_security"]) {
      auto value = categories(list, "reporting.national_security");
      if (!value) return fail(value.error());
      reporting.national_security = std::move(*value);
    }
    for (auto [key, field] : {std::pair{"initial_due", &reporting.initial_due}, std::pair{"full_due", &reporting.full_due}}) {
      if (auto due = node[key]) {
        auto value = duration(due, std::string("reporting.") + key);
        if (!value) return fail(value.error());
        *field = *value;
      }
    }
    return ok();
  }

  std::string source_;
};

}  // namespace

Result<IncidentPolicy> parse_incident_policy(std::string_view yaml, const std::string& source) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return PolicyParser(source).parse(root);
  } catch (const YAML::Exception& e) {
    std::string where = source;
    if (!e.mark.is_null()) where += ":" + std::to_string(e.mark.line + 1);
    return fail(ErrorCode::parse_error, where + ": YAML syntax error: " + e.msg);
  }
}

Result<IncidentPolicy> load_incident_policy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::not_found, "cannot read incident policy " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_incident_policy(buffer.str(), path.string());
}

}  // namespace vigil::correlator
