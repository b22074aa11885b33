#include "config.h"

#include <yaml-cpp/yaml.h>

#include "vigil/core/ip.h"
#include "vigil/sensors/packet_processor.h"

#include <fstream>
#include <set>
#include <sstream>

namespace vigil::daemon {

namespace {

constexpr std::pair<Role, std::string_view> kRoleNames[] = {
    {Role::none, "none"}, {Role::responder, "responder"}, {Role::admin, "admin"},
    {Role::auditor, "auditor"}, {Role::liaison, "liaison"}};

// Walks the document with the field path and collects problems; every reader leaves the default in
// place when the value is bad, so one pass finds every problem instead of stopping at the first.
class Reader {
 public:
  Reader(std::string file, std::vector<ConfigIssue>& issues) : file_(std::move(file)), issues_(issues) {}

  void issue(const YAML::Node& node, const std::string& field, const std::string& message) {
    issues_.push_back({file_, node.IsDefined() ? node.Mark().line + 1 : 0, field, message});
  }

  // Reports keys of a map that are not in `known` (a typo would otherwise silently keep a default).
  bool check_map(const YAML::Node& node, const std::string& field, std::initializer_list<std::string_view> known) {
    if (!node.IsMap()) {
      issue(node, field, "must be a mapping of keys to values");
      return false;
    }
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      bool found = false;
      for (std::string_view k : known) found = found || k == key;
      if (!found) issue(entry.first, join(field, key), "unknown key");
    }
    return true;
  }

  static std::string join(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
  }

  void string(const YAML::Node& map, const std::string& parent, const char* key, std::string& out,
              bool non_empty = true) {
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsScalar()) return issue(node, join(parent, key), "must be a string");
    if (non_empty && node.Scalar().empty()) return issue(node, join(parent, key), "must not be empty");
    out = node.Scalar();
  }

