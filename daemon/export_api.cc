#include "export_api.h"

#include <charconv>

#include "control_api.h"
#include "vigil/core/eve_json.h"

namespace vigil::daemon {

using nlohmann::json;

namespace {

constexpr int64_t kDefaultPage = 500;
constexpr int64_t kMaxPage = 1000;

struct PageRequest {
  std::string what;
  Timestamp from = INT64_MIN;
  Timestamp to = INT64_MAX;
  std::string after;
  size_t limit = kDefaultPage;
};

Result<Timestamp> time_param(const json& params, const char* name, Timestamp fallback) {
  if (!params.contains(name) || params[name].is_null()) return fallback;
  if (!params[name].is_string()) return fail(ErrorCode::invalid_argument, std::string("'") + name + "' must be a string");
  auto parsed = parse_timestamp(params[name].get<std::string>());
  if (!parsed) return fail(ErrorCode::invalid_argument, std::string("'") + name + "': " + parsed.error().message);
  return parsed;
}

Result<PageRequest> read_request(const json& params) {
  PageRequest request;
  const json what = params.value("what", json());
  if (!what.is_string() || (what != "incidents" && what != "alerts" && what != "audit")) {
    return fail(ErrorCode::invalid_argument, "'what' must be \"incidents\", \"alerts\" or \"audit\"");
  }
  request.what = what.get<std::string>();
  auto from = time_param(params, "from", INT64_MIN);
  if (!from) return fail(from.error());
  auto to = time_param(params, "to", INT64_MAX);
  if (!to) return fail(to.error());
  request.from = *from;
  request.to = *to;
  const json after = params.value("after", json(""));
  if (!after.is_string()) return fail(ErrorCode::invalid_argument, "'after' must be a string (the last page's 'next')");
  request.after = after.get<std::string>();
  const json limit = params.value("limit", json(kDefaultPage));
  if (!limit.is_number_integer() || limit.get<int64_t>() < 1 || limit.get<int64_t>() > kMaxPage) {
    return fail(ErrorCode::invalid_argument, "'limit' must be a whole number from 1 to " + std::to_string(kMaxPage));
  }
  request.limit = static_cast<size_t>(limit.get<int64_t>());
  return request;
}

json record(std::string id, Timestamp time, json body) {
  return {{"id", std::move(id)}, {"time", format_timestamp(time)}, {"record", std::move(body)}};
}

Result<json> alerts_page(storage::RocksStore& store, const PageRequest& request) {
  EventQuery query;
  query.type = EventType::alert;
  query.from = request.from;
  query.until = request.to;
  query.cursor = request.after;
  query.limit = request.limit;
  query.newest_first = false;  // storage order: oldest first
  auto page = store.query_page(query);
  if (!page) return fail(page.error());
  json records = json::array();
  for (const Event& event : page->events) {
    records.push_back(record("EVT-" + std::to_string(event.seq), event.timestamp, json::parse(to_eve_json(event))));
  }
  return json{{"records", std::move(records)}, {"next", page->next_cursor}};
}

Result<json> incidents_page(storage::RocksStore& store, const PageRequest& request) {
  IncidentQuery query;
  query.from = request.from;
  query.until = request.to;
  query.cursor = request.after;
  query.limit = request.limit;
  auto page = store.list_page(query);  // the first_seen index: newest first
  if (!page) return fail(page.error());
  json records = json::array();
  for (const Incident& incident : page->incidents) {
    records.push_back(record(incident.id, incident.first_seen, json::parse(to_json(incident))));
  }
  return json{{"records", std::move(records)}, {"next", page->next_cursor}};
}

// The audit chain is kept in seq order; the cursor is the last seq handed out. Entries outside the time
// range are skipped, so a page may hold fewer records than it scanned (even none) and still have a next.
Result<json> audit_page(storage::RocksStore& store, const PageRequest& request) {
  uint64_t after = 0;
  if (!request.after.empty()) {
    const auto* end = request.after.data() + request.after.size();
    if (std::from_chars(request.after.data(), end, after).ptr != end) {
      return fail(ErrorCode::invalid_argument, "'after' is not a cursor of an audit export");
    }
  }
  auto entries = store.audit_entries(after + 1, request.limit);
  if (!entries) return fail(entries.error());
  json records = json::array();
  for (const auto& entry : *entries) {
    if (entry.time < request.from || entry.time >= request.to) continue;
    json detail = json::parse(entry.detail, nullptr, false);
    records.push_back(record("AUDIT-" + std::to_string(entry.seq), entry.time,
                             {{"seq", entry.seq},
                              {"time", format_timestamp(entry.time)},
                              {"actor", entry.actor},
                              {"action", entry.action},
                              {"detail", detail.is_discarded() ? json(entry.detail) : detail}}));
  }
  const std::string next = entries->size() == request.limit ? std::to_string(entries->back().seq) : "";
  return json{{"records", std::move(records)}, {"next", next}};
}

std::string page(storage::RocksStore& store, const json& params, const json& id, const ExportAudit& audit) {
  auto request = read_request(params);
  if (!request) return ControlApi::error_line(id, rpc_error::kInvalidParams, request.error().message);
  if (request->from >= request->to) {
    return ControlApi::error_line(id, rpc_error::kInvalidParams, "'from' must be before 'to'");
  }
  Result<json> result = request->what == "alerts"      ? alerts_page(store, *request)
                        : request->what == "incidents" ? incidents_page(store, *request)
                                                       : audit_page(store, *request);
  if (!result) {
    return ControlApi::error_line(id,
                                  result.error().code == ErrorCode::invalid_argument ? rpc_error::kInvalidParams
                                                                                     : rpc_error::kFailed,
                                  result.error().message);
  }
  // The first page starts an export: on record before any data leaves, whatever the client does next.
  if (request->after.empty()) {
    audit({{"what", request->what}, {"from", params.value("from", json())}, {"to", params.value("to", json())}},
          "started");
  }
  return ControlApi::result_line(id, std::move(*result));
}

std::string done(const json& params, const json& id, const ExportAudit& audit) {
  const auto string_field = [&](const char* name) { return params.contains(name) && params[name].is_string(); };
  if (!string_field("what") || !string_field("format") || !string_field("last_hash") || !string_field("key_id") ||
      !params.contains("records") || !params["records"].is_number_unsigned()) {
    return ControlApi::error_line(id, rpc_error::kInvalidParams,
                                  "export.done needs 'what', 'format', 'records', 'last_hash' and 'key_id'");
  }
  audit(params, "written");
  return ControlApi::result_line(id, {{"recorded", true}});
}

}  // namespace

bool is_export_method(std::string_view method) { return method == "export.page" || method == "export.done"; }

std::string handle_export(storage::RocksStore& store, const std::string& method, const json& params, const json& id,
                          const ExportAudit& audit) {
  if (method == "export.page") return page(store, params, id, audit);
  return done(params, id, audit);
}

}  // namespace vigil::daemon
