// Who may call what on the control API, and who a Unix-socket caller is. The role table is the one
// place that says which role a method needs; the control API refuses a call by naming it.
// Thread contract: pure functions.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "config.h"

namespace vigil::daemon {

struct Caller {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
  std::string user;  // the account name of uid, or "uid:N" when it has none; over TLS the certificate subject
  Role role = Role::none;
  std::string via = "unix";  // the transport: "unix" (uid/gid from SO_PEERCRED) or "tls" (client certificate)
  std::string peer;          // over TLS: the client's address and port
};

// First mapping matching the uid or the gid; then uid 0 is admin; then the default role.
Role role_for(const ControlConfig& control, uid_t uid, gid_t gid);
std::string user_name(uid_t uid);

// The roles a method is open to (admin is included wherever responder is); empty for unknown methods.
const std::vector<Role>* roles_for_method(std::string_view method);
bool allowed(Role role, std::string_view method);
// "responder or admin"
std::string describe_roles(const std::vector<Role>& roles);

}  // namespace vigil::daemon
