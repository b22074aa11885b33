#include "table.h"

#include <algorithm>
#include <iostream>

#include "terminal.h"

namespace vigil::cli {

namespace {
constexpr size_t kGap = 2;           // blanks between columns
constexpr size_t kNarrowest = 8;     // a cut column keeps at least this much ("Tấn công…")
}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

// Natural widths, then, while the line is too long, the widest column other than the severity gives
// way: that is the free text (titles, messages, details); ids, times and counts are short and must
// stay whole. When even that is not enough the line is left long rather than cutting ids.
std::vector<size_t> Table::column_widths(size_t max_width) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = display_width(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  if (max_width == 0 || widths.empty()) return widths;
  size_t total = kGap * (widths.size() - 1);
  for (size_t width : widths) total += width;
  while (total > max_width) {
    size_t widest = widths.size();
    for (size_t i = 0; i < widths.size(); ++i) {
      if (i == severity_column_ || widths[i] <= kNarrowest) continue;
      if (widest == widths.size() || widths[i] > widths[widest]) widest = i;
    }
    if (widest == widths.size()) break;
    const size_t cut = std::min(total - max_width, widths[widest] - kNarrowest);
    widths[widest] -= cut;
    total -= cut;
  }
  return widths;
}

void Table::print(std::ostream& out) const {
  const bool to_stdout = &out == &std::cout;
  print(out, to_stdout ? stdout_columns() : 0, to_stdout && stdout_color());
}

void Table::print(std::ostream& out, size_t max_width, bool color) const {
  const std::vector<size_t> widths = column_widths(max_width);
  auto print_row = [&](const std::vector<std::string>& row, bool header) {
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string cell = fit_width(row[i], widths[i]);
      // Colour wraps the cell only; padding is counted on the visible text so columns stay aligned.
      std::string_view style = !color ? "" : header ? kBold : i == severity_column_ ? severity_color(cell) : "";
      if (!style.empty()) {
        out << style << cell << kColorReset;
      } else {
        out << cell;
      }
      if (i + 1 < row.size()) out << std::string(widths[i] - display_width(cell) + kGap, ' ');
    }
    out << '\n';
  };
  print_row(headers_, true);
  for (const auto& row : rows_) print_row(row, false);
}

}  // namespace vigil::cli
