// What the rules admin commands share: one call to vigild with its failure turned into an exit code,
// and the words people read for a rule's state and its overrides.
// Thread contract: main thread.
#pragma once

#include <iostream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon_client.h"
#include "exit_codes.h"
#include "i18n.h"
#include "time_text.h"

namespace vigil::cli {

// One call; on failure prints "vigil rules CMD: reason" and returns nullopt (exit 1: the daemon was
// unreachable or refused, e.g. an unknown sid or a role that may not change rules).
inline std::optional<nlohmann::json> call_daemon(const std::string& socket, const std::string& command,
                                                 const std::string& method, const nlohmann::json& params) {
  auto client = DaemonClient::connect(socket);
  if (!client) {
    std::cerr << "vigil rules " << command << ": " << client.error().message << "\n";
    return std::nullopt;
  }
  auto reply = client->call(method, params);
  if (!reply) {
    std::cerr << "vigil rules " << command << ": " << reply.error().message << "\n";
    return std::nullopt;
  }
  return *reply;
}

// A daemon time (RFC 3339) as people read it next to now: "5m ago", "in 6d"; "-" when empty.
inline std::string when_from(const nlohmann::json& text, Timestamp now) {
  if (!text.is_string() || text.get<std::string>().empty()) return "-";
  auto t = parse_timestamp(text.get<std::string>());
  return t ? when_text(*t, now) : text.get<std::string>();
}

inline std::string state_text(const std::string& state) {
  if (state == "enabled") return std::string(tr("enabled"));
  if (state == "disabled") return std::string(tr("disabled"));
  if (state == "not_loaded") return std::string(tr("not loaded"));
  if (state == "no_such_rule") return std::string(tr("no such rule"));
  return state;
}

inline std::string threshold_text(const nlohmann::json& t) {
  return t.value("type", "") + " " + t.value("track", "") + " " + std::to_string(t.value("count", 0)) + "/" +
         std::to_string(t.value("seconds", 0)) + "s";
}

}  // namespace vigil::cli
