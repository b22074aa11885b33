// The national incident-report form as text: the fields of the Vietnamese form for reporting a network
// information security incident (reporting organisation, affected system and its protection level, incident
// type, detection time, impact, actions taken, help requested), filled from what reports.form returns
// (report_api.h). The form's field labels are the official wording, kept here in both languages, not in
// the tr() catalogue: with --lang vi the Vietnamese label, otherwise the English one followed by the
// Vietnamese, so a liaison copying into the official form finds each field. A field vigil could not fill
// says so in the current language.
// Thread contract: pure functions (read the language set once in main()).
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vigil/core/time.h"

namespace vigil::cli {

// The national taxonomy's name of an incident category ("unauthorized_access"): Vietnamese with --lang vi,
// else English; the key itself when it is not in the taxonomy.
std::string category_name(std::string_view category);

// The title of the report: "BÁO CÁO BAN ĐẦU SỰ CỐ AN TOÀN THÔNG TIN MẠNG" for kind "initial" with --lang vi.
std::string report_title(std::string_view kind);

// The whole form; `form` is reports.form's "form" object, `now` the time the draft is made.
void print_report_form(std::ostream& out, const nlohmann::json& form, Timestamp now);

}  // namespace vigil::cli
