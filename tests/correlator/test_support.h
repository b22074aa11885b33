// Test helpers for the correlator tests: FakeIncidentStore (an in-memory IncidentStore that can be told
// to fail), event builders and a temp directory. Thread contract: single-threaded test code.
#pragma once

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <unistd.h>

#include "vigil/core/event.h"
#include "vigil/core/incident.h"
#include "vigil/core/interfaces.h"
#include "vigil/core/ip.h"
#include "vigil/core/time.h"
#include "vigil/correlator/rule_loader.h"

#include <catch2/catch.hpp>

namespace vigil::test {

class FakeIncidentStore final : public IncidentStore {
 public:
  Result<void> put(const Incident& incident) override {
    if (fail_put) return fail(ErrorCode::io_error, "put failed (fake)");
    incidents[incident.id] = incident;
    ++puts;
    return ok();
  }
  Result<std::optional<Incident>> get(std::string_view id) override {
    if (fail_get) return fail(ErrorCode::io_error, "get failed (fake)");
    auto it = incidents.find(std::string(id));
    if (it == incidents.end()) return std::optional<Incident>();
    return std::optional<Incident>(it->second);
  }
  Result<std::vector<Incident>> list(const IncidentQuery& query) override {
    if (fail_list) return fail(ErrorCode::io_error, "list failed (fake)");
    std::vector<Incident> out;
    for (const auto& [id, incident] : incidents) {
      if (query.open_only && !incident.is_open()) continue;
      if (query.state && incident.state != *query.state) continue;
      out.push_back(incident);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Incident& a, const Incident& b) { return a.first_seen > b.first_seen; });
    if (out.size() > query.limit) out.resize(query.limit);
    return out;
  }
  Result<uint64_t> next_incident_number() override {
    if (fail_number) return fail(ErrorCode::io_error, "sequence failed (fake)");
    return next_number++;
  }

  // Only incidents of one rule, ordered by id.
  std::vector<Incident> of_rule(std::string_view rule_id) const {
    std::vector<Incident> out;
    for (const auto& [id, incident] : incidents) {
      if (incident.rule_id == rule_id) out.push_back(incident);
    }
    return out;
  }

  std::map<std::string, Incident> incidents;
  uint64_t next_number = 1;
  int puts = 0;
  bool fail_put = false;
  bool fail_get = false;
  bool fail_list = false;
  bool fail_number = false;
};

// In-memory StateStore that can be told to fail; counts writes so tests see what a flush costs.
class FakeStateStore final : public StateStore {
 public:
  Result<void> put_state(std::string_view key, std::string_view value) override {
    if (fail_writes) return fail(ErrorCode::io_error, "state write failed (fake)");
    values[std::string(key)] = std::string(value);
    ++puts;
    return ok();
  }
  Result<std::optional<std::string>> get_state(std::string_view key) override {
    if (fail_reads) return fail(ErrorCode::io_error, "state read failed (fake)");
    auto it = values.find(std::string(key));
    if (it == values.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Result<void> erase_state(std::string_view key) override {
    if (fail_writes) return fail(ErrorCode::io_error, "state write failed (fake)");
    values.erase(std::string(key));
    ++erases;
    return ok();
  }

  std::map<std::string, std::string> values;
  int puts = 0;
  int erases = 0;
  bool fail_reads = false;
  bool fail_writes = false;
};

inline IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

// A flow event at `second` seconds past a fixed base time.
inline Event flow_event(double second, std::string_view src, std::string_view dest, uint16_t dest_port,
                        uint64_t seq = 0) {
  static constexpr Timestamp kBase = 1'700'000'000LL * kMicrosPerSecond;
  Event e;
  e.type = EventType::flow;
  e.timestamp = kBase + static_cast<Timestamp>(second * static_cast<double>(kMicrosPerSecond));
  e.seq = seq;
  e.src_ip = ip(src);
  e.dest_ip = ip(dest);
  e.src_port = 40000;
  e.dest_port = dest_port;
  e.proto = kProtoTcp;
  e.sensor = "wan-1";
  e.zone = "wan";
  e.flow = FlowInfo{};
  return e;
}

inline Event alert_event(double second, std::string_view src, std::string_view dest, uint16_t dest_port,
                         uint32_t sid, int severity, uint64_t seq = 0) {
  Event e = flow_event(second, src, dest, dest_port, seq);
  e.type = EventType::alert;
  e.flow.reset();
  AlertInfo alert;
  alert.signature_id = sid;
  alert.severity = severity;
  alert.signature = "ET TEST signature " + std::to_string(sid);
  alert.category = "Attempted Administrator Privilege Gain";
  e.alert = alert;
  return e;
}

inline Timestamp at(double second) { return flow_event(second, "1.1.1.1", "2.2.2.2", 1).timestamp; }

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("vigil-correlator-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, std::string_view text) const {
    auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

// Rules from inline YAML; the test stops, showing the first error, when any rule does not load.
inline std::vector<correlator::CorrelationRule> rules_from(const std::string& yaml) {
  correlator::CorrelationLoadReport report;
  auto rules = correlator::parse_correlation_rules(yaml, "inline.yml", report);
  INFO((report.errors.empty() ? std::string() : to_string(report.errors.front())));
  REQUIRE(report.ok());
  return rules;
}

}  // namespace vigil::test
