#include "table.h"

#include <algorithm>
#include <iostream>

#include "terminal.h"

namespace vigil::cli {

namespace {
constexpr size_t kGap = 2;           // blanks between columns
constexpr size_t kNarrowest = 10;    // a cut column keeps at least this much ("Tấn công…")
constexpr size_t kFreeText = 20;     // wider than this, a column other than the widest may be cut too
}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

Table::Table(std::initializer_list<std::string_view> headers) : headers_(headers.begin(), headers.end()) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

// Natural widths; then, while the line is too long, free text gives way: the widest column first,
// then any other column wider than kFreeText (titles, messages, details). Ids, times, counts and
// rule names are shorter and stay whole: a cut id cannot be acted on, so when that is not enough the
// line is left long for the terminal to wrap.
std::vector<size_t> Table::column_widths(size_t max_width) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = display_width(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  if (max_width == 0 || widths.empty()) return widths;
  size_t total = kGap * (widths.size() - 1);
  for (size_t width : widths) total += width;
  std::vector<size_t> by_width;
  for (size_t i = 0; i < widths.size(); ++i) {
    if (i != severity_column_) by_width.push_back(i);
  }
  std::stable_sort(by_width.begin(), by_width.end(), [&](size_t a, size_t b) { return widths[a] > widths[b]; });
  for (size_t rank = 0; rank < by_width.size() && total > max_width; ++rank) {
    const size_t column = by_width[rank];
    if (rank > 0 && widths[column] <= kFreeText) break;
    const size_t narrowest = std::max(kNarrowest, display_width(headers_[column]));
    if (widths[column] <= narrowest) continue;
    const size_t cut = std::min(total - max_width, widths[column] - narrowest);
    widths[column] -= cut;
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
