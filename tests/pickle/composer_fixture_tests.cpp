// The two real Composer checkpoints (tests/data/composer, written by Composer
// 0.13.5's Trainer; README.md there): read as their JSON descriptions say,
// shown by `cairn inspect`, loaded as weights (the README's reference logits)
// and resumed from.
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cairn/logger.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/model_state.h"
#include "checkpoint/pickle/pickled_object.h"
#include "cli_runner.h"
#include "temp_dir.h"
#include "test_process.h"
#include "test_text.h"
#include "trainer/optimizer_state.h"

namespace fs = std::filesystem;
namespace pickle = cairn::checkpoint::pickle;
using cairn::test::contains;
using nlohmann::json;

namespace {

const fs::path kFixtures = fs::path(CAIRN_TEST_SOURCE_DIR) / "tests" / "data" / "composer";

json description(const std::string& fixture) {
  std::ifstream in(kFixtures / (fixture + ".json"));
  return json::parse(in);
}

std::string dtype_name(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kLong: return "int64";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(t.scalar_type());
  }
}

std::string first5_difference(const json& expected, const at::Tensor& t, const std::string& path) {
  const at::Tensor flat = t.reshape({-1}).to(at::kDouble);
  for (size_t i = 0; i < expected.size(); ++i) {
    if (flat[int64_t(i)].item<double>() != expected[i].get<double>()) return path + ": value " + std::to_string(i) + " differs";
  }
  return "";
}

std::string compare(const json& j, const c10::IValue& v, const std::string& path);

// Elements of a list or tuple description: items listed, or summarised as
// {all: 'int', first5, last}.
std::string compare_items(const json& j, c10::ArrayRef<c10::IValue> items, const std::string& path) {
  if (j.at("length").get<size_t>() != items.size()) return path + ": length " + std::to_string(items.size());
  const json& listed = j.at("items");
  if (listed.is_array()) {
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string d = compare(listed[i], items[i], path + "/" + std::to_string(i));
      if (!d.empty()) return d;
    }
    return "";
  }
  for (size_t i = 0; i < listed.at("first5").size(); ++i) {
    if (!items[i].isInt() || items[i].toInt() != listed.at("first5")[i].get<int64_t>()) return path + ": item " + std::to_string(i);
  }
  return items.back().toInt() == listed.at("last").get<int64_t>() ? "" : path + ": last item";
}

