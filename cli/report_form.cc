#include "report_form.h"

#include "i18n.h"
#include "time_arg.h"
#include "time_text.h"

namespace vigil::cli {

using nlohmann::json;

namespace {

struct Bilingual {
  const char* vi;
  const char* en;
};

// The national taxonomy of network information security incidents (incident_category.h).
struct CategoryName {
  const char* key;
  Bilingual name;
};
constexpr CategoryName kCategories[] = {
    {"denial_of_service", {"Tấn công từ chối dịch vụ", "Denial of service attack"}},
    {"phishing", {"Tấn công giả mạo", "Phishing (impersonation) attack"}},
    {"malware", {"Tấn công sử dụng mã độc", "Malware attack"}},
    {"unauthorized_access", {"Truy cập trái phép, chiếm quyền điều khiển", "Unauthorised access, taking control"}},
    {"defacement", {"Thay đổi giao diện", "Defacement"}},
    {"ransomware", {"Mã hóa phần mềm, dữ liệu, thiết bị", "Encryption of software, data, devices (ransomware)"}},
    {"data_destruction", {"Phá hoại thông tin, dữ liệu, phần mềm", "Destruction of information, data, software"}},
    {"data_theft", {"Nghe lén, gián điệp, lấy cắp thông tin, dữ liệu", "Eavesdropping, espionage, theft of information or data"}},
    {"combined", {"Tổng hợp nhiều hình thức", "Combined attack (several forms)"}},
    {"other", {"Các hình thức tấn công khác", "Other forms of attack"}},
};

// The form's field labels (the official form's wording and its English).
constexpr Bilingual kOrganisation{"Tổ chức báo cáo sự cố", "Reporting organisation"};
constexpr Bilingual kSystem{"Hệ thống thông tin bị sự cố", "Affected information system"};
constexpr Bilingual kOwner{"Đơn vị chủ quản", "Owning agency"};
constexpr Bilingual kLevel{"Cấp độ an toàn hệ thống thông tin", "Protection level of the system"};
constexpr Bilingual kType{"Loại sự cố", "Incident type"};
constexpr Bilingual kDescription{"Mô tả sự cố", "Description of the incident"};
constexpr Bilingual kDetected{"Thời điểm phát hiện sự cố", "Time the incident was detected"};
constexpr Bilingual kImpact{"Ảnh hưởng của sự cố", "Impact of the incident"};
constexpr Bilingual kActions{"Các biện pháp đã thực hiện", "Actions taken"};
constexpr Bilingual kHelp{"Đề nghị hỗ trợ", "Help requested"};

constexpr Bilingual kInitialTitle{"BÁO CÁO BAN ĐẦU SỰ CỐ AN TOÀN THÔNG TIN MẠNG", "INITIAL INCIDENT NOTICE"};
constexpr Bilingual kFullTitle{"BÁO CÁO ĐẦY ĐỦ SỰ CỐ AN TOÀN THÔNG TIN MẠNG", "FULL INCIDENT REPORT"};
constexpr Bilingual kFinalTitle{"BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ AN TOÀN THÔNG TIN MẠNG", "FINAL INCIDENT REPORT"};

std::string label(const Bilingual& text) {
  if (lang() == Lang::vi) return text.vi;
  return std::string(text.en) + " (" + text.vi + ")";
}

std::string text_or_missing(const json& value) {
  if (value.is_string() && !value.get<std::string>().empty()) return value.get<std::string>();
  return std::string(tr("[to be filled in]"));
}

std::string time_text(const json& value) {
  if (!value.is_string()) return "-";
  auto t = parse_timestamp(value.get<std::string>());
  return t ? table_time(*t) : value.get<std::string>();
}

void field(std::ostream& out, int number, const Bilingual& name, const std::string& value) {
  out << number << ". " << label(name) << ":" << (value.empty() ? "" : " " + value) << "\n";
}

void sub_field(std::ostream& out, const Bilingual& name, const std::string& value) {
  out << "   " << label(name) << ": " << value << "\n";
}

std::string join(const json& list) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += ", ";
    out += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return out;
}

}  // namespace

