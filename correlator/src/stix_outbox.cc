#include "vigil/correlator/stix_outbox.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

extern char** environ;

namespace vigil::correlator {

namespace {

using Json = nlohmann::ordered_json;

uint64_t fnv1a(std::string_view text, uint64_t seed) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (char c : text) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

// RFC 9562 version 8 (custom) UUID from a name: deterministic without a SHA-1 implementation.
std::string stix_name_uuid(std::string_view name) {
  uint64_t hi = fnv1a(name, 0x5354495856494731ULL);
  uint64_t lo = fnv1a(name, 0x564947494c535458ULL);
  hi = (hi & ~0xF000ULL) | 0x8000ULL;                          // version 8
  lo = (lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);          // variant 10
  char out[37];
  std::snprintf(out, sizeof(out), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return out;
}

namespace {

// STIX timestamps: RFC 3339 in UTC with a Z.
std::string stix_time(Timestamp ts) {
  std::string text = format_timestamp(ts);  // "2024-03-01T10:15:30.123456+0000"
  return text.substr(0, text.size() - 5) + "Z";
}

std::string pattern_for(const Observable& observable) {
  auto quoted = [](const std::string& v) {
    std::string out;
    for (char c : v) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    return "'" + out + "'";
  };
  if (observable.type == "ip") {
    bool v6 = observable.value.find(':') != std::string::npos;
    return std::string("[") + (v6 ? "ipv6-addr" : "ipv4-addr") + ":value = " + quoted(observable.value) + "]";
  }
  if (observable.type == "domain") return "[domain-name:value = " + quoted(observable.value) + "]";
  if (observable.type == "url") return "[url:value = " + quoted(observable.value) + "]";
  if (observable.type == "hash") {
    const char* algorithm = observable.value.size() == 32 ? "MD5" : observable.value.size() == 40 ? "'SHA-1'" : "'SHA-256'";
    return std::string("[file:hashes.") + algorithm + " = " + quoted(observable.value) + "]";
  }
  return "";  // ports alone are not indicators
}

Result<std::string> run_sender(const std::vector<std::string>& sender, const std::string& file) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return fail(ErrorCode::io_error, "layer-4 sender: cannot create a pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<std::string> args = sender;
  args.push_back(file);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    return fail(ErrorCode::io_error, "layer-4 sender: cannot run " + sender.front());
  }
  std::string output;
  char buffer[1024];
  ssize_t n = 0;
  while ((n = ::read(pipe_fds[0], buffer, sizeof(buffer))) > 0) output.append(buffer, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail(ErrorCode::io_error, "layer-4 sender " + sender.front() + " refused " + file);
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r' || output.back() == ' ')) output.pop_back();
  return output.empty() ? std::string("accepted") : output;
}

}  // namespace

bool needs_layer4_report(const Incident& incident) { return incident.report_required && !incident.drill; }

std::string format_stix_bundle(const Incident& incident, const std::string& organisation) {
  const std::string created = stix_time(incident.first_seen);
  const std::string modified = stix_time(incident.timeline.empty() ? incident.last_seen : incident.timeline.back().time);
  const std::string identity_id = "identity--" + stix_name_uuid("identity|" + organisation);
  const std::string incident_id = "incident--" + stix_name_uuid("incident|" + incident.id);

  Json objects = Json::array();
  objects.push_back({{"type", "identity"}, {"spec_version", "2.1"}, {"id", identity_id}, {"created", created},
                     {"modified", created}, {"name", organisation}, {"identity_class", "organization"}});
  Json inc{{"type", "incident"},
           {"spec_version", "2.1"},
           {"id", incident_id},
           {"created", created},
           {"modified", modified},
           {"name", incident.title},
           {"description", "vigil " + incident.id + ", rule " + incident.rule_id + ", " +
                               std::to_string(incident.event_count) + " events"},
           {"created_by_ref", identity_id},
           {"x_vigil_id", incident.id},
           {"x_vigil_category", incident.category},
           {"x_vigil_severity", std::string(to_string(incident.severity))},
           {"x_vigil_state", std::string(to_string(incident.state))},
           {"x_vigil_layer", incident.layer},
           {"x_vigil_agencies", incident.agencies},
           {"x_vigil_detected_at", stix_time(incident.report.detected_at)},
           {"x_vigil_tlp", incident.tlp}};
  objects.push_back(std::move(inc));
  for (const auto& observable : incident.observables) {
    std::string pattern = pattern_for(observable);
    if (pattern.empty()) continue;
    std::string key = incident.id + "|" + observable.type + "|" + observable.value;
    std::string indicator_id = "indicator--" + stix_name_uuid("indicator|" + key);
    objects.push_back({{"type", "indicator"}, {"spec_version", "2.1"}, {"id", indicator_id}, {"created", created},
                       {"modified", created}, {"created_by_ref", identity_id}, {"pattern", pattern},
                       {"pattern_type", "stix"}, {"valid_from", created}});
    objects.push_back({{"type", "sighting"},
                       {"spec_version", "2.1"},
                       {"id", "sighting--" + stix_name_uuid("sighting|" + key)},
                       {"created", created},
                       {"modified", modified},
                       {"created_by_ref", identity_id},
                       {"sighting_of_ref", indicator_id},
                       {"first_seen", created},
                       {"last_seen", stix_time(incident.last_seen)},
                       {"count", std::min<uint64_t>(incident.event_count, 999'999'999)},
                       {"where_sighted_refs", Json::array({identity_id})}});
  }
  Json bundle{{"type", "bundle"}, {"id", "bundle--" + stix_name_uuid("bundle|" + incident.id + "|" + modified)},
              {"objects", std::move(objects)}};
  return bundle.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<void> StixOutboxForwarder::deliver(std::span<const std::string> records) {
  std::error_code ec;
  std::filesystem::create_directories(outbox_, ec);
  if (ec) return fail(ErrorCode::io_error, "layer-4 outbox " + outbox_.string() + ": " + ec.message());
  for (const auto& record : records) {
    std::string bundle_id;
    std::string incident_id;
    std::string report_kind = "initial";
    try {
      auto bundle = Json::parse(record);
      bundle_id = bundle.at("id").get<std::string>();
      for (const auto& object : bundle.at("objects")) {
        if (object.at("type") != "incident") continue;
        incident_id = object.value("x_vigil_id", "");
        report_kind = object.value("x_vigil_report_kind", "initial");
      }
    } catch (const std::exception&) {
      // A record that is not a bundle can never be delivered; keeping it would block the queue forever.
      continue;
    }
    const auto file = outbox_ / (bundle_id + ".json");
    const auto tmp = outbox_ / (bundle_id + ".json.tmp");
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << record << '\n';
      if (!out.flush()) return fail(ErrorCode::io_error, "layer-4 outbox: cannot write " + tmp.string());
    }
    std::filesystem::rename(tmp, file, ec);
    if (ec) return fail(ErrorCode::io_error, "layer-4 outbox: cannot write " + file.string() + ": " + ec.message());
    std::string receipt = "written to outbox";
    if (!sender_.empty()) {
      auto sent = run_sender(sender_, file.string());
      if (!sent) return fail(sent.error());
      receipt = *sent;
    }
    if (on_receipt_) on_receipt_({incident_id, file.string(), receipt, report_kind});
  }
  return ok();
}

}  // namespace vigil::correlator
