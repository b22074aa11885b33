// Table: column-aligned text output for people (JSON output is for scripts).
// Thread contract: plain value, one thread.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace vigil::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  // Cells of this column hold a severity ("critical", "high", ...): coloured on a colour terminal.
  void set_severity_column(size_t column) { severity_column_ = column; }
  // The last column is never padded, so long titles don't leave trailing blanks.
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  size_t severity_column_ = static_cast<size_t>(-1);
};

}  // namespace vigil::cli
