#include "i18n.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace vigil::cli {

namespace {

Lang g_lang = Lang::en;

// English -> Vietnamese. Administrative Vietnamese as a provincial SOC writes it. Sorted at first use,
// so entries can be kept grouped by command here.
using Entry = std::pair<std::string_view, std::string_view>;
constexpr Entry kVietnamese[] = {
    {"Severity", "Mức độ"},
    {"State", "Trạng thái"},
    {"Incident", "Sự cố"},
    {"Incidents", "Sự cố"},
    {"Alert", "Cảnh báo"},
    {"Alerts", "Cảnh báo"},
    {"Time", "Thời gian"},
    {"Title", "Tiêu đề"},
    {"Rule", "Quy tắc"},
    {"Source", "Nguồn"},
    {"Destination", "Đích"},
};

const std::vector<Entry>& catalogue() {
  static const std::vector<Entry> sorted = [] {
    std::vector<Entry> entries(std::begin(kVietnamese), std::end(kVietnamese));
    std::sort(entries.begin(), entries.end());
    return entries;
  }();
  return sorted;
}

const std::string_view* find_vietnamese(std::string_view english) {
  const auto& entries = catalogue();
  auto it = std::lower_bound(entries.begin(), entries.end(), english,
                             [](const Entry& entry, std::string_view key) { return entry.first < key; });
  if (it == entries.end() || it->first != english) return nullptr;
  return &it->second;
}

}  // namespace

void set_lang(Lang language) { g_lang = language; }

Lang lang() { return g_lang; }

std::optional<Lang> parse_lang(std::string_view code) {
  if (code == "en") return Lang::en;
  if (code == "vi") return Lang::vi;
  return std::nullopt;
}

std::string_view tr(std::string_view english) {
  if (g_lang == Lang::en) return english;
  const std::string_view* vietnamese = find_vietnamese(english);
  return vietnamese != nullptr ? *vietnamese : english;
}

bool has_translation(std::string_view english) { return find_vietnamese(english) != nullptr; }

}  // namespace vigil::cli