  void boolean(const YAML::Node& map, const std::string& parent, const char* key, bool& out) {
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull()) return;
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      return issue(node, join(parent, key), "must be true or false, not '" + text(node) + "'");
    }
    out = value;
  }

  template <typename T>
  void number(const YAML::Node& map, const std::string& parent, const char* key, T& out, int64_t min, int64_t max) {
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull()) return;
    const auto value = integer(node);
    if (!value || *value < min || *value > max) {
      return issue(node, join(parent, key),
                   "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", not '" +
                       text(node) + "'");
    }
    out = static_cast<T>(*value);
  }

  void duration(const YAML::Node& map, const std::string& parent, const char* key, Duration& out, Duration min) {
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull()) return;
    auto value = node.IsScalar() ? parse_duration(node.Scalar()) : Result<Duration>(fail(ErrorCode::parse_error, ""));
    if (!value || *value < min) {
      return issue(node, join(parent, key), "must be a duration such as 30s, 5m or 1h, not '" + text(node) + "'");
    }
    out = *value;
  }

  void paths(const YAML::Node& map, const std::string& parent, const char* key, std::vector<std::string>& out) {
    words(map, parent, key, out, "path");
  }
  void names(const YAML::Node& map, const std::string& parent, const char* key, std::vector<std::string>& out) {
    words(map, parent, key, out, "name");
  }

  // One non-empty scalar, or a list of them; `what` names one in the messages.
  void words(const YAML::Node& map, const std::string& parent, const char* key, std::vector<std::string>& out,
             const std::string& what) {
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull()) return;
    if (node.IsScalar()) {
      out = {node.Scalar()};
      return;
    }
    if (!node.IsSequence()) return issue(node, join(parent, key), "must be a " + what + " or a list of " + what + "s");
    out.clear();
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar() || node[i].Scalar().empty()) {
        issue(node[i], join(parent, key) + "[" + std::to_string(i) + "]", "must be a " + what);
        continue;
      }
      out.push_back(node[i].Scalar());
    }
  }

  static std::optional<int64_t> integer(const YAML::Node& node) {
    if (!node.IsScalar()) return std::nullopt;
    const std::string& s = node.Scalar();
    if (s.empty()) return std::nullopt;
    try {
      size_t used = 0;
      // Base 0 so that a socket mode may be written 0660 (octal), as chmod takes it.
      const long long value = std::stoll(s, &used, 0);
      if (used != s.size()) return std::nullopt;
      return value;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  static std::string text(const YAML::Node& node) {
    if (node.IsScalar()) return node.Scalar();
    return node.IsSequence() ? "a list" : "a mapping";
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<ConfigIssue>& issues_;
};

std::string resolve(const std::filesystem::path& base, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (base / path).lexically_normal().string();
}

void read_sensors(Reader& r, const YAML::Node& node, DaemonConfig& config) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) return r.issue(node, "sensors", "must be a list of sensors");
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node s = node[i];
    const std::string field = "sensors[" + std::to_string(i) + "]";
    if (!r.check_map(s, field, {"name", "zone", "interface", "snaplen", "buffer_mb", "bpf", "promiscuous", "workers",
                                 "midstream", "async_oneside", "app_events"})) {
      continue;
    }
    SensorConfig sensor;
    r.string(s, field, "name", sensor.name);
    r.string(s, field, "zone", sensor.zone);
    r.string(s, field, "interface", sensor.interface);
    r.number(s, field, "snaplen", sensor.snaplen, 64, 262'144);
    r.number(s, field, "buffer_mb", sensor.buffer_mb, 1, 4096);
    r.string(s, field, "bpf", sensor.bpf, false);
    r.boolean(s, field, "promiscuous", sensor.promiscuous);
    r.boolean(s, field, "midstream", sensor.midstream);
    r.boolean(s, field, "async_oneside", sensor.async_oneside);
    r.number(s, field, "workers", sensor.workers, 1, 256);
    r.names(s, field, "app_events", sensor.app_events);
    if (auto parsed = sensors::parse_app_records(sensor.app_events); !parsed) {
      r.issue(s["app_events"], field + ".app_events", parsed.error().message);
    }
    if (!s["name"].IsDefined()) r.issue(s, field + ".name", "is required");
    if (!s["interface"].IsDefined()) r.issue(s, field + ".interface", "is required");
    if (sensor.zone.empty()) sensor.zone = "default";
    if (!sensor.name.empty() && !names.insert(sensor.name).second) {
      r.issue(s["name"], field + ".name", "another sensor is already named '" + sensor.name + "'");
    }
    config.sensors.push_back(std::move(sensor));
  }
}

void read_rules(Reader& r, const YAML::Node& node, DaemonConfig& config) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.check_map(node, "rules", {"paths", "variables"})) return;
  r.paths(node, "rules", "paths", config.rule_paths);
  const YAML::Node vars = node["variables"];
  if (!vars.IsDefined() || vars.IsNull()) return;
  if (!vars.IsMap()) return r.issue(vars, "rules.variables", "must map names (HOME_NET) to values");
  for (const auto& entry : vars) {
    const std::string name = entry.first.Scalar();
    const YAML::Node value = entry.second;
    if (value.IsScalar() && !value.Scalar().empty()) {
      config.rule_variables[name] = value.Scalar();
    } else if (value.IsSequence() && value.size() > 0) {
      // A YAML list is the rule language's [a,b] list.
      std::string list = "[";
      for (size_t i = 0; i < value.size(); ++i) list += (i ? "," : "") + Reader::text(value[i]);
      config.rule_variables[name] = list + "]";
    } else {
      r.issue(value, "rules.variables." + name, "must be an address, port or list");
    }
  }
}

