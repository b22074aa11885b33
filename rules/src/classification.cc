#include "classification.h"

#include <array>

namespace vigil::rules {
namespace {

// Suricata's classification.config (which ET Open ships), then the entries Snort's adds.
constexpr std::array kTable = {
    Classification{"not-suspicious", "Not Suspicious Traffic", 3},
    Classification{"unknown", "Unknown Traffic", 3},
    Classification{"bad-unknown", "Potentially Bad Traffic", 2},
    Classification{"attempted-recon", "Attempted Information Leak", 2},
    Classification{"successful-recon-limited", "Information Leak", 2},
    Classification{"successful-recon-largescale", "Large Scale Information Leak", 2},
    Classification{"attempted-dos", "Attempted Denial of Service", 2},
    Classification{"successful-dos", "Denial of Service", 2},
    Classification{"attempted-user", "Attempted User Privilege Gain", 1},
    Classification{"unsuccessful-user", "Unsuccessful User Privilege Gain", 1},
    Classification{"successful-user", "Successful User Privilege Gain", 1},
    Classification{"attempted-admin", "Attempted Administrator Privilege Gain", 1},
    Classification{"successful-admin", "Successful Administrator Privilege Gain", 1},
    Classification{"rpc-portmap-decode", "Decode of an RPC Query", 2},
    Classification{"shellcode-detect", "Executable code was detected", 1},
    Classification{"string-detect", "A suspicious string was detected", 3},
    Classification{"suspicious-filename-detect", "A suspicious filename was detected", 2},
    Classification{"suspicious-login", "An attempted login using a suspicious username was detected", 2},
    Classification{"system-call-detect", "A system call was detected", 2},
    Classification{"tcp-connection", "A TCP connection was detected", 4},
    Classification{"trojan-activity", "A Network Trojan was detected", 1},
    Classification{"unusual-client-port-connection", "A client was using an unusual port", 2},
    Classification{"network-scan", "Detection of a Network Scan", 3},
    Classification{"denial-of-service", "Detection of a Denial of Service Attack", 2},
    Classification{"non-standard-protocol", "Detection of a non-standard protocol or event", 2},
    Classification{"protocol-command-decode", "Generic Protocol Command Decode", 3},
    Classification{"web-application-activity", "access to a potentially vulnerable web application", 2},
    Classification{"web-application-attack", "Web Application Attack", 1},
    Classification{"misc-activity", "Misc activity", 3},
    Classification{"misc-attack", "Misc Attack", 2},
    Classification{"icmp-event", "Generic ICMP event", 3},
    Classification{"kickass-porn", "SCORE! Get the lotion!", 1},
    Classification{"policy-violation", "Potential Corporate Privacy Violation", 1},
    Classification{"default-login-attempt", "Attempt to login by a default username and password", 2},
    Classification{"targeted-activity", "Targeted Malicious Activity was Detected", 1},
    Classification{"exploit-kit", "Exploit Kit Activity Detected", 1},
    Classification{"external-ip-check", "Device Retrieving External IP Address Detected", 2},
    Classification{"domain-c2", "Domain Observed Used for C2 Detected", 1},
    Classification{"pup-activity", "Possibly Unwanted Program Detected", 2},
    Classification{"credential-theft", "Successful Credential Theft Detected", 1},
    Classification{"social-engineering", "Possible Social Engineering Attempted", 2},
    Classification{"coin-mining", "Crypto Currency Mining Activity Detected", 2},
    Classification{"command-and-control", "Malware Command and Control Activity Detected", 1},
    // Snort's additions.
    Classification{"inappropriate-content", "Inappropriate Content was Detected", 1},
    Classification{"sdf", "Sensitive Data", 2},
    Classification{"file-format", "Known malicious file or file based exploit", 1},
    Classification{"malware-cnc", "Known malware command and control traffic", 1},
    Classification{"client-side-exploit", "Known client side exploit attempt", 1},
};

}  // namespace

const Classification* find_classification(std::string_view name) {
  for (const Classification& c : kTable) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace vigil::rules
