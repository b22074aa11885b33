// Table: column-aligned text output for people (JSON output is for scripts).
// Thread contract: plain value, one thread.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace vigil::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  // The last column is never padded, so long titles don't leave trailing blanks.
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace vigil::cli