void read_control_tls(Reader& r, const YAML::Node& node, ControlTlsConfig& tls) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.check_map(node, "control.tls", {"listen", "cert", "key", "ca", "roles"})) return;
  r.string(node, "control.tls", "listen", tls.listen);
  r.string(node, "control.tls", "cert", tls.cert);
  r.string(node, "control.tls", "key", tls.key);
  r.string(node, "control.tls", "ca", tls.ca);
  for (const char* key : {"listen", "cert", "key", "ca"}) {
    if (!node[key].IsDefined()) r.issue(node, std::string("control.tls.") + key, "is required");
  }
  const YAML::Node roles = node["roles"];
  if (!roles.IsDefined() || roles.IsNull()) return;
  if (!roles.IsSequence()) return r.issue(roles, "control.tls.roles", "must be a list of {cn, ou, o or subject, role}");
  for (size_t i = 0; i < roles.size(); ++i) {
    const YAML::Node m = roles[i];
    const std::string field = "control.tls.roles[" + std::to_string(i) + "]";
    if (!r.check_map(m, field, {"subject", "cn", "ou", "o", "role"})) continue;
    CertRoleMapping mapping;
    r.string(m, field, "subject", mapping.subject);
    r.string(m, field, "cn", mapping.cn);
    r.string(m, field, "ou", mapping.ou);
    r.string(m, field, "o", mapping.o);
    if (mapping.subject.empty() && mapping.cn.empty() && mapping.ou.empty() && mapping.o.empty()) {
      r.issue(m, field, "needs at least one of subject, cn, ou, o");
    }
    const YAML::Node role = m["role"];
    auto parsed = role.IsScalar() ? parse_role(role.Scalar()) : std::nullopt;
    if (!parsed) {
      r.issue(role.IsDefined() ? role : m, field + ".role", "must be one of none, responder, admin, auditor, liaison");
    } else {
      mapping.role = *parsed;
    }
    tls.roles.push_back(mapping);
  }
}

// The TLS files are read when the daemon starts; a missing or unreadable one is named here with its
// line, so --check-config finds it rather than the start.
void check_control_tls_files(Reader& r, const YAML::Node& node, const ControlTlsConfig& tls) {
  if (!node.IsMap()) return;
  for (const auto& [key, path] : {std::pair<const char*, const std::string*>{"cert", &tls.cert},
                                  {"key", &tls.key},
                                  {"ca", &tls.ca}}) {
    if (path->empty()) continue;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*path, ec)) {
      r.issue(node[key], std::string("control.tls.") + key, "no such file: " + *path);
    } else if (!std::ifstream(*path)) {
      r.issue(node[key], std::string("control.tls.") + key, "cannot read " + *path);
    }
  }
}

void read_control(Reader& r, const YAML::Node& node, ControlConfig& control) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.check_map(node, "control",
                   {"socket", "socket_mode", "roles", "default_role", "max_line_bytes", "max_connections", "tls"})) {
    return;
  }
  r.string(node, "control", "socket", control.socket);
  r.number(node, "control", "socket_mode", control.socket_mode, 0, 0777);
  r.number(node, "control", "max_line_bytes", control.max_line_bytes, 1024, 64 << 20);
  r.number(node, "control", "max_connections", control.max_connections, 1, 10'000);
  read_control_tls(r, node["tls"], control.tls);
  if (const YAML::Node d = node["default_role"]; d.IsDefined()) {
    auto role = d.IsScalar() ? parse_role(d.Scalar()) : std::nullopt;
    if (role) {
      control.default_role = *role;
    } else {
      r.issue(d, "control.default_role", "must be one of none, responder, admin, auditor, liaison");
    }
  }
  const YAML::Node roles = node["roles"];
  if (!roles.IsDefined() || roles.IsNull()) return;
  if (!roles.IsSequence()) return r.issue(roles, "control.roles", "must be a list of {uid or gid, role}");
  for (size_t i = 0; i < roles.size(); ++i) {
    const YAML::Node m = roles[i];
    const std::string field = "control.roles[" + std::to_string(i) + "]";
    if (!r.check_map(m, field, {"uid", "gid", "role"})) continue;
    RoleMapping mapping;
    uint32_t id = 0;
    if (m["uid"].IsDefined()) {
      r.number(m, field, "uid", id, 0, UINT32_MAX - 1);
      mapping.uid = id;
    }
    if (m["gid"].IsDefined()) {
      r.number(m, field, "gid", id, 0, UINT32_MAX - 1);
      mapping.gid = id;
    }
    if (mapping.uid.has_value() == mapping.gid.has_value()) r.issue(m, field, "needs exactly one of uid or gid");
    const YAML::Node role = m["role"];
    auto parsed = role.IsScalar() ? parse_role(role.Scalar()) : std::nullopt;
    if (!parsed) {
      r.issue(role.IsDefined() ? role : m, field + ".role",
              "must be one of none, responder, admin, auditor, liaison");
    } else {
      mapping.role = *parsed;
    }
    control.roles.push_back(mapping);
  }
}