// The first difference between a JSON description (README: "JSON
// descriptions") and the tree Cairn read, or "".
std::string compare(const json& j, const c10::IValue& v, const std::string& path) {
  const std::string type = j.at("type").get<std::string>();
  if (type == "dict" || type == "collections.OrderedDict") {
    if (!v.isGenericDict() || pickle::pickled_class(v)) return path + ": not a dict";
    const auto d = v.toGenericDict();
    if (d.size() != j.at("length").get<size_t>()) return path + ": " + std::to_string(d.size()) + " entries";
    auto it = d.begin();
    for (const json& e : j.at("entries")) {
      const c10::IValue key = e.at("key_type") == "int" ? c10::IValue(e.at("key").get<int64_t>())
                                                         : c10::IValue(e.at("key").get<std::string>());
      if (!(it->key() == key)) return path + ": keys out of order at " + e.at("key").dump();
      const std::string diff = compare(e.at("value"), it->value(), path + "/" + e.at("key").dump());
      if (!diff.empty()) return diff;
      ++it;
    }
    return "";
  }
  if (type == "torch.Tensor") {
    if (!v.isTensor()) return path + ": not a tensor";
    const at::Tensor& t = v.toTensor();
    if (dtype_name(t) != j.at("dtype")) return path + ": dtype " + dtype_name(t);
    if (t.sizes().vec() != j.at("shape").get<std::vector<int64_t>>()) return path + ": shape";
    if (t.strides().vec() != j.at("stride").get<std::vector<int64_t>>()) return path + ": stride";
    if (t.storage_offset() != j.at("storage_offset").get<int64_t>()) return path + ": storage offset";
    return first5_difference(j.at("first5"), t, path);
  }
  if (type == "numpy.ndarray") {
    if (pickle::pickled_kind(v) != "ndarray") return path + ": not a numpy array";
    const auto d = v.toGenericDict();
    if (d.at("dtype").toStringRef() != j.at("dtype")) return path + ": numpy dtype";
    const at::Tensor data = d.at("data").toTensor();
    if (data.sizes().vec() != j.at("shape").get<std::vector<int64_t>>()) return path + ": numpy shape";
    return first5_difference(j.at("first5"), data, path);
  }
  if (type == "int") return v.isInt() && v.toInt() == j.at("value").get<int64_t>() ? "" : path + ": int";
  if (type == "float") return v.isDouble() && v.toDouble() == j.at("value").get<double>() ? "" : path + ": float";
  if (type == "bool") return v.isBool() && v.toBool() == j.at("value").get<bool>() ? "" : path + ": bool";
  if (type == "str") return v.isString() && v.toStringRef() == j.at("value").get<std::string>() ? "" : path + ": str";
  if (type == "None") return v.isNone() ? "" : path + ": not None";
  if (type == "list") return v.isList() ? compare_items(j, v.toListRef(), path) : path + ": not a list";
  if (type == "tuple") return v.isTuple() ? compare_items(j, v.toTupleRef().elements(), path) : path + ": not a tuple";
  if (type == "set") return v.isList() ? compare_items(j, v.toListRef(), path) : path + ": set not a list";
  if (type == "datetime.timedelta") {
    const double seconds = j.at("days").get<double>() * 86400.0 + j.at("seconds").get<double>() +
                           j.at("microseconds").get<double>() * 1e-6;
    return v.isDouble() && v.toDouble() == seconds ? "" : path + ": timedelta";
  }
  if (type == "torch.device") return v.isDevice() && v.toDevice().str() == j.at("value") ? "" : path + ": device";
  if (type == "function") {
    return pickle::pickled_kind(v) == "reference" && pickle::pickled_class(v) == j.at("qualname").get<std::string>()
               ? ""
               : path + ": not a reference to " + j.at("qualname").get<std::string>();
  }
  if (type == "object") {
    if (pickle::pickled_kind(v) != "object" || pickle::pickled_class(v) != j.at("class").get<std::string>())
      return path + ": not a placeholder of " + j.at("class").get<std::string>();
    const auto d = v.toGenericDict();
    // NEWOBJ: copyreg.__newobj__(cls, *args); the placeholder keeps args.
    const json& reduce_args = j.at("reduce_args");
    const auto args = d.at("args").toTupleRef().elements();
    if (args.size() + 1 != reduce_args.size()) return path + ": placeholder arguments";
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string diff = compare(reduce_args[i + 1], args[i], path + "/args/" + std::to_string(i));
      if (!diff.empty()) return diff;
    }
    return compare(j.at("pickled_state"), d.at("state"), path + "/state");
  }
  return path + ": unknown description type " + type;
}

// Every tensor and numpy array the description holds outside pickled objects,
// as `cairn inspect --json` names them.
void expected_tensors(const json& j, const std::string& name, std::set<std::string>& out) {
  const std::string type = j.value("type", "");
  auto shape = [&] { return j.at("shape").dump(); };
  if (type == "torch.Tensor") {
    out.insert(name + " " + j.at("dtype").get<std::string>() + " " + shape());
  } else if (type == "numpy.ndarray") {
    out.insert(name + " numpy " + j.at("dtype").get<std::string>() + " " + shape());
  } else if (type == "dict" || type == "collections.OrderedDict") {
    for (const json& e : j.at("entries")) {
      const std::string key = e.at("key_type") == "int" ? e.at("key").dump() : e.at("key").get<std::string>();
      expected_tensors(e.at("value"), name.empty() ? key : name + "." + key, out);
    }
  } else if ((type == "list" || type == "tuple") && j.at("items").is_array()) {
    for (size_t i = 0; i < j.at("items").size(); ++i) expected_tensors(j.at("items")[i], name + "[" + std::to_string(i) + "]", out);
  }
}

class CollectingLogger : public cairn::Logger {
 public:
  void log_metrics(const std::map<std::string, double>&, const cairn::Timestamp&) override {}
  void info(const std::string&) override {}
  void warn(const std::string& message) override { warnings.push_back(message); }
  std::vector<std::string> warnings;
};

// The README's reference input and logits ("Reference forward pass").
std::pair<std::vector<float>, std::vector<float>> reference_forward_pass() {
  std::ifstream in(kFixtures / "README.md");
  const std::string readme((std::istreambuf_iterator<char>(in)), {});
  auto floats = [](const std::string& text) {
    std::vector<float> out;
    std::istringstream s(text);
    std::string item;
    while (std::getline(s, item, ',')) out.push_back(std::stof(item));
    return out;
  };
  std::smatch input, logits;
  BOOST_REQUIRE(std::regex_search(readme, input, std::regex("`x = \\[([^\\]]+)\\]`")));
  BOOST_REQUIRE(std::regex_search(readme, logits, std::regex("`full_ep1\\.pt` \\| `\\[([^\\]]+)\\]`")));
  return {floats(input[1].str()), floats(logits[1].str())};
}

