// The sample plugins shipped in the build's plugin folder.
#include <boost/test/unit_test.hpp>

#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "cairn/dataset.h"
#include "cairn/errors.h"
#include "cairn/model.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"
#include "temp_dir.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::error_text;

using namespace cairn;

namespace {

const PluginInfo* find_plugin(const PluginHost& host, const std::string& name) {
  for (const auto& plugin : host.plugins()) {
    if (plugin.name == name) return &plugin;
  }
  return nullptr;
}

struct ShippedPlugins {
  EngineHost host;
  ShippedPlugins() { host.load_all({CAIRN_SHIPPED_PLUGIN_DIR}); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(sample_plugins, ShippedPlugins)

BOOST_AUTO_TEST_CASE(samples_load_from_the_build_plugin_folder) {
  for (const auto& failure : host.failures()) {
    // Other plugins of the tree may be half-built; ours must not fail.
    for (const char* ours : {"libcairn-mlp.so", "libcairn-synthetic.so", "libcairn-csv.so", "libcairn-checked_store.so"}) {
      BOOST_TEST(!contains(failure.file, ours), failure.file << ": " << failure.reason);
    }
  }
  const struct {
    const char* plugin;
    PluginKind kind;
    const char* entry;
  } expected[] = {{"mlp", PluginKind::kModel, "mlp"},
                  {"synthetic", PluginKind::kDataset, "synthetic"},
                  {"csv", PluginKind::kDataset, "csv"},
                  {"checked_store", PluginKind::kObjectStore, "checked"}};
  for (const auto& e : expected) {
    const PluginInfo* info = find_plugin(host, e.plugin);
    BOOST_TEST_REQUIRE(info != nullptr, "plugin " << e.plugin << " not loaded");
    BOOST_TEST(info->version == "1.0.0");
    BOOST_TEST(!info->description.empty());
    BOOST_TEST(contains(info->file, std::string(CAIRN_SHIPPED_PLUGIN_DIR)));
    BOOST_TEST_REQUIRE(info->entries.size() == 1u);
    BOOST_TEST((info->entries[0].kind == e.kind));
    BOOST_TEST(info->entries[0].name == e.entry);
  }
  BOOST_TEST((find_plugin(host, "checked_store")->entries[0].uri_schemes == std::vector<std::string>{"checked"}));
  const PluginInfo* builtin = find_plugin(host, "builtin");
  BOOST_TEST_REQUIRE(builtin != nullptr);
  BOOST_TEST(builtin->file == "<builtin>");
  BOOST_TEST(host.handles_scheme("file"));
  BOOST_TEST(host.handles_scheme("CHECKED"));
}

BOOST_AUTO_TEST_CASE(mlp_has_python_parameter_names_and_classifies_synthetic_batches) {
  torch::manual_seed(0);
  auto model = host.make_model("mlp", nullptr);
  auto data = host.make_dataset("synthetic", nullptr);
  BOOST_TEST(data->size() == 256);
  BOOST_TEST(data->batch_size() == 32);
  BOOST_TEST(data->shuffle());

  std::vector<std::string> names;
  for (const auto& p : model->module()->named_parameters()) names.push_back(p.key());
  BOOST_TEST((names == std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias"}));
  BOOST_TEST((model->module()->named_parameters()["3.weight"].sizes() == torch::IntArrayRef{32, 64}));

  std::vector<int64_t> indices(32);
  std::iota(indices.begin(), indices.end(), 0);
  Batch batch = data->get_batch(indices);
  BOOST_TEST((batch.inputs.sizes() == torch::IntArrayRef{32, 16}));
  BOOST_TEST((batch.targets.scalar_type() == torch::kLong));
  BOOST_TEST(batch.num_samples == 32);
  at::Tensor logits = model->forward(batch.inputs);
  BOOST_TEST((logits.sizes() == torch::IntArrayRef{32, 4}));
  BOOST_TEST(std::isfinite(model->loss(logits, batch.targets).item<double>()));
}

BOOST_AUTO_TEST_CASE(mlp_learns_the_synthetic_data) {
  torch::manual_seed(1);
  auto model = host.make_model("mlp", nullptr);
  auto data = host.make_dataset("synthetic", nullptr);
  std::vector<int64_t> all(static_cast<size_t>(data->size()));
  std::iota(all.begin(), all.end(), 0);
  Batch batch = data->get_batch(all);
  torch::optim::SGD sgd(model->module()->parameters(), torch::optim::SGDOptions(0.1));
  const double first = model->loss(model->forward(batch.inputs), batch.targets).item<double>();
  double last = first;
  for (int step = 0; step < 50; ++step) {
    sgd.zero_grad();
    at::Tensor loss = model->loss(model->forward(batch.inputs), batch.targets);
    loss.backward();
    sgd.step();
    last = loss.item<double>();
  }
  BOOST_TEST(last < first * 0.5, "loss went from " << first << " to " << last);
}

BOOST_AUTO_TEST_CASE(mlp_config_is_checked) {
  auto model = host.make_model("mlp", {{"in_features", 3}, {"hidden", {5}}, {"classes", 2}, {"dropout", 0.25}});
  BOOST_TEST(model->forward(torch::zeros({7, 3})).size(1) == 2);
  BOOST_TEST(contains(error_text<ConfigError>([&] { host.make_model("mlp", {{"hiden", {8}}}); }), "unknown config field 'hiden'"));
  BOOST_TEST(contains(error_text<ConfigError>([&] { host.make_model("mlp", {{"dropout", 1.5}}); }), "'dropout' must be in [0, 1)"));
  BOOST_TEST(contains(error_text<ConfigError>([&] { host.make_model("mlp", {{"hidden", "64"}}); }), "'hidden' has the wrong type"));
}

BOOST_AUTO_TEST_CASE(synthetic_is_deterministic_and_leaves_torch_rng_alone) {
  torch::manual_seed(7);
  const at::Tensor expected_draw = torch::rand({4});
  torch::manual_seed(7);
  auto a = host.make_dataset("synthetic", {{"samples", 40}, {"seed", 3}});
  BOOST_TEST(torch::equal(torch::rand({4}), expected_draw));

  auto b = host.make_dataset("synthetic", {{"samples", 40}, {"seed", 3}});
  auto other = host.make_dataset("synthetic", {{"samples", 40}, {"seed", 4}});
  const std::vector<int64_t> indices = {39, 0, 17, 5};
  Batch ba = a->get_batch(indices);
  Batch bb = b->get_batch(indices);
  BOOST_TEST(torch::equal(ba.inputs, bb.inputs));
  BOOST_TEST(torch::equal(ba.targets, bb.targets));
  BOOST_TEST(!torch::equal(ba.inputs, other->get_batch(indices).inputs));
  // Labels cycle through the classes, so every class is equally common.
  BOOST_TEST((ba.targets == torch::tensor({39 % 4, 0, 17 % 4, 5 % 4}, torch::kLong)).all().item<bool>());
  // Same sample, same row, whatever batch it is in.
  BOOST_TEST(torch::equal(a->get_batch({17}).inputs[0], ba.inputs[2]));
  BOOST_CHECK_THROW(a->get_batch({40}), Error);
  BOOST_TEST(!host.make_dataset("synthetic", {{"shuffle", false}})->shuffle());
}

BOOST_AUTO_TEST_CASE(csv_reads_features_and_labels) {
  TempDir dir;
  write_file(dir / "data.csv", "x1, x2 ,kind\n1.5,2,0\n\n-3,4e1,2\r\n5,6,1\n");
  auto data = host.make_dataset("csv", {{"path", dir / "data.csv"}, {"batch_size", 2}, {"shuffle", false}});
  BOOST_TEST(data->size() == 3);
  BOOST_TEST(data->batch_size() == 2);
  BOOST_TEST(!data->shuffle());
  Batch batch = data->get_batch({1, 0});
  BOOST_TEST(torch::equal(batch.inputs, torch::tensor({{-3.0f, 40.0f}, {1.5f, 2.0f}})));
  BOOST_TEST(torch::equal(batch.targets, torch::tensor({2, 0}, torch::kLong)));

  // The label column by name or index; a headerless file.
  auto by_name = host.make_dataset("csv", {{"path", dir / "data.csv"}, {"label_column", "x2"}, {"shuffle", false}});
  BOOST_TEST(torch::equal(by_name->get_batch({2}).targets, torch::tensor({6}, torch::kLong)));
  BOOST_TEST(torch::equal(by_name->get_batch({2}).inputs, torch::tensor({{5.0f, 1.0f}})));
  write_file(dir / "plain.csv", "0,1,2\n1,3,4\n");
  auto plain = host.make_dataset("csv", {{"path", dir / "plain.csv"}, {"label_column", 0}});
  BOOST_TEST(plain->size() == 2);
  BOOST_TEST(torch::equal(plain->get_batch({1}).inputs, torch::tensor({{3.0f, 4.0f}})));
}

BOOST_AUTO_TEST_CASE(csv_reports_bad_files_clearly) {
  TempDir dir;
  const std::string missing = dir / "missing.csv";
  std::string message = error_text<ConfigError>([&] { host.make_dataset("csv", {{"path", missing}}); });
  BOOST_TEST(contains(message, "cannot open '" + missing + "'"), message);

  write_file(dir / "text.csv", "a,b\n1,2\n3,abc\n");
  message = error_text<ConfigError>([&] { host.make_dataset("csv", {{"path", dir / "text.csv"}}); });
  BOOST_TEST(contains(message, dir / "text.csv:3:2: 'abc' is not a number"), message);

  write_file(dir / "ragged.csv", "1,2,0\n3,4,1\n5,1\n");
  message = error_text<ConfigError>([&] { host.make_dataset("csv", {{"path", dir / "ragged.csv"}}); });
  BOOST_TEST(contains(message, dir / "ragged.csv:3: has 2 columns, but line 1 has 3"), message);

  write_file(dir / "empty.csv", "");
  message = error_text<ConfigError>([&] { host.make_dataset("csv", {{"path", dir / "empty.csv"}}); });
  BOOST_TEST(contains(message, "has no data rows"), message);

  write_file(dir / "fraction.csv", "1,2,0\n3,4,0.5\n");
  message = error_text<ConfigError>([&] { host.make_dataset("csv", {{"path", dir / "fraction.csv"}}); });
  BOOST_TEST(contains(message, "fraction.csv:2:3: label 0.5"), message);

  message = error_text<ConfigError>([&] { host.make_dataset("csv", nullptr); });
  BOOST_TEST(contains(message, "'path' is required"), message);
  message = error_text<ConfigError>([&] { host.make_dataset("csv", {{"path", dir / "fraction.csv"}, {"header", "maybe"}}); });
  BOOST_TEST(contains(message, "'header' must be \"auto\", true or false"), message);
}


// samples/mlp/equivalent.py describes the Python module that reads the mlp's
// state; check it really does: same names, same shapes, same outputs.
BOOST_AUTO_TEST_CASE(mlp_state_loads_into_the_equivalent_python_module) {
  torch::manual_seed(3);
  const nlohmann::json config = {{"in_features", 5}, {"hidden", {7, 6}}, {"classes", 3}, {"dropout", 0.1}};
  auto model = host.make_model("mlp", config);
  model->module()->eval();
  const at::Tensor inputs = torch::randn({4, 5});
  const at::Tensor outputs = model->forward(inputs);

  auto weights = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  for (const auto& p : model->module()->named_parameters()) weights.insert(p.key(), p.value().detach());
  auto archive = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  archive.insert("model", weights);
  archive.insert("inputs", inputs);
  archive.insert("outputs", outputs.detach());
  TempDir dir;
  const std::vector<char> bytes = torch::pickle_save(archive);
  write_file(dir / "state.pt", std::string(bytes.begin(), bytes.end()));
  write_file(dir / "check.py",
             "import json, sys, torch\n"
             "sys.path.insert(0, '" CAIRN_TEST_SOURCE_DIR "/samples/mlp')\n"
             "from equivalent import make_mlp_from_config\n"
             "state = torch.load(sys.argv[1])\n"
             "module = make_mlp_from_config(json.loads(sys.argv[2]))\n"
             "module.load_state_dict(state['model'], strict=True)\n"
             "module.eval()\n"
             "assert torch.allclose(module(state['inputs']), state['outputs'], atol=1e-6), 'outputs differ'\n"
             "print('python module matches')\n");
  const std::string command = std::string(CAIRN_TEST_PYTHON) + " " + (dir / "check.py") + " " + (dir / "state.pt") +
                              " '" + config.dump() + "' > " + (dir / "log.txt") + " 2>&1";
  const int status = std::system(command.c_str());
  BOOST_TEST(status == 0, read_file(dir / "log.txt"));
  BOOST_TEST(contains(read_file(dir / "log.txt"), "python module matches"));
}

BOOST_AUTO_TEST_SUITE_END()