void read_link(Reader& r, const YAML::Node& node, LinkConfig& link) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.check_map(node, "link", {"mode", "central", "listen", "cert", "key", "ca", "spool_dir", "spool_max_mb",
                                  "batch_events", "batch_interval", "max_backoff"})) {
    return;
  }
  r.string(node, "link", "mode", link.mode);
  r.string(node, "link", "central", link.central);
  r.string(node, "link", "listen", link.listen);
  r.string(node, "link", "cert", link.cert);
  r.string(node, "link", "key", link.key);
  r.string(node, "link", "ca", link.ca);
  r.string(node, "link", "spool_dir", link.spool_dir);
  r.number(node, "link", "spool_max_mb", link.spool_max_mb, 1, 1 << 20);
  r.number(node, "link", "batch_events", link.batch_events, 1, 100'000);
  r.duration(node, "link", "batch_interval", link.batch_interval, 1000);
  r.duration(node, "link", "max_backoff", link.max_backoff, 100'000);
  if (link.mode.empty() && !link.listen.empty()) link.mode = "central";
  if (link.mode != "sensor" && link.mode != "central") {
    return r.issue(node["mode"].IsDefined() ? node["mode"] : node, "link.mode", "must be sensor or central");
  }
  const bool sensor = link.mode == "sensor";
  const char* address = sensor ? "central" : "listen";
  if ((sensor ? link.central : link.listen).empty()) {
    r.issue(node, std::string("link.") + address, std::string("is required with mode ") + link.mode + " (host:port)");
  }
  for (const char* key : {"cert", "key", "ca"}) {
    if (!node[key].IsDefined()) r.issue(node, std::string("link.") + key, "is required (a PEM file)");
  }
}

void read_metrics(Reader& r, const YAML::Node& node, MetricsConfig& metrics) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.check_map(node, "metrics", {"listen", "allow_remote"})) return;
  r.string(node, "metrics", "listen", metrics.listen, false);
  r.boolean(node, "metrics", "allow_remote", metrics.allow_remote);
  if (metrics.listen.empty()) return;
  auto endpoint = parse_listen_address(metrics.listen);
  if (!endpoint) return r.issue(node["listen"], "metrics.listen", endpoint.error().message);
  if (!endpoint->loopback && !metrics.allow_remote) {
    r.issue(node["listen"], "metrics.listen",
            "'" + metrics.listen + "' is not a loopback address; set metrics.allow_remote: true to serve it there");
  }
}

