// The torchscript model plugin end to end, with real peers on both sides:
// Python (torchscript_models.py) scripts a model with torch.jit.script,
// `cairn fit` trains it, and Python loads Cairn's checkpoint into the
// original module with load_state_dict(strict=True) and computes the same
// logits as the plugin's module does here.
#define BOOST_TEST_MODULE test_torchscript
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/nn/module.h>

#include "app/engine_host.h"
#include "cairn/errors.h"
#include "cairn/model.h"
#include "checkpoint/io/checkpoint_file.h"
#include "cli_runner.h"
#include "test_skip.h"

namespace fs = std::filesystem;
using namespace cairn::test;

namespace {

const std::string kModels = CAIRN_TEST_SOURCE_DIR "/tests/torchscript/torchscript_models.py";

// Python writes model NAME, scripted and saved, to `file` in `dir`.
void write_model(const fs::path& dir, const std::string& name, const std::string& file) {
  const Result r = run_program({CAIRN_TEST_PYTHON, kModels, "write", name, file}, dir);
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
}

std::vector<std::string> fit_args(const std::string& model_file, const std::vector<std::string>& more) {
  return with({"fit", "--model", "torchscript={\"path\": \"" + model_file + "\"}", "--data", "synthetic", "--seed", "42"},
              more);
}

using Tensors = std::map<std::string, at::Tensor>;

// state['model'] of a checkpoint Cairn wrote.
Tensors model_state(const fs::path& checkpoint) {
  const c10::IValue root = cairn::checkpoint::read_checkpoint(checkpoint.string());
  Tensors out;
  for (const auto& item : root.toGenericDict().at("state").toGenericDict().at("model").toGenericDict()) {
    out[item.key().toStringRef()] = item.value().toTensor();
  }
  return out;
}

std::shared_ptr<cairn::Model> make_plugin_model(cairn::EngineHost& host, const fs::path& file) {
  return host.make_model("torchscript", {{"path", file.string()}});
}

Tensors module_tensors(cairn::Model& model) {
  Tensors out;
  for (const auto& p : model.module()->named_parameters(true)) out[p.key()] = p.value();
  for (const auto& b : model.module()->named_buffers(true)) out[b.key()] = b.value();
  return out;
}

std::set<std::string> names_of(const Tensors& tensors) {
  std::set<std::string> names;
  for (const auto& t : tensors) names.insert(t.first);
  return names;
}

// Puts `state` into the plugin's module, name by name: the names must be the same.
void load_into(cairn::Model& model, const Tensors& state) {
  Tensors targets = module_tensors(model);
  BOOST_REQUIRE(names_of(targets) == names_of(state));
  c10::NoGradGuard no_grad;
  for (auto& t : targets) t.second.copy_(state.at(t.first));
}

// torchscript_models.py's fixed_input(): multiples of 1/32, exact in float32.
at::Tensor fixed_input() { return ((at::arange(80, at::kFloat) - 40) / 32).reshape({5, 16}); }

// The logits Python's NAME computes on fixed_input() with `checkpoint`'s
// state['model'] loaded with load_state_dict(strict=True), in `mode`.
at::Tensor python_logits(const fs::path& dir, const std::string& name, const std::string& checkpoint,
                         const std::string& mode) {
  const Result r = run_program({CAIRN_TEST_PYTHON, kModels, "logits", name, checkpoint, mode}, dir);
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  const auto rows = nlohmann::json::parse(r.out);
  at::Tensor out = at::empty({int64_t(rows.size()), int64_t(rows.at(0).size())}, at::kFloat);
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < rows[i].size(); ++j) {
      out[i][j] = float(std::strtod(rows[i][j].get<std::string>().c_str(), nullptr));  // hex: exact
    }
  }
  return out;
}

at::Tensor plugin_logits(cairn::Model& model, bool training) {
  model.module()->train(training);
  c10::NoGradGuard no_grad;
  return model.forward(fixed_input());
}

