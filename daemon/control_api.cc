#include "control_api.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>

#include "correlation_api.h"
#include "export_api.h"
#include "incident_api.h"
#include "json_params.h"
#include "report_api.h"
#include "vigil/core/eve_json.h"
#include "vigil/correlator/incident_actions.h"

namespace vigil::daemon {

using nlohmann::json;
// The params readers: each bad parameter becomes one kInvalidParams reply.
using rpc_params::BadParams;
using rpc_params::field;
using rpc_params::opt_string;
using rpc_params::req_string;
using rpc_params::opt_int;
using rpc_params::must;

namespace {

json incident_json(const Incident& incident) { return json::parse(to_json(incident)); }

json audit_entry_json(const storage::AuditEntry& entry) {
  json detail = json::parse(entry.detail, nullptr, false);
  return {{"seq", entry.seq},
          {"time", format_timestamp(entry.time)},
          {"actor", entry.actor},
          {"action", entry.action},
          {"detail", detail.is_discarded() ? json(entry.detail) : detail}};
}

// Applies one lifecycle action, chosen by method, to the incident (pure; the caller stores it).
Result<void> apply_action(Incident& incident, const std::string& method, const json& params, const std::string& actor,
                          Timestamp now) {
  namespace c = correlator;
  if (method == "incidents.ack") return c::acknowledge(incident, actor, now);
  if (method == "incidents.assign") return c::assign(incident, req_string(params, "assignee"), actor, now);
  if (method == "incidents.note") return c::add_note(incident, req_string(params, "text"), actor, now);
  if (method == "incidents.resolve") {
    return c::resolve(incident, must(parse_resolution(req_string(params, "resolution")), "resolution"), actor, now);
  }
  if (method == "incidents.escalate") {
    const int layer = static_cast<int>(opt_int(params, "layer", 1, 4).value_or(incident.layer + 1));
    return c::escalate(incident, layer, opt_string(params, "reason").value_or(""), actor, now);
  }
  if (method == "incidents.report_sent") {
    const json& full = field(params, "full");
    if (!full.is_boolean()) throw BadParams{"'full' must be true (full report) or false (initial notice)"};
    return c::record_report_sent(incident, full.get<bool>(), req_string(params, "receipt"), actor, now);
  }
  // incidents.transition
  const IncidentState to = must(parse_incident_state(req_string(params, "state")), "state");
  Resolution resolution = Resolution::none;
  if (auto r = opt_string(params, "resolution")) resolution = must(parse_resolution(*r), "resolution");
  return c::change_state(incident, to, actor, now, resolution);
}

}  // namespace

ControlApi::ControlApi(storage::RocksStore& store, Pipeline& pipeline, const Clock& clock, ControlHooks hooks)
    : store_(store), pipeline_(pipeline), clock_(clock), hooks_(std::move(hooks)) {}

std::string ControlApi::error_line(const json& id, int code, const std::string& message) {
  return daemon::error_line(id, code, message);
}

std::string ControlApi::result_line(const json& id, json result) { return daemon::result_line(id, std::move(result)); }

void ControlApi::handle(const Caller& caller, std::string_view line, Reply reply) {
  DecodedLine decoded = decode_request(line);
  if (!decoded.request) return reply(std::move(decoded.error_reply));
  const json id = std::move(decoded.request->id);
  const bool notification = decoded.request->notification;
  const std::string method = std::move(decoded.request->method);
  const json params = std::move(decoded.request->params);
  // A notification runs, but nothing is sent back, not even an error (JSON-RPC 2.0, section 4.1).
  Reply respond = notification ? Reply([](std::string) {}) : std::move(reply);
  const auto* roles = roles_for_method(method);
  if (roles == nullptr) return respond(error_line(id, rpc_error::kMethodNotFound, "no such method: " + method));
  if (!allowed(caller.role, method)) {
    return respond(error_line(id, rpc_error::kForbidden,
                              method + " needs the role " + describe_roles(*roles) + "; " + caller.user + " has " +
                                  (caller.role == Role::none ? std::string("no role")
                                                             : "the role " + std::string(to_string(caller.role)))));
  }
  try {
    dispatch(caller, method, params, id, respond);
  } catch (const BadParams& bad) {
    respond(error_line(id, rpc_error::kInvalidParams, bad.message));
  } catch (const Error& error) {
    respond(error_line(id, rpc_error::kFailed, error.message));
  } catch (const std::exception& e) {
    respond(error_line(id, rpc_error::kInternal, std::string("internal error: ") + e.what()));
  }
}

void ControlApi::dispatch(const Caller& caller, const std::string& method, const json& params, const json& id,
                          Reply reply) {
  if (method == "status") {
    json status = hooks_.status ? hooks_.status() : json::object();
    status["caller"] = {{"user", caller.user}, {"uid", caller.uid}, {"role", to_string(caller.role)}, {"via", caller.via}};
    return reply(result_line(id, std::move(status)));
  }
  if (is_incident_read_method(method)) return reply(handle_incident_read(store_, method, params, id));
  if (method == "alerts.tail") {
    if (!hooks_.alerts_tail) return reply(error_line(id, rpc_error::kInternal, method + " is not wired"));
    return reply(result_line(id, hooks_.alerts_tail(params)));
  }
  if (method == "incidents.get") {
    auto incident = store_.get(req_string(params, "id"));
    if (!incident) throw incident.error();
    if (!*incident) return reply(error_line(id, rpc_error::kNotFound, "no incident " + req_string(params, "id")));
    return reply(result_line(id, incident_json(**incident)));
  }
  if (method == "audit.list") {
    const auto from = opt_int(params, "from_seq", 0, INT64_MAX).value_or(0);
    const auto limit = opt_int(params, "limit", 1, 10'000).value_or(100);
    auto entries = store_.audit_entries(static_cast<uint64_t>(from), static_cast<size_t>(limit));
    if (!entries) throw entries.error();
    json out = json::array();
    for (const auto& entry : *entries) out.push_back(audit_entry_json(entry));
    return reply(result_line(id, {{"entries", std::move(out)}}));
  }
  if (method == "audit.verify") {
    auto verdict = store_.verify_audit();
    if (!verdict) throw verdict.error();
    json out = {{"intact", verdict->intact()}, {"entries", verdict->entries}, {"problem", verdict->problem}};
    out["first_seq"] = verdict->first_seq ? json(*verdict->first_seq) : json();
    out["last_seq"] = verdict->last_seq ? json(*verdict->last_seq) : json();
    out["first_broken"] = verdict->first_broken ? json(*verdict->first_broken) : json();
    return reply(result_line(id, std::move(out)));
  }
  if (method == "admin.backup") return reply(backup(caller, params, id));
  if (is_export_method(method)) {
    return reply(handle_export(store_, method, params, id, [&](const json& recorded, const std::string& outcome) {
      audit(caller, method, recorded, outcome);
    }));
  }
  if (is_report_method(method)) {
    const ReportApiContext context{store_, hooks_.forwarding, hooks_.policy, clock_.now(),
                                   [&](const json& recorded, const std::string& outcome) {
                                     audit(caller, method, recorded, outcome);
                                   }};
    return reply(handle_report(context, method, params, id));
  }
  if (is_correlation_method(method)) return handle_correlation(store_, pipeline_, method, params, id, reply);
  if (is_rule_admin_method(method) && hooks_.rule_admin != nullptr) {
    return handle_rule_admin(*hooks_.rule_admin, hooks_.reload_rules_with, caller.user, method, params, id,
                             [this, caller, method](const json& recorded, const std::string& outcome) {
                               audit(caller, method, recorded, outcome);
                             },
                             reply);
  }
  if (method == "rules.reload" || method == "correlation.reload") {
    const auto& hook = method == "rules.reload" ? hooks_.reload_rules : hooks_.reload_correlation;
    if (!hook) return reply(error_line(id, rpc_error::kInternal, method + " is not wired"));
    hook([this, caller, method, params, id, reply](Result<std::string> outcome) {
      if (outcome) {
        audit(caller, method, params, *outcome);
        reply(result_line(id, {{"reloaded", true}, {"summary", *outcome}}));
      } else {
        audit(caller, method, params, "refused: " + outcome.error().message);
        reply(error_line(id, outcome.error().code == ErrorCode::unsupported ? rpc_error::kBusy : rpc_error::kFailed,
                         outcome.error().message));
      }
    });
    return;
  }
  change_incident(caller, method, params, id, std::move(reply));
}

std::string ControlApi::backup(const Caller& caller, const json& params, const json& id) {
  // The daemon's working dir is not the caller's: only absolute paths mean the same to both.
  const std::string to = req_string(params, "to");
  if (!std::filesystem::path(to).is_absolute()) throw BadParams{"'to' must be an absolute path"};
  // The caller names the dir it means to back up, so a socket that leads to another daemon's store
  // is refused instead of copying the wrong dir.
  if (auto data_dir = opt_string(params, "data_dir")) {
    std::error_code ec;
    if (!std::filesystem::equivalent(*data_dir, store_.dir(), ec)) {
      throw BadParams{"this vigild's data dir is " + store_.dir() + ", not " + *data_dir};
    }
  }
  // On the control thread: a checkpoint flushes the memtables and hard-links table files, which
  // takes well under a second and must not stall the pipeline's ingest.
  auto done = store_.checkpoint(to);
  audit(caller, "admin.backup", params, done ? "written" : "failed: " + done.error().message);
  if (!done) {
    return error_line(id, done.error().code == ErrorCode::invalid_argument ? rpc_error::kInvalidParams
                                                                           : rpc_error::kFailed,
                      done.error().message);
  }
  return result_line(id, {{"data_dir", store_.dir()}, {"to", to}});
}

void ControlApi::change_incident(const Caller& caller, const std::string& method, const json& params, const json& id,
                                 Reply reply) {
  const std::string incident_id = req_string(params, "id");
  // On the pipeline thread: the read-change-write of the incident cannot interleave with the
  // correlator's own flush of the same incident, and the correlator learns of it before the next event.
  pipeline_.post([this, caller, method, params, id, incident_id, reply](correlator::Correlator& correlator) {
    try {
      auto stored = store_.get(incident_id);
      if (!stored) return reply(error_line(id, rpc_error::kFailed, stored.error().message));
      if (!*stored) return reply(error_line(id, rpc_error::kNotFound, "no incident " + incident_id));
      Incident incident = std::move(**stored);
      if (auto done = apply_action(incident, method, params, caller.user, clock_.now()); !done) {
        return reply(error_line(id, rpc_error::kRefused, done.error().message));
      }
      // A note given with the change (resolve, escalate) is stored in the same write.
      if (auto noted = add_note_param(incident, params, caller.user, clock_.now()); !noted) {
        return reply(error_line(id, rpc_error::kInvalidParams, noted.error().message));
      }
      if (auto put = store_.put(incident); !put) return reply(error_line(id, rpc_error::kFailed, put.error().message));
      correlator.incident_changed(incident);
      audit(caller, method, params);
      reply(result_line(id, incident_json(incident)));
    } catch (const BadParams& bad) {
      reply(error_line(id, rpc_error::kInvalidParams, bad.message));
    } catch (const std::exception& e) {
      reply(error_line(id, rpc_error::kInternal, std::string("internal error: ") + e.what()));
    }
  });
}

void ControlApi::audit(const Caller& caller, const std::string& method, const json& params,
                       const std::string& outcome) {
  storage::AuditEntry entry;
  entry.time = clock_.now();
  entry.actor = caller.user;
  entry.action = method;
  json detail = {{"role", to_string(caller.role)}, {"via", caller.via}, {"params", params}};
  // A TLS caller is its certificate subject (the actor); its uid would be the daemon's own.
  if (caller.via == "tls") {
    detail["peer"] = caller.peer;
  } else {
    detail["uid"] = caller.uid;
  }
  if (!outcome.empty()) detail["outcome"] = outcome;
  entry.detail = detail.dump();
  if (auto appended = store_.append_audit(entry); !appended) {
    // The change itself is stored; an audit chain that cannot be written is an operator's problem now.
    spdlog::error("audit chain: could not record {} by {}: {}", method, caller.user, appended.error().message);
  }
}

}  // namespace vigil::daemon
