// Classification table: classtype short name -> description and default priority, as in
// Suricata's (and Snort's) classification.config. Used by RuleParser.
// Thread contract: immutable, static data.
#pragma once

#include <string_view>

namespace vigil::rules {

struct Classification {
  std::string_view name;
  std::string_view description;
  int priority;
};

// nullptr when the classtype is not in the table.
const Classification* find_classification(std::string_view name);

}  // namespace vigil::rules