double max_difference(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

std::vector<double> train_losses(const fs::path& jsonl) {
  std::vector<double> losses;
  std::ifstream in(jsonl);
  std::string line;
  while (std::getline(in, line)) {
    const auto metrics = nlohmann::json::parse(line).at("metrics");
    if (metrics.contains("loss/train")) losses.push_back(metrics.at("loss/train").get<double>());
  }
  return losses;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(torchscript_model)

BOOST_AUTO_TEST_CASE(cairn_trains_a_scripted_model_and_python_loads_the_result_strictly) {
  TempDir dir;
  write_model(dir.path(), "net", "model.pt");
  const Result r = run_cairn(fit_args("model.pt", {"--max-duration", "2ep", "--save-folder", "ck", "--callback",
                                                   R"(JSONLLogger={"path": "m.jsonl"})"}),
                             dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  BOOST_TEST(r.out.find("trained to ep2 ba16") != std::string::npos, r.out);

  // The optimizer updated the tensors the scripted forward computes with: the loss fell.
  const auto losses = train_losses(dir.path() / "m.jsonl");
  BOOST_REQUIRE(losses.size() == 16u);
  BOOST_TEST(losses.back() < losses.front() / 2, "loss " << losses.front() << " -> " << losses.back());

  const Tensors state = model_state(dir.path() / "ck/latest-rank0.pt");
  // Batch norm counts in place; Net counts the samples it trained on by
  // assigning its buffer anew, which the checkpoint must follow too.
  BOOST_TEST(state.at("body.0.norm.num_batches_tracked").item<int64_t>() == 16);
  BOOST_TEST(state.at("samples_seen").item<int64_t>() == 2 * 256);

  cairn::EngineHost host;
  host.load_all({CAIRN_SHIPPED_PLUGIN_DIR});
  const auto model = make_plugin_model(host, dir.path() / "model.pt");
  BOOST_TEST(!at::equal(module_tensors(*model).at("head.weight"), state.at("head.weight")), "training changed the weights");
  load_into(*model, state);

  // Eval mode (running statistics) and train mode (batch statistics) both
  // reach the scripted batch norm, and give Python's logits.
  const at::Tensor eval_logits = plugin_logits(*model, false);
  // to() converts the scripted module's tensors, which the mirror shares.
  model->module()->to(at::kDouble);
  BOOST_TEST((module_tensors(*model).at("body.1.norm.running_var").scalar_type() == at::kDouble));
  BOOST_TEST((module_tensors(*model).at("samples_seen").scalar_type() == at::kLong), "integers stay integers");
  {
    c10::NoGradGuard no_grad;
    BOOST_TEST(max_difference(model->forward(fixed_input().to(at::kDouble)), eval_logits) <= 1e-5);
  }
  model->module()->to(at::kFloat);
  const at::Tensor train_logits = plugin_logits(*model, true);
  const at::Tensor python_eval = python_logits(dir.path(), "net", "ck/latest-rank0.pt", "eval");
  const at::Tensor python_train = python_logits(dir.path(), "net", "ck/latest-rank0.pt", "train");
  BOOST_TEST_MESSAGE("largest difference to Python: eval " << max_difference(eval_logits, python_eval) << ", train "
                                                          << max_difference(train_logits, python_train));
  // Python and LibTorch run the same kernels on the same weights: bit for bit.
  BOOST_TEST(at::equal(eval_logits, python_eval));
  BOOST_TEST(at::equal(train_logits, python_train));
  BOOST_TEST(max_difference(eval_logits, train_logits) > 1e-3, "the two modes differ");
}

BOOST_AUTO_TEST_CASE(a_resumed_run_continues_as_the_uninterrupted_one) {
  TempDir dir;
  write_model(dir.path(), "net", "model.pt");
  const Result straight = run_cairn(fit_args("model.pt", {"--max-duration", "2ep", "--save-folder", "straight"}), dir.path());
  BOOST_REQUIRE_MESSAGE(straight.status == 0, describe(straight));
  const Result first = run_cairn(fit_args("model.pt", {"--max-duration", "1ep", "--save-folder", "first"}), dir.path());
  BOOST_REQUIRE_MESSAGE(first.status == 0, describe(first));
  const Result resumed = run_cairn(fit_args("model.pt", {"--max-duration", "2ep", "--save-folder", "resumed",
                                                         "--load-path", "first/ep1-ba8-rank0.pt"}),
                                   dir.path());
  BOOST_REQUIRE_MESSAGE(resumed.status == 0, describe(resumed));
  BOOST_TEST(resumed.out.find("trained to ep2 ba16") != std::string::npos, resumed.out);

  const Tensors expected = model_state(dir.path() / "straight/latest-rank0.pt");
  const Tensors got = model_state(dir.path() / "resumed/latest-rank0.pt");
  BOOST_REQUIRE(names_of(got) == names_of(expected));
  double largest = 0;
  for (const auto& e : expected) largest = std::max(largest, max_difference(got.at(e.first), e.second));
  BOOST_TEST_MESSAGE("largest difference between the resumed and the uninterrupted run: " << largest);
  BOOST_TEST(largest == 0.0);
  BOOST_TEST(got.at("samples_seen").item<int64_t>() == 2 * 256);
  const Tensors after_one = model_state(dir.path() / "first/ep1-ba8-rank0.pt");
  BOOST_TEST(max_difference(after_one.at("head.weight"), got.at("head.weight")) > 1e-4, "the second epoch trained");
}

BOOST_AUTO_TEST_CASE(the_modules_own_loss_method_is_used) {
  TempDir dir;
  write_model(dir.path(), "net", "net.pt");
  write_model(dir.path(), "scaled_loss", "scaled.pt");  // same initial weights, loss 4 x cross-entropy
  const auto train = [&](const std::string& model_file, const std::string& lr, const std::string& folder) {
    const Result r = run_cairn(fit_args(model_file, {"--max-duration", "1ep", "--save-folder", folder, "--optimizer",
                                                     "SGD={\"lr\": " + lr + "}"}),
                               dir.path());
    BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
    return model_state(dir.path() / folder / "latest-rank0.pt");
  };
  // Plain SGD on 4 x the loss steps as on the loss at 4 x the learning rate.
  const Tensors scaled = train("scaled.pt", "0.025", "scaled");
  const Tensors default_loss_4x_lr = train("net.pt", "0.1", "net_4x");
  const Tensors default_loss = train("net.pt", "0.025", "net");
  double largest = 0;
  for (const auto& s : scaled) {
    if (!s.second.is_floating_point()) continue;
    largest = std::max(largest, max_difference(s.second, default_loss_4x_lr.at(s.first)));
  }
  BOOST_TEST_MESSAGE("largest difference to the default loss at 4 x lr: " << largest);
  BOOST_TEST(largest == 0.0, "4 x scales every gradient exactly");
  BOOST_TEST(max_difference(scaled.at("head.weight"), default_loss.at("head.weight")) > 1e-4,
             "at the same learning rate the scaled loss trains differently");
}

BOOST_AUTO_TEST_CASE(bad_model_files_and_misfitting_data_are_refused_with_one_line) {
  TempDir dir;
  for (const char* name : {"no_forward", "one_argument_loss", "tuple_forward"}) {
    write_model(dir.path(), name, std::string(name) + ".pt");
  }
  std::ofstream(dir.path() / "notes.pt") << "not a model\n";
  const Result saved = run_program({CAIRN_TEST_PYTHON, "-c",
                                    "import sys, torch; sys.path.insert(0, sys.argv[1]); import torchscript_models as m\n"
                                    "torch.save(m.Net().state_dict(), 'state_dict.pt')",
                                    CAIRN_TEST_SOURCE_DIR "/tests/torchscript"},
                                   dir.path());
  BOOST_REQUIRE_MESSAGE(saved.status == 0, describe(saved));
  fs::create_directory(dir.path() / "folder.pt");

  const struct {
    std::string file;
    std::vector<std::string> mentions;
  } cases[] = {
      {"missing.pt", {"'missing.pt' does not exist", "torch.jit.script(model).save"}},
      {"folder.pt", {"'folder.pt' is not a file"}},
      {"notes.pt", {"'notes.pt' is not a TorchScript archive", "torch.jit.script(model).save"}},
      {"state_dict.pt", {"'state_dict.pt' is not a TorchScript archive", "state_dict"}},
      {"no_forward.pt", {"'no_forward.pt' has no forward method", "forward(self, inputs)"}},
      {"one_argument_loss.pt",
       {"'one_argument_loss.pt' has loss(outputs: Tensor) -> Tensor", "loss(self, outputs: Tensor, targets: Tensor)"}},
      {"tuple_forward.pt",
       {"'tuple_forward.pt' has forward(x: Tensor) -> Tuple[Tensor, Tensor]", "does not return a Tensor",
        "return the logits"}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.file) {
      const Result r = run_cairn(fit_args(c.file, {"--save-folder", "ck"}), dir.path());
      BOOST_TEST(r.status == 2, describe(r));
      BOOST_TEST(r.err.rfind("cairn: error: --model: model 'torchscript': '" + c.file + "' ", 0) == 0u, r.err);
      BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
      for (const auto& m : c.mentions) BOOST_TEST(r.err.find(m) != std::string::npos, m << " in " << r.err);
      BOOST_TEST(!fs::exists(dir.path() / "ck"));
    }
  }
  // Data that does not fit: the error inside the script, as one line, in the trainer's words.
  write_model(dir.path(), "net", "net.pt");
  write_model(dir.path(), "scaled_loss", "scaled.pt");
  const struct {
    std::string file, data;
    std::vector<std::string> mentions;
  } misfits[] = {
      {"net.pt", R"(synthetic={"features": 8})",
       {"the model (--model) does not fit the data (--data)", "inputs of size 16",
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (32x8 and 16x32)"}},
      {"scaled.pt", R"(synthetic={"classes": 7})",
       {"the model's loss does not fit the data (--data)", "outputs of shape [32, 4]", "(torch: RuntimeError: Target ", " is out of bounds."}},
  };
  for (const auto& m : misfits) {
    BOOST_TEST_CONTEXT(m.file << " on " << m.data) {
      const Result r = run_cairn({"fit", "--model", "torchscript={\"path\": \"" + m.file + "\"}", "--data", m.data,
                                  "--save-folder", "ck"},
                                 dir.path());
      BOOST_TEST(r.status == 2, describe(r));
      BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
      for (const auto& mention : m.mentions) BOOST_TEST(r.err.find(mention) != std::string::npos, mention << " in " << r.err);
      BOOST_TEST(!fs::exists(dir.path() / "ck/latest-rank0.pt"));
    }
  }

  const Result no_path = run_cairn({"fit", "--model", "torchscript", "--data", "synthetic"}, dir.path());
  BOOST_TEST(no_path.status == 2, describe(no_path));
  BOOST_TEST(no_path.err.find("'path' is required") != std::string::npos, no_path.err);
}

BOOST_AUTO_TEST_CASE(the_composer_fixture_layout_gives_the_reference_logits) {
  // /work/shared/reference/composer-fixtures, next to the repository as the project's issues name it.
  const fs::path fixture = fs::path(CAIRN_TEST_SOURCE_DIR) / "../shared/reference/composer-fixtures/weights_ep1.pt";
  if (!fs::exists(fixture)) CAIRN_SKIP_TEST("the Composer fixtures are not at " + fixture.string());
  TempDir dir;
  write_model(dir.path(), "composer_fixture", "layout.pt");
  const Result r = run_program({CAIRN_TEST_PYTHON, kModels, "fixture", fixture.string(), "fixture.pt"}, dir.path());
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));

  cairn::EngineHost host;
  host.load_all({CAIRN_SHIPPED_PLUGIN_DIR});
  const std::set<std::string> keys = {"0.weight", "0.bias", "2.weight", "2.bias"};
  BOOST_TEST(names_of(module_tensors(*make_plugin_model(host, dir.path() / "layout.pt"))) == keys);
  const auto model = make_plugin_model(host, dir.path() / "fixture.pt");
  BOOST_TEST(names_of(module_tensors(*model)) == keys);

  // The fixture README's reference forward pass.
  model->module()->eval();
  c10::NoGradGuard no_grad;
  const at::Tensor logits = model->forward(at::tensor({0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f}).reshape({1, 8}));
  const at::Tensor reference = at::tensor({0.1228685f, 0.1201401f, -0.2608685f, 0.01984751f}).reshape({1, 4});
  BOOST_TEST_MESSAGE("largest difference to the fixture's reference logits: " << max_difference(logits, reference));
  BOOST_TEST(max_difference(logits, reference) <= 1e-6, logits << " vs " << reference);
}

BOOST_AUTO_TEST_SUITE_END()
