// Dataset plugin "csv": classification data from a numeric CSV file.
//
// Config: {"path": "data.csv",        required
//          "label_column": -1,        index (negative counts from the end) or,
//                                     with a header, a column name; default last
//          "header": "auto",          "auto" (a first row that is not all
//                                     numbers is a header), true or false
//          "batch_size": 32, "shuffle": true}
//
// Every other column is a float feature; labels must be integer class indices
// (0, 1, 2, ...), as cross-entropy expects.
#include <ATen/ATen.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "cairn/config.h"
#include "cairn/dataset.h"
#include "cairn/plugin.h"
#include "csv_table.h"

namespace {

const char* const kOwner = "dataset 'csv'";

csv_sample::HeaderMode read_header_mode(cairn::Config& cfg) {
  const nlohmann::json field = cfg.get<nlohmann::json>("header", "auto");
  if (field.is_boolean()) return field.get<bool>() ? csv_sample::HeaderMode::kYes : csv_sample::HeaderMode::kNo;
  if (field == "auto") return csv_sample::HeaderMode::kAuto;
  cfg.fail("header", "must be \"auto\", true or false (got " + field.dump() + ")");
}

// The label column's index, from an integer (negative: from the end) or a
// header name.
size_t resolve_label_column(const cairn::Config& cfg, const nlohmann::json& field, const csv_sample::CsvTable& table) {
  const int64_t columns = static_cast<int64_t>(table.rows.front().size());
  if (columns < 2) cfg.fail("path", "names a file with " + std::to_string(columns) + " column; it needs features and a label");
  if (field.is_null()) return static_cast<size_t>(columns - 1);
  if (field.is_string()) {
    const std::string name = field.get<std::string>();
    for (size_t c = 0; c < table.header.size(); ++c) {
      if (table.header[c] == name) return c;
    }
    cfg.fail("label_column", "names '" + name + "', which is not a column of the header" +
                                 (table.header.empty() ? " (the file has no header)" : ""));
  }
  if (!field.is_number_integer()) cfg.fail("label_column", "must be a column index or a header name (got " + field.dump() + ")");
  const int64_t index = field.get<int64_t>();
  const int64_t resolved = index < 0 ? columns + index : index;
  if (resolved < 0 || resolved >= columns) {
    cfg.fail("label_column", "is " + std::to_string(index) + ", outside the file's " + std::to_string(columns) + " columns");
  }
  return static_cast<size_t>(resolved);
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

class CsvDataset : public cairn::Dataset {
 public:
  CsvDataset(const csv_sample::CsvTable& table, size_t label_column, const std::string& path, int64_t batch_size,
             bool shuffle)
      : batch_size_(batch_size), shuffle_(shuffle) {
    samples_ = static_cast<int64_t>(table.rows.size());
    features_ = static_cast<int64_t>(table.rows.front().size()) - 1;
    inputs_.reserve(static_cast<size_t>(samples_ * features_));
    for (size_t r = 0; r < table.rows.size(); ++r) {
      const auto& row = table.rows[r];
      const double label = row[label_column];
      if (label < 0 || label != std::floor(label) || label > 1e9) {
        throw cairn::ConfigError(std::string(kOwner) + ": " + path + ":" + std::to_string(table.row_lines[r]) + ":" +
                                 std::to_string(label_column + 1) + ": label " + format_number(label) +
                                 " is not a class index (0, 1, 2, ...); check label_column");
      }
      labels_.push_back(static_cast<int64_t>(label));
      for (size_t c = 0; c < row.size(); ++c) {
        if (c != label_column) inputs_.push_back(static_cast<float>(row[c]));
      }
    }
  }

  int64_t size() const override { return samples_; }
  int64_t batch_size() const override { return batch_size_; }
  bool shuffle() const override { return shuffle_; }

  cairn::Batch get_batch(const std::vector<int64_t>& indices) override {
    const int64_t n = static_cast<int64_t>(indices.size());
    at::Tensor inputs = at::empty({n, features_}, at::kFloat);
    at::Tensor targets = at::empty({n}, at::kLong);
    for (int64_t row = 0; row < n; ++row) {
      const int64_t index = indices[row];
      if (index < 0 || index >= samples_) {
        throw cairn::Error(std::string(kOwner) + ": sample index " + std::to_string(index) + " is out of range [0, " +
                           std::to_string(samples_) + ")");
      }
      std::copy_n(&inputs_[index * features_], features_, inputs.data_ptr<float>() + row * features_);
      targets.data_ptr<int64_t>()[row] = labels_[index];
    }
    return cairn::Batch{inputs, targets, n, 0};
  }

 private:
  int64_t batch_size_;
  bool shuffle_;
  int64_t samples_ = 0;
  int64_t features_ = 0;
  std::vector<float> inputs_;
  std::vector<int64_t> labels_;
};

std::unique_ptr<cairn::Dataset> make_csv_dataset(const nlohmann::json& json) {
  cairn::Config cfg(kOwner, json);
  const std::string path = cfg.require<std::string>("path");
  const csv_sample::HeaderMode header = read_header_mode(cfg);
  const int64_t batch_size = cfg.get<int64_t>("batch_size", 32);
  const bool shuffle = cfg.get<bool>("shuffle", true);
  if (batch_size < 1) cfg.fail("batch_size", "must be at least 1 (got " + std::to_string(batch_size) + ")");
  // label_column is resolved after reading the file, since a name needs the header.
  const nlohmann::json label_field = cfg.get<nlohmann::json>("label_column", nullptr);
  cfg.finish();
  const csv_sample::CsvTable table = csv_sample::read_csv(kOwner, path, header);
  const size_t label_column = resolve_label_column(cfg, label_field, table);
  return std::make_unique<CsvDataset>(table, label_column, path, batch_size, shuffle);
}

void register_csv(cairn::Registrar& registrar) {
  registrar.add_dataset("csv", &make_csv_dataset,
                        "numeric CSV file {path, label_column, header, batch_size, shuffle}; labels are class indices");
  registrar.describe_config("dataset", "csv", {{"path", "string", "", "the CSV file", "\"data.csv\""},
                            {"header", "bool | string", "\"auto\"", "whether the first row names the columns; \"auto\": when it is not all numbers"},
                            {"batch_size", "int", "32", "rows per batch"},
                            {"shuffle", "bool", "true", "shuffle the rows every epoch"},
                            {"label_column", "int | string | null", "null", "the label column: an index (negative from the end) or, with a header, a name; null: the last", "-1"}});
}

}  // namespace

CAIRN_PLUGIN("csv", "1.0.0", "Classification data from a numeric CSV file", register_csv)
