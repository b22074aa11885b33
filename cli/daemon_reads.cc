#include "daemon_reads.h"

#include <algorithm>

#include "daemon_client.h"
#include "vigil/core/eve_json.h"
#include "vigil/core/time.h"

namespace vigil::cli {

namespace {

constexpr size_t kPage = 1000;  // the daemon's largest page

// Calls `method` page by page until `limit` items or the last page; `decode` turns each item into a value.
template <typename T, typename Decode>
Result<std::vector<T>> read_pages(const std::string& method, nlohmann::json params, const char* key, size_t limit,
                                  Decode decode) {
  auto client = DaemonClient::connect(default_socket_path());
  if (!client) return fail(client.error());
  std::vector<T> out;
  while (out.size() < limit) {
    params["limit"] = std::min(kPage, limit - out.size());
    auto page = client->call(method, params);
    if (!page) return fail(page.error());
    for (const auto& item : (*page)[key]) {
      auto value = decode(item.dump());
      if (!value) return fail(value.error().with_context("vigild sent a " + std::string(key) + " entry that does not decode"));
      out.push_back(std::move(*value));
    }
    const std::string next = page->value("next_cursor", "");
    if (next.empty() || (*page)[key].empty()) break;
    params["cursor"] = next;
  }
  return out;
}

}  // namespace

Result<std::vector<Event>> alerts_from_daemon(const EventQuery& query) {
  nlohmann::json params = nlohmann::json::object();
  if (query.from != INT64_MIN) params["since"] = format_timestamp(query.from);
  if (query.until != INT64_MAX) params["until"] = format_timestamp(query.until);
  if (query.signature_id) params["sid"] = *query.signature_id;
  return read_pages<Event>("alerts.list", params, "alerts", query.limit,
                           [](const std::string& text) { return event_from_json(text); });
}

Result<std::vector<Incident>> incidents_from_daemon(const IncidentQuery& query) {
  nlohmann::json params = nlohmann::json::object();
  if (query.state) params["state"] = std::string(to_string(*query.state));
  if (query.open_only) params["open_only"] = true;
  return read_pages<Incident>("incidents.list", params, "incidents", query.limit,
                              [](const std::string& text) { return incident_from_json(text); });
}

}  // namespace vigil::cli