void read_forwarders(Reader& r, const YAML::Node& node, DaemonConfig& config) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) return r.issue(node, "forwarders", "must be a list of forwarders");
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node f = node[i];
    const std::string field = "forwarders[" + std::to_string(i) + "]";
    if (!f.IsMap()) {
      r.issue(f, field, "must be a mapping of keys to values");
      continue;
    }
    ForwarderConfig forwarder;
    r.string(f, field, "type", forwarder.type);
    r.string(f, field, "name", forwarder.name);
    if (forwarder.name.empty()) forwarder.name = forwarder.type;
    if (forwarder.type == "syslog") {
      r.string(f, field, "address", forwarder.address);
      r.number(f, field, "port", forwarder.port, 1, 65535);
      if (!f["address"].IsDefined()) r.issue(f, field + ".address", "is required (an IP address literal)");
      if (!f["port"].IsDefined()) r.issue(f, field + ".port", "is required");
      if (const YAML::Node tls = f["tls"]; tls.IsDefined() && !tls.IsNull()) {
        if (r.check_map(tls, field + ".tls", {"ca_file", "cert_file", "key_file", "server_name"})) {
          r.string(tls, field + ".tls", "ca_file", forwarder.tls_ca_file);
          r.string(tls, field + ".tls", "cert_file", forwarder.tls_cert_file);
          r.string(tls, field + ".tls", "key_file", forwarder.tls_key_file);
          r.string(tls, field + ".tls", "server_name", forwarder.tls_server_name);
          if (forwarder.tls_ca_file.empty()) r.issue(tls, field + ".tls.ca_file", "is required with tls");
          if (forwarder.tls_cert_file.empty() != forwarder.tls_key_file.empty()) {
            r.issue(tls, field + ".tls", "cert_file and key_file go together");
          }
        }
      }
    } else if (forwarder.type == "eve_file") {
      r.string(f, field, "path", forwarder.path);
      if (!f["path"].IsDefined()) r.issue(f, field + ".path", "is required");
    } else if (forwarder.type == "stix_outbox") {
      r.string(f, field, "outbox", forwarder.outbox);
      r.string(f, field, "organisation", forwarder.organisation);
      if (!f["outbox"].IsDefined()) r.issue(f, field + ".outbox", "is required");
      if (const YAML::Node sender = f["sender"]; sender.IsDefined() && !sender.IsNull()) {
        if (!sender.IsSequence() || sender.size() == 0) {
          r.issue(sender, field + ".sender", "must be a list: the program and its arguments");
        } else {
          for (size_t k = 0; k < sender.size(); ++k) forwarder.sender.push_back(Reader::text(sender[k]));
        }
      }
    } else {
      r.issue(f["type"].IsDefined() ? f["type"] : f, field + ".type", "must be one of syslog, eve_file, stix_outbox");
    }
    // Unknown keys, and keys of another type of forwarder, are typos that would silently do nothing.
    if (forwarder.type == "syslog") {
      r.check_map(f, field, {"name", "type", "address", "port", "tls"});
    } else if (forwarder.type == "eve_file") {
      r.check_map(f, field, {"name", "type", "path"});
    } else if (forwarder.type == "stix_outbox") {
      r.check_map(f, field, {"name", "type", "outbox", "sender", "organisation"});
    }
    // The name is the spool's directory name: keep it to one plain path component.
    if (forwarder.name.empty() || forwarder.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
                                      std::string::npos ||
        forwarder.name[0] == '.') {
      r.issue(f["name"].IsDefined() ? f["name"] : f, field + ".name",
              "must be letters, digits, '-', '_' or '.' (it names the spool directory)");
    } else if (!names.insert(forwarder.name).second) {
      r.issue(f["name"].IsDefined() ? f["name"] : f, field + ".name",
              "another forwarder is already named '" + forwarder.name + "' (give each a name)");
    }
    config.forwarders.push_back(std::move(forwarder));
  }
}

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view text) {
  // "host:port" with an IPv4 literal, "[v6]:port", or "localhost:port".
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    return fail(ErrorCode::invalid_argument, "must be address:port, such as 127.0.0.1:9477");
  }
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  uint32_t port = 0;
  for (const char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || (port = port * 10 + static_cast<uint32_t>(c - '0')) > 65535) {
      return fail(ErrorCode::invalid_argument, "the port of '" + std::string(text) + "' must be a number up to 65535");
    }
  }
  auto ip = IpAddress::parse(host);
  if (!ip) return fail(ErrorCode::invalid_argument, "'" + host + "' is not an IP address literal");
  ListenAddress out;
  out.address = host;
  out.port = static_cast<uint16_t>(port);
  out.loopback = Cidr::parse("127.0.0.0/8")->contains(*ip) || Cidr::parse("::1/128")->contains(*ip);
  return out;
}

std::string_view to_string(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "none";
}

std::optional<Role> parse_role(std::string_view text) {
  for (const auto& [r, name] : kRoleNames) {
    if (name == text) return r;
  }
  return std::nullopt;
}

std::string to_string(const ConfigIssue& issue) {
  std::string out = issue.file;
  if (issue.line > 0) out += ":" + std::to_string(issue.line);
  out += ": ";
  if (!issue.field.empty()) out += issue.field + ": ";
  return out + issue.message;
}

Result<DaemonConfig> load_config(const std::filesystem::path& file, std::vector<ConfigIssue>& issues) {
  std::ifstream in(file);
  if (!in) return fail(ErrorCode::not_found, "cannot read config file " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file, issues);
}

