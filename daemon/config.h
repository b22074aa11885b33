// DaemonConfig: what `vigild --config FILE` reads (config/vigil.yaml is the annotated example with
// every default). load_config() checks every field and collects every problem with file, line and
// field, so `--check-config` can list them all at once. The policy keys (assets, layers, drills,
// reporting) are read by the correlator's load_incident_policy() from the same file.
// Thread contract: plain values; load_config is a pure function of the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/core/time.h"
#include "vigil/storage/retention.h"

namespace vigil::daemon {

enum class Role { none, responder, admin, auditor, liaison };
std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

struct SensorConfig {
  std::string name;
  std::string zone;
  std::string interface;
  uint32_t snaplen = 262'144;
  uint32_t buffer_mb = 32;
  std::string bpf;
  bool promiscuous = true;
  size_t workers = 1;  // worker threads (WorkerPool); each flow is handled by one of them
  bool midstream = false;      // Suricata's stream.midstream: a TCP flow without handshake is established
  bool async_oneside = false;  // Suricata's stream.async-oneside: one direction of each flow on this link
  std::vector<std::string> app_events;  // "http", "dns", "tls", "ssh": each transaction becomes an event
};

// Who gets which role on the Unix socket: a uid, or a gid (primary group of the caller).
struct RoleMapping {
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  Role role = Role::none;
};

// Who gets which role over TLS, from the client certificate's subject: every field given must match
// (cn, o exactly; ou any of the subject's OUs; subject the whole RFC 2253 line). First match wins.
struct CertRoleMapping {
  std::string subject;  // "CN=alice,OU=responders,O=So TTTT"
  std::string cn;
  std::string ou;
  std::string o;
  Role role = Role::none;
};

// The control API over TLS with client certificates (control_tls.h). Empty `listen`: no TLS listener.
struct ControlTlsConfig {
  std::string listen;         // "127.0.0.1:7443"; port 0 picks a free port (status shows it)
  std::string cert, key, ca;  // PEM: the daemon's certificate and key, the CA client certificates must chain to
  std::vector<CertRoleMapping> roles;  // a certificate matching none gets no role
};

struct ControlConfig {
  std::string socket = "/run/vigil/control.sock";
  uint32_t socket_mode = 0660;  // who may connect at all; the role decides what they may do
  std::vector<RoleMapping> roles;  // first match wins; uid 0 is admin unless mapped otherwise
  Role default_role = Role::none;  // callers matching no mapping
  size_t max_line_bytes = 1u << 20;
  size_t max_connections = 128;  // per listener (socket, TLS); more are closed at once
  ControlTlsConfig tls;
};

// The sensor link (link/): `mode: sensor` ships this daemon's events to the central daemon over
// mutually authenticated TLS and stores none itself; `mode: central` accepts sensors on `listen`.
struct LinkConfig {
  std::string mode;     // "" (no link), "sensor", "central"
  std::string central;  // sensor: host:port of the central daemon
  std::string listen;   // central: address:port to accept sensors on ("127.0.0.1:7444"; port 0 picks one)
  std::string cert, key, ca;  // PEM files: this end's certificate and key, the CA the peer's must chain to
  std::string spool_dir;      // sensor: unacknowledged batches (default <data_dir>/link-spool)
  uint64_t spool_max_mb = 1024;  // sensor: a full spool drops new batches and counts them
  size_t batch_events = 1000;                // sensor: a batch is sent at this many events...
  Duration batch_interval = 200'000;         // ...or this long after its first one
  Duration max_backoff = seconds(30);        // sensor: reconnect delay doubles from 100 ms up to this
};

// The Prometheus text endpoint (metrics.h). Empty `listen`: no endpoint. Only a loopback address
// unless `allow_remote`: the page tells anyone who reaches it what the daemon sees.
struct MetricsConfig {
  std::string listen;  // "127.0.0.1:9477", "[::1]:9477"; port 0 picks a free port (status shows it)
  bool allow_remote = false;
};

// One incident forwarder (forwarding.h); each has a durable spool <data_dir>/forward-spool/<name>.
struct ForwarderConfig {
  std::string name;  // unique; default: the type
  std::string type;  // syslog | eve_file | stix_outbox
  // syslog: RFC 5424 + CEF over TCP to an address literal; TLS when tls_ca_file is set.
  std::string address;
  uint16_t port = 0;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_server_name;
  std::string path;  // eve_file: incident JSON lines appended here
  // stix_outbox: bundles written to `outbox`, then `sender` (program and arguments; the bundle path
  // is appended) run for each; its acceptance is recorded as the incident's initial report.
  std::string outbox;
  std::vector<std::string> sender;
  std::string organisation = "vigil";
};

struct DaemonConfig {
  std::filesystem::path file;  // the config file itself; relative paths below are resolved against its dir
  std::string data_dir = "/var/lib/vigil";
  std::string log_level = "info";
  std::vector<SensorConfig> sensors;
  std::vector<std::string> rule_paths;  // default: <config dir>/rules
  std::map<std::string, std::string> rule_variables;  // on top of Suricata's defaults
  std::vector<std::string> correlation_paths;  // default: <config dir>/correlation
  Duration late_allowance = seconds(60);
  Duration review_interval = seconds(60);  // how often the policy runs over open incidents (wall time)
  storage::RetentionPolicy retention;
  bool sync_writes = false;
  ControlConfig control;
  MetricsConfig metrics;
  std::vector<ForwarderConfig> forwarders;
  Duration forward_interval = seconds(1);  // how often the spools are pumped when nothing wakes them
  LinkConfig link;
};

struct ConfigIssue {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string field;  // "sensors[1].snaplen"
  std::string message;
};
// metrics.listen parsed: an IP literal (or localhost) and a port.
struct ListenAddress {
  std::string address;
  uint16_t port = 0;
  bool loopback = false;
};
Result<ListenAddress> parse_listen_address(std::string_view text);

// "vigil.yaml:12: sensors[1].snaplen: must be a number between 64 and 262144"
std::string to_string(const ConfigIssue& issue);

// Reads and checks the file. An unreadable or unparsable file is an Error; every other problem goes into
// `issues` (the returned config then holds defaults where a field was bad). Callers refuse to start when
// `issues` is not empty.
Result<DaemonConfig> load_config(const std::filesystem::path& file, std::vector<ConfigIssue>& issues);
Result<DaemonConfig> parse_config(const std::string& yaml, const std::filesystem::path& file,
                                  std::vector<ConfigIssue>& issues);

}  // namespace vigil::daemon