// The fixture's model: Linear(8, 16), ReLU, Linear(16, 4).
torch::nn::Sequential composer_mlp() {
  return torch::nn::Sequential(torch::nn::Linear(8, 16), torch::nn::ReLU(), torch::nn::Linear(16, 4));
}

void expect_reference_logits(torch::nn::Sequential& net) {
  const auto [x, expected] = reference_forward_pass();
  const at::Tensor logits = net->forward(at::tensor(x).reshape({1, 8})).reshape({-1});
  BOOST_REQUIRE_EQUAL(logits.numel(), int64_t(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST(logits[int64_t(i)].item<float>() == expected[i], boost::test_tools::tolerance(1e-5f));
  }
}

// `cairn fit` of the sample MLP that matches the fixtures' model, loading `load_path`.
std::vector<std::string> composer_mlp_fit(const std::string& load_path) {
  return {"fit", "--model", R"(mlp={"in_features": 8, "hidden": [16], "classes": 4})",
          "--data", R"(synthetic={"features": 8})", "--load-path", load_path,
          // Composer's module.0 / module.2 are the sample's 0 and 3 (it has a Dropout).
          "--load-key-prefix-map", "module.0.=0.", "--load-key-prefix-map", "module.2.=3."};
}
const std::vector<std::string> kComposerMlp = composer_mlp_fit((kFixtures / "full_ep1.pt").string());

// Loads `load_path` weights-only into the sample MLP through `cairn fit`; with
// lr 0 the one batch trained leaves the weights as loaded, and the saved
// checkpoint (Cairn's own format) must give the reference logits.
void expect_weights_only_fit_gives_the_reference_logits(const std::string& load_path) {
  TempDir dir;
  const cairn::test::Result r = cairn::test::run_cairn(
      cairn::test::with(composer_mlp_fit(load_path),
                        {"--load-weights-only", "--optimizer", R"(SGD={"lr": 0})", "--max-duration", "1ba",
                         "--save-folder", "ck", "--save-interval", "1ba", "--save-filename", "w.pt", "--seed", "1"}),
      dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, cairn::test::describe(r));
  BOOST_TEST(contains(r.err + r.out, "loaded model weights from"), cairn::test::describe(r));
  const c10::IValue saved = cairn::checkpoint::read_checkpoint(dir / "ck/w.pt");
  const c10::IValue model = saved.toGenericDict().at("state").toGenericDict().at("model");
  auto net = composer_mlp();
  CollectingLogger logger;
  cairn::load_model_state_dict(*net, cairn::map_key_prefixes(model, {{"3.", "2."}}), true, logger);
  expect_reference_logits(net);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(composer_fixtures)

BOOST_AUTO_TEST_CASE(both_fixtures_read_as_their_json_describes) {
  for (const std::string fixture : {"full_ep1.pt", "weights_ep1.pt"}) {
    const c10::IValue root = cairn::checkpoint::read_checkpoint((kFixtures / fixture).string());
    const std::string diff = compare(description(fixture).at("torch_load"), root, fixture);
    BOOST_TEST(diff.empty(), diff);
  }
}

BOOST_AUTO_TEST_CASE(inspect_shows_every_tensor_and_the_python_objects_by_class) {
  TempDir dir;
  for (const std::string fixture : {"full_ep1.pt", "weights_ep1.pt"}) {
    const json report = cairn::test::inspect_json(kFixtures / fixture, dir.path());
    std::set<std::string> shown;
    for (const json& t : report.at("tensors")) {
      shown.insert(t.at("name").get<std::string>() + " " + t.at("dtype").get<std::string>() + " " + t.at("shape").dump());
    }
    const json tree = description(fixture).at("torch_load");
    std::set<std::string> expected;
    // inspect names tensors under state without the "state." prefix.
    for (const json& e : tree.at("entries")) {
      expected_tensors(e.at("value"), e.at("key") == "state" ? "" : e.at("key").get<std::string>(), expected);
    }
    BOOST_TEST((shown == expected), fixture);
    if (fixture == "full_ep1.pt") {
      BOOST_REQUIRE_EQUAL(report.at("python_objects").size(), 1u);
      BOOST_TEST(report.at("python_objects")[0].at("class") == "torchmetrics.classification.accuracy.MulticlassAccuracy");
      BOOST_TEST(report.at("timestamp").at("epoch") == 1);
      BOOST_TEST(report.at("timestamp").at("batch") == 4);
    }
  }
  const cairn::test::Result text = cairn::test::run_cairn({"inspect", (kFixtures / "full_ep1.pt").string()}, dir.path());
  BOOST_TEST(text.status == 0, cairn::test::describe(text));
  BOOST_TEST(contains(text.out, "train_metrics.MulticlassAccuracy: torchmetrics.classification.accuracy.MulticlassAccuracy"),
             text.out);
}

BOOST_AUTO_TEST_CASE(weights_load_with_the_prefix_map_gives_the_reference_logits) {
  const c10::IValue root = cairn::checkpoint::read_checkpoint((kFixtures / "full_ep1.pt").string());
  const c10::IValue model = root.toGenericDict().at("state").toGenericDict().at("model");
  auto net = composer_mlp();
  CollectingLogger logger;
  cairn::load_model_state_dict(*net, cairn::map_key_prefixes(model, {{"module.", ""}}), /*strict=*/true, logger);
  BOOST_TEST(logger.warnings.empty());
  expect_reference_logits(net);
}

BOOST_AUTO_TEST_CASE(composer_momentum_buffers_load_into_an_sgd_optimizer) {
  const c10::IValue root = cairn::checkpoint::read_checkpoint((kFixtures / "full_ep1.pt").string());
  const c10::IValue stored =
      root.toGenericDict().at("state").toGenericDict().at("optimizers").toGenericDict().at("DecoupledSGDW");
  auto net = composer_mlp();
  torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.5));
  cairn::load_optimizer_state_dict(sgd, stored, "state/optimizers/DecoupledSGDW");
  const auto& group = static_cast<torch::optim::SGDOptions&>(sgd.param_groups()[0].options());
  BOOST_TEST(group.lr() == 0.1);
  BOOST_TEST(group.momentum() == 0.9);
  const auto buffers = stored.toGenericDict().at("state").toGenericDict();
  const auto params = net->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& ps = static_cast<torch::optim::SGDParamState&>(*sgd.state().at(c10::guts::to_string(params[i].unsafeGetTensorImpl())));
    const at::Tensor expected = buffers.at(int64_t(i)).toGenericDict().at("momentum_buffer").toTensor();
    BOOST_TEST(ps.momentum_buffer().equal(expected), "momentum buffer " << i);
  }
}

