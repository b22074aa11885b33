// RuleInfo: what an alert needs to know about the signature that fired (EVE `alert{}` fields).
// Owned by an immutable RuleSet; pointers to it stay valid while the RuleSet lives.
#pragma once

#include <cstdint>
#include <string>

namespace vigil::rules {

struct RuleInfo {
  std::string action = "alert";  // alert, pass, drop, reject, log
  uint32_t gid = 1;
  uint32_t sid = 0;
  uint32_t rev = 0;
  std::string msg;
  std::string classtype;
  std::string category;  // classtype's description, as in Suricata's classification.config
  int priority = 3;      // EVE alert.severity
  bool noalert = false;  // matches update state (flowbits) but raise no alert
  std::string file;      // where the rule came from, for lint and `rules show`
  int line = 0;
};

}  // namespace vigil::rules
