// The fields a factory's JSON config accepts, declared when it is registered.
//
// `cairn plugins NAME` shows them (type, default, meaning), and the project's
// tests check each declaration against what the factory really does: every
// listed field is accepted, an unlisted one is refused.
//
//   registrar.add_model("mlp", make_mlp, "a small MLP",
//                       {{"in_features", "int", "16", "input width"},
//                        {"hidden", "list[int]", "[64, 32]", "hidden layer widths"},
//                        {"path", "string", "", "CSV file to read", "\"data.csv\""}});
#pragma once

#include <string>
#include <vector>

namespace cairn {

struct ConfigField {
  std::string name;
  // In words users know: int, float, bool, string, time (a Composer time string
  // such as "10ba"), list[int], object, or alternatives such as "int | string".
  std::string type;
  // The default as JSON text ("64", "[64, 32]", "\"hours\"", "null" for an
  // optional field that is off when absent); empty when the field is required.
  std::string default_json;
  std::string help;
  // A value the factory accepts, as JSON text, for required fields (and for
  // fields whose default is a placeholder such as null).
  std::string example_json;

  bool required() const { return default_json.empty(); }
};

using ConfigSchema = std::vector<ConfigField>;

}  // namespace cairn