BOOST_AUTO_TEST_CASE(cairn_fit_loads_composer_weights_only) {
  expect_weights_only_fit_gives_the_reference_logits((kFixtures / "full_ep1.pt").string());
}

BOOST_AUTO_TEST_CASE(a_composer_checkpoint_resaved_in_the_legacy_format_loads_the_same_weights) {
  TempDir dir;
  const std::string legacy = dir / "weights_ep1_legacy.pt";
  const cairn::test::CommandResult py = cairn::test::run_command(
      std::string(CAIRN_TEST_PYTHON) + " -c 'import sys, torch; torch.save(torch.load(sys.argv[1]), sys.argv[2], " +
      "_use_new_zipfile_serialization=False)' " + cairn::test::shell_quote((kFixtures / "weights_ep1.pt").string()) +
      " " + cairn::test::shell_quote(legacy));
  BOOST_REQUIRE_MESSAGE(py.status == 0, py.output);
  expect_weights_only_fit_gives_the_reference_logits(legacy);
  // Nothing in the legacy format can be checked: verify says so in one line.
  const cairn::test::Result verify = cairn::test::run_cairn({"verify", legacy}, dir.path());
  BOOST_TEST(verify.status != 0);
  BOOST_TEST(contains(verify.err, "legacy format"), cairn::test::describe(verify));
}

BOOST_AUTO_TEST_CASE(cairn_fit_resumes_from_a_full_composer_checkpoint) {
  TempDir dir;
  const cairn::test::Result r = cairn::test::run_cairn(
      cairn::test::with(kComposerMlp, {"--optimizer", R"(SGD={"lr": 0.1, "momentum": 0.9})",
                                       "--max-duration", "1ep"}),
      dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, cairn::test::describe(r));
  const std::string all = r.err + r.out;
  BOOST_TEST(contains(all, "at ep1 ba4 sp32"), all);
  BOOST_TEST(contains(all, "optimizer state 'DecoupledSGDW'"), all);
  BOOST_TEST(!contains(all, "no such plugin is enabled"), all);
  // One warning line names what was skipped.
  std::istringstream lines(all);
  std::string line;
  int skipped_lines = 0;
  while (std::getline(lines, line)) {
    if (!contains(line, "is skipped")) continue;
    ++skipped_lines;
    BOOST_TEST(contains(line, "state/train_metrics/MulticlassAccuracy"), line);
    BOOST_TEST(contains(line, "rng/python"), line);
    BOOST_TEST(contains(line, "rng/numpy"), line);
  }
  BOOST_TEST(skipped_lines == 1, all);
}

BOOST_AUTO_TEST_SUITE_END()
