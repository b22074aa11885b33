#include "roles.h"

#include <pwd.h>

#include <algorithm>
#include <map>

namespace vigil::daemon {

namespace {

const std::map<std::string, std::vector<Role>, std::less<>>& method_roles() {
  using enum Role;
  static const std::map<std::string, std::vector<Role>, std::less<>> kTable = {
      {"status", {responder, admin, auditor, liaison}},
      {"alerts.list", {responder, admin, auditor, liaison}},
      {"incidents.list", {responder, admin, auditor, liaison}},
      {"incidents.get", {responder, admin, auditor, liaison}},
      {"incidents.events", {responder, admin, auditor, liaison}},
      {"alerts.tail", {responder, admin, auditor, liaison}},
      {"incidents.ack", {responder, admin}},
      {"incidents.assign", {responder, admin}},
      {"incidents.note", {responder, admin}},
      {"incidents.transition", {responder, admin}},
      {"incidents.resolve", {responder, admin}},
      {"incidents.escalate", {responder, admin}},
      {"incidents.report_sent", {liaison, admin}},
      {"reports.due", {liaison, admin, responder, auditor}},
      {"reports.form", {liaison, admin, responder, auditor}},
      {"reports.send", {liaison, admin}},
      {"correlation.list", {admin, responder, auditor}},
      {"rules.reload", {admin}},
      {"correlation.reload", {admin}},
      {"admin.backup", {admin}},
      {"audit.list", {auditor, admin}},
      {"audit.verify", {auditor, admin}},
      {"rules.list", {responder, admin, auditor}},
      {"rules.show", {responder, admin, auditor}},
      {"rules.suppressions", {responder, admin, auditor}},
      {"rules.stats", {responder, admin, auditor}},
      {"rules.disable", {admin}},
      {"rules.enable", {admin}},
      {"rules.threshold", {admin}},
      {"rules.suppress", {admin}},
      {"rules.unsuppress", {admin}},
      {"export.page", {auditor, admin}},
      {"export.done", {auditor, admin}},
  };
  return kTable;
}

}  // namespace

Role role_for(const ControlConfig& control, uid_t uid, gid_t gid) {
  for (const RoleMapping& m : control.roles) {
    if ((m.uid && *m.uid == uid) || (m.gid && *m.gid == gid)) return m.role;
  }
  if (uid == 0) return Role::admin;
  return control.default_role;
}

std::string user_name(uid_t uid) {
  struct passwd entry {};
  struct passwd* found = nullptr;
  char buffer[4096];
  if (::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr) return found->pw_name;
  return "uid:" + std::to_string(uid);
}

const std::vector<Role>* roles_for_method(std::string_view method) {
  const auto& table = method_roles();
  const auto it = table.find(method);
  return it == table.end() ? nullptr : &it->second;
}

bool allowed(Role role, std::string_view method) {
  const auto* roles = roles_for_method(method);
  return roles != nullptr && std::find(roles->begin(), roles->end(), role) != roles->end();
}

std::string describe_roles(const std::vector<Role>& roles) {
  std::string out;
  for (size_t i = 0; i < roles.size(); ++i) {
    if (i > 0) out += i + 1 == roles.size() ? " or " : ", ";
    out += to_string(roles[i]);
  }
  return out;
}

}  // namespace vigil::daemon
