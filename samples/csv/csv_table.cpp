#include "csv_table.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "cairn/errors.h"

namespace csv_sample {

namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  std::string cell = text.substr(first, last - first + 1);
  if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
  return cell;
}

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    cells.push_back(trim(line.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return cells;
}

// strtod accepting the whole cell only; "nan" and "inf" are refused because
// they poison training silently.
bool parse_number(const std::string& cell, double& value) {
  if (cell.empty()) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtod(cell.c_str(), &end);
  return end == cell.c_str() + cell.size() && errno != ERANGE && std::isfinite(value);
}

bool all_numeric(const std::vector<std::string>& cells) {
  double ignored = 0;
  for (const auto& cell : cells) {
    if (!parse_number(cell, ignored)) return false;
  }
  return true;
}

}  // namespace

CsvTable read_csv(const std::string& owner, const std::string& path, HeaderMode header) {
  std::ifstream in(path);
  if (!in) {
    throw cairn::ConfigError(owner + ": cannot open '" + path + "': " + std::strerror(errno) + "; check config field 'path'");
  }
  CsvTable table;
  std::string line;
  int line_number = 0;
  size_t columns = 0;
  int columns_line = 0;
  bool first_content_line = true;
  while (std::getline(in, line)) {
    ++line_number;
    if (trim(line).empty()) continue;
    std::vector<std::string> cells = split_cells(line);
    if (first_content_line) {
      first_content_line = false;
      columns = cells.size();
      columns_line = line_number;
      const bool is_header = header == HeaderMode::kYes || (header == HeaderMode::kAuto && !all_numeric(cells));
      if (is_header) {
        table.header = std::move(cells);
        continue;
      }
    }
    if (cells.size() != columns) {
      throw cairn::ConfigError(owner + ": " + path + ":" + std::to_string(line_number) + ": has " +
                               std::to_string(cells.size()) + " columns, but line " + std::to_string(columns_line) +
                               " has " + std::to_string(columns) + "; every row needs the same number of cells");
    }
    std::vector<double> row(cells.size());
    for (size_t c = 0; c < cells.size(); ++c) {
      if (!parse_number(cells[c], row[c])) {
        throw cairn::ConfigError(owner + ": " + path + ":" + std::to_string(line_number) + ":" + std::to_string(c + 1) +
                                 ": '" + cells[c] + "' is not a number" +
                                 (table.rows.empty() && header == HeaderMode::kNo ? " (if it is a header, set \"header\": true)" : ""));
      }
    }
    table.rows.push_back(std::move(row));
    table.row_lines.push_back(line_number);
  }
  if (in.bad()) throw cairn::ConfigError(owner + ": reading '" + path + "' failed: " + std::strerror(errno));
  if (table.rows.empty()) {
    throw cairn::ConfigError(owner + ": '" + path + "' has no data rows" +
                             (table.header.empty() ? "" : " (only a header)") + "; give a CSV file with at least one row");
  }
  return table;
}

}  // namespace csv_sample
