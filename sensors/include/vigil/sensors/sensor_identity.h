// SensorIdentity: which sensor and network zone produced an event (EVE `sensor`, `zone`).
// Set once from the configuration and copied into every event the sensor emits.
// Thread contract: plain value.
#pragma once

#include <string>

namespace vigil::sensors {

struct SensorIdentity {
  std::string name;  // e.g. "wan-hn-01"
  std::string zone;  // e.g. "wan", "datacenter"
};

}  // namespace vigil::sensors
