// The Vietnamese incident taxonomy (the categories of national incident reporting) and how vigil derives
// an incident's category from a rule or from a signature's classification. Used by the rule loader, the
// Correlator and the incident policy. Thread contract: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil::correlator {

enum class IncidentCategory : uint8_t {
  denial_of_service,    // tấn công từ chối dịch vụ
  phishing,             // tấn công giả mạo
  malware,              // tấn công sử dụng mã độc
  unauthorized_access,  // truy cập trái phép, chiếm quyền điều khiển
  defacement,           // thay đổi giao diện
  ransomware,           // mã hóa phần mềm, dữ liệu, thiết bị
  data_destruction,     // phá hoại thông tin, dữ liệu, phần mềm
  data_theft,           // nghe lén, gián điệp, lấy cắp thông tin, dữ liệu
  combined,             // tổng hợp nhiều hình thức
  other,                // các hình thức tấn công khác
};

std::string_view to_string(IncidentCategory category);
// Accepts the names above; also '-' for '_' and any ASCII case.
std::optional<IncidentCategory> parse_incident_category(std::string_view text);

// From an alert's classification: its Suricata classtype name ("trojan-activity") or the description EVE
// carries in alert.category ("A Network Trojan was detected"). Reconnaissance and unknown ones are `other`.
IncidentCategory category_for_classification(std::string_view classtype_or_description);

}  // namespace vigil::correlator