Result<DaemonConfig> parse_config(const std::string& yaml, const std::filesystem::path& file,
                                  std::vector<ConfigIssue>& issues) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::parse_error,
                file.string() + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  DaemonConfig config;
  config.file = file;
  std::error_code ec;
  const std::filesystem::path base = std::filesystem::absolute(file, ec).parent_path();
  config.rule_paths = {"rules"};
  config.correlation_paths = {"correlation"};
  Reader r(file.string(), issues);
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);  // an empty file: every default
  if (r.check_map(root, "", {"data_dir", "log_level", "sensors", "rules", "correlation", "assets", "layers", "drills",
                              "reporting", "retention", "control", "storage", "metrics", "forwarders", "forwarding", "link"})) {
    r.string(root, "", "data_dir", config.data_dir);
    r.string(root, "", "log_level", config.log_level);
    if (const YAML::Node level = root["log_level"]; level.IsDefined()) {
      static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
      if (!kLevels.count(config.log_level)) {
        r.issue(level, "log_level", "must be one of trace, debug, info, warn, error, critical, off");
      }
    }
    read_sensors(r, root["sensors"], config);
    read_rules(r, root["rules"], config);
    if (const YAML::Node c = root["correlation"]; c.IsDefined() && !c.IsNull()) {
      if (r.check_map(c, "correlation", {"paths", "late_allowance", "review_interval"})) {
        r.paths(c, "correlation", "paths", config.correlation_paths);
        r.duration(c, "correlation", "late_allowance", config.late_allowance, 0);
        r.duration(c, "correlation", "review_interval", config.review_interval, seconds(1));
      }
    }
    if (const YAML::Node t = root["retention"]; t.IsDefined() && !t.IsNull()) {
      if (r.check_map(t, "retention", {"flow_days", "alert_days", "incident_days", "audit_days"})) {
        constexpr int kMin = storage::RetentionPolicy::kMinDays;
        r.number(t, "retention", "flow_days", config.retention.flow_days, kMin, 36500);
        r.number(t, "retention", "alert_days", config.retention.alert_days, kMin, 36500);
        r.number(t, "retention", "incident_days", config.retention.incident_days, kMin, 36500);
        r.number(t, "retention", "audit_days", config.retention.audit_days, kMin, 36500);
      }
    }
    if (const YAML::Node s = root["storage"]; s.IsDefined() && !s.IsNull()) {
      if (r.check_map(s, "storage", {"sync_writes"})) r.boolean(s, "storage", "sync_writes", config.sync_writes);
    }
    read_control(r, root["control"], config.control);
    read_metrics(r, root["metrics"], config.metrics);
    read_forwarders(r, root["forwarders"], config);
    if (const YAML::Node f = root["forwarding"]; f.IsDefined() && !f.IsNull()) {
      if (r.check_map(f, "forwarding", {"interval"})) {
        r.duration(f, "forwarding", "interval", config.forward_interval, 10'000);  // 10 ms
      }
    }
    read_link(r, root["link"], config.link);
  }
  config.data_dir = resolve(base, config.data_dir);
  config.control.socket = resolve(base, config.control.socket);
  for (std::string* path : {&config.link.cert, &config.link.key, &config.link.ca, &config.link.spool_dir}) {
    *path = resolve(base, *path);
  }
  if (config.link.spool_dir.empty()) config.link.spool_dir = config.data_dir + "/link-spool";
  for (std::string* path : {&config.control.tls.cert, &config.control.tls.key, &config.control.tls.ca}) {
    *path = resolve(base, *path);
  }
  if (root.IsMap() && root["control"].IsMap()) {
    check_control_tls_files(r, root["control"]["tls"], config.control.tls);
  }
  for (auto& p : config.rule_paths) p = resolve(base, p);
  for (auto& p : config.correlation_paths) p = resolve(base, p);
  for (auto& f : config.forwarders) {
    f.path = resolve(base, f.path);
    f.outbox = resolve(base, f.outbox);
    f.tls_ca_file = resolve(base, f.tls_ca_file);
    f.tls_cert_file = resolve(base, f.tls_cert_file);
    f.tls_key_file = resolve(base, f.tls_key_file);
  }
  return config;
}

}  // namespace vigil::daemon
