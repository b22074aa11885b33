#include "vigil/correlator/incident_category.h"

#include <array>
#include <string>
#include <utility>

namespace vigil::correlator {

namespace {

constexpr std::array kNames = {
    std::pair{IncidentCategory::denial_of_service, std::string_view("denial_of_service")},
    std::pair{IncidentCategory::phishing, std::string_view("phishing")},
    std::pair{IncidentCategory::malware, std::string_view("malware")},
    std::pair{IncidentCategory::unauthorized_access, std::string_view("unauthorized_access")},
    std::pair{IncidentCategory::defacement, std::string_view("defacement")},
    std::pair{IncidentCategory::ransomware, std::string_view("ransomware")},
    std::pair{IncidentCategory::data_destruction, std::string_view("data_destruction")},
    std::pair{IncidentCategory::data_theft, std::string_view("data_theft")},
    std::pair{IncidentCategory::combined, std::string_view("combined")},
    std::pair{IncidentCategory::other, std::string_view("other")},
};

std::string normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '-' || c == ' ') c = '_';
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// Suricata/Snort classtypes (and their descriptions, which EVE shows as alert.category) by what an
// analyst reports them as. Reconnaissance is not an incident category of its own: it stays `other`.
struct ClassMapping {
  std::string_view classtype;
  std::string_view description;
  IncidentCategory category;
};
constexpr std::array kClassMappings = {
    ClassMapping{"attempted-dos", "attempted denial of service", IncidentCategory::denial_of_service},
    ClassMapping{"successful-dos", "denial of service", IncidentCategory::denial_of_service},
    ClassMapping{"denial-of-service", "detection of a denial of service attack", IncidentCategory::denial_of_service},
    ClassMapping{"social-engineering", "possible social engineering attempted", IncidentCategory::phishing},
    ClassMapping{"trojan-activity", "a network trojan was detected", IncidentCategory::malware},
    ClassMapping{"command-and-control", "malware command and control activity detected", IncidentCategory::malware},
    ClassMapping{"malware-cnc", "known malware command and control traffic", IncidentCategory::malware},
    ClassMapping{"domain-c2", "domain observed used for c2 detected", IncidentCategory::malware},
    ClassMapping{"exploit-kit", "exploit kit activity detected", IncidentCategory::malware},
    ClassMapping{"shellcode-detect", "executable code was detected", IncidentCategory::malware},
    ClassMapping{"file-format", "known malicious file or file based exploit", IncidentCategory::malware},
    ClassMapping{"client-side-exploit", "known client side exploit attempt", IncidentCategory::malware},
    ClassMapping{"coin-mining", "crypto currency mining activity detected", IncidentCategory::malware},
    ClassMapping{"pup-activity", "possibly unwanted program detected", IncidentCategory::malware},
    ClassMapping{"attempted-user", "attempted user privilege gain", IncidentCategory::unauthorized_access},
    ClassMapping{"unsuccessful-user", "unsuccessful user privilege gain", IncidentCategory::unauthorized_access},
    ClassMapping{"successful-user", "successful user privilege gain", IncidentCategory::unauthorized_access},
    ClassMapping{"attempted-admin", "attempted administrator privilege gain", IncidentCategory::unauthorized_access},
    ClassMapping{"successful-admin", "successful administrator privilege gain", IncidentCategory::unauthorized_access},
    ClassMapping{"web-application-attack", "web application attack", IncidentCategory::unauthorized_access},
    ClassMapping{"suspicious-login", "an attempted login using a suspicious username was detected",
                 IncidentCategory::unauthorized_access},
    ClassMapping{"default-login-attempt", "attempt to login by a default username and password",
                 IncidentCategory::unauthorized_access},
    ClassMapping{"targeted-activity", "targeted malicious activity was detected", IncidentCategory::unauthorized_access},
    ClassMapping{"credential-theft", "successful credential theft detected", IncidentCategory::data_theft},
    ClassMapping{"successful-recon-largescale", "large scale information leak", IncidentCategory::data_theft},
    ClassMapping{"sdf", "sensitive data", IncidentCategory::data_theft},
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

}  // namespace

std::string_view to_string(IncidentCategory category) {
  for (const auto& [value, name] : kNames) {
    if (value == category) return name;
  }
  return "other";
}

std::optional<IncidentCategory> parse_incident_category(std::string_view text) {
  std::string wanted = normalize(text);
  for (const auto& [value, name] : kNames) {
    if (name == wanted) return value;
  }
  return std::nullopt;
}

IncidentCategory category_for_classification(std::string_view classtype_or_description) {
  std::string text = lower(classtype_or_description);
  for (const auto& mapping : kClassMappings) {
    if (text == mapping.classtype || text == mapping.description) return mapping.category;
  }
  return IncidentCategory::other;
}

}  // namespace vigil::correlator
