// Reading a numeric CSV file into rows of doubles, with errors that point at
// the file, line and column.
#pragma once

#include <string>
#include <vector>

namespace csv_sample {

enum class HeaderMode { kAuto, kYes, kNo };

struct CsvTable {
  std::vector<std::string> header;  // empty when the file has none
  std::vector<std::vector<double>> rows;
  std::vector<int> row_lines;  // 1-based line of each row, for later messages
};

// Throws cairn::ConfigError prefixed with `owner`: a missing or unreadable
// file, a non-numeric cell (path:line:column), rows of differing length, a
// file without data rows. Blank lines are skipped; cells may be padded with
// spaces and wrapped in double quotes.
CsvTable read_csv(const std::string& owner, const std::string& path, HeaderMode header);

}  // namespace csv_sample
