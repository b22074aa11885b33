// Table: column-aligned text output for people (JSON output is for scripts). On a terminal it fits the
// window (the widest free-text column gives way, cut with "…") and colours a severity column; piped,
// every cell is printed whole and without colour (terminal.h decides).
// Thread contract: plain value, one thread.
#pragma once

#include <cstddef>
#include <ostream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  // Headers straight from tr(): Table table({tr("ID"), tr("SEVERITY"), tr("TITLE")});
  Table(std::initializer_list<std::string_view> headers);
  void add_row(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  // Cells of this column hold a severity ("critical", "high", ...): coloured on a colour terminal.
  void set_severity_column(size_t column) { severity_column_ = column; }
  // The last column is never padded, so long titles don't leave trailing blanks. Fits stdout's
  // terminal width and colours only when `out` is std::cout and stdout is a terminal.
  void print(std::ostream& out) const;
  // The same with the width (0: no limit) and colour given, whatever `out` is.
  void print(std::ostream& out, size_t max_width, bool color) const;

 private:
  std::vector<size_t> column_widths(size_t max_width) const;

  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  size_t severity_column_ = static_cast<size_t>(-1);
};

}  // namespace vigil::cli
