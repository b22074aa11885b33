// MemoryIncidentStore: an IncidentStore that keeps incidents in memory, for `replay --no-store`
// where correlation still runs but nothing is written to disk.
// Thread contract: one thread.
#pragma once

#include <algorithm>
#include <map>

#include "vigil/core/interfaces.h"

namespace vigil::cli {

class MemoryIncidentStore final : public IncidentStore {
 public:
  Result<void> put(const Incident& incident) override {
    incidents_[incident.id] = incident;
    return ok();
  }
  Result<std::optional<Incident>> get(std::string_view id) override {
    const auto it = incidents_.find(std::string(id));
    if (it == incidents_.end()) return std::optional<Incident>();
    return std::optional<Incident>(it->second);
  }
  Result<std::vector<Incident>> list(const IncidentQuery& query) override {
    std::vector<Incident> out;
    for (const auto& [id, incident] : incidents_) {
      if (query.state && incident.state != *query.state) continue;
      if (query.open_only && !incident.is_open()) continue;
      out.push_back(incident);
    }
    std::sort(out.begin(), out.end(), [](const Incident& a, const Incident& b) {
      return a.first_seen != b.first_seen ? a.first_seen > b.first_seen : a.id > b.id;
    });
    if (out.size() > query.limit) out.resize(query.limit);
    return out;
  }
  Result<uint64_t> next_incident_number() override { return ++last_number_; }

 private:
  std::map<std::string, Incident> incidents_;
  uint64_t last_number_ = 0;
};

}  // namespace vigil::cli