std::string category_name(std::string_view category) {
  for (const auto& c : kCategories) {
    if (category == c.key) return lang() == Lang::vi ? c.name.vi : c.name.en;
  }
  return std::string(category);
}

std::string report_title(std::string_view kind) {
  const Bilingual& title = kind == "full" ? kFullTitle : kind == "final" ? kFinalTitle : kInitialTitle;
  return lang() == Lang::vi ? title.vi : std::string(title.en) + " / " + title.vi;
}

void print_report_form(std::ostream& out, const json& form, Timestamp now) {
  out << report_title(form.value("kind", "initial")) << "\n";
  out << tr("Incident") << " " << form.value("incident_id", "") << " - " << tr("draft made by vigil at") << " "
      << table_time(now) << "\n\n";

  field(out, 1, kOrganisation, text_or_missing(form.value("reporting_organisation", json())));

  const json systems = form.value("affected_systems", json::array());
  if (systems.empty()) {
    field(out, 2, kSystem, text_or_missing(json()));
    sub_field(out, kOwner, form.value("agencies", json::array()).empty()
                               ? text_or_missing(json())
                               : join(form.value("agencies", json::array())));
  } else {
    field(out, 2, kSystem, "");
    for (const auto& system : systems) {
      out << "   - " << system.value("name", "") << " (" << system.value("zone", "") << "): "
          << join(system.value("addresses", json::array())) << "\n";
      out << "     " << label(kOwner) << ": " << system.value("agency", "") << "; " << label(kLevel) << ": "
          << system.value("protection_level", 0) << "\n";
    }
  }
  if (systems.empty()) {
    const int level = form.value("protection_level", 0);
    sub_field(out, kLevel, level > 0 ? std::to_string(level) : text_or_missing(json()));
  }

  const std::string category = form.value("category", "other");
  field(out, 3, kType, category_name(category) + " (" + category + ")");
  out << "   " << tr("Severity") << ": " << form.value("severity", "") << "; " << tr("TLP") << ": "
      << form.value("tlp", "") << "\n";
  sub_field(out, kDescription, form.value("title", ""));

  field(out, 4, kDetected, time_text(form.value("detected_at", json())));
  out << "   " << tr("First event") << ": " << time_text(form.value("first_seen", json())) << "; "
      << tr("last event") << ": " << time_text(form.value("last_seen", json())) << "; " << tr("events") << ": "
      << form.value("event_count", 0) << "\n";

  field(out, 5, kImpact, text_or_missing(form.value("impact", json())));

  const json actions = form.value("actions_taken", json::array());
  field(out, 6, kActions, actions.empty() ? text_or_missing(json()) : "");
  for (const auto& action : actions) {
    out << "   - " << time_text(action.value("time", json())) << "  " << action.value("actor", "") << ": "
        << action.value("what", "") << "\n";
  }
  out << "   " << tr("Status now") << ": " << form.value("state", "") << ", " << tr("layer") << " "
      << form.value("layer", 0) << "\n";

  field(out, 7, kHelp, text_or_missing(form.value("help_requested", json())));

  const json clock = form.value("report_clock", json::object());
  if (form.value("report_required", false)) {
    out << "\n" << tr("Report clock") << ": " << tr("initial notice due") << " "
        << time_text(clock.value("initial_due", json())) << ", " << tr("full report due") << " "
        << time_text(clock.value("full_due", json())) << "\n";
    const auto sent = [&](const char* key) {
      const json value = clock.value(key, json());
      return value.is_null() ? std::string(tr("not sent")) : std::string(tr("sent")) + " " + time_text(value);
    };
    out << tr("Initial notice") << ": " << sent("initial_sent") << "; " << tr("full report") << ": "
        << sent("full_sent") << "; " << tr("final report") << ": " << sent("final_sent") << "\n";
  } else if (form.value("drill", false)) {
    out << "\n" << tr("A drill: never reported to layer 4.") << "\n";
  } else {
    out << "\n" << tr("Not serious under the reporting policy: no layer-4 report is required.") << "\n";
  }
}

}  // namespace vigil::cli
