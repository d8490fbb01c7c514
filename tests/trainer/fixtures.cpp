#include "fixtures.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "cairn/state.h"
#include "cairn/state_dict.h"
#include "checkpoint/saver/folder_lock.h"
#include "core/console_logger.h"
#include "core/rng.h"

#include <nlohmann/json.hpp>
#include "trainer/scheduler.h"

namespace cairn::test {
namespace fs = std::filesystem;

TinyNetImpl::TinyNetImpl(int64_t in, int64_t hidden, int64_t out, bool extra_layer) {
  fc1 = register_module("fc1", torch::nn::Linear(in, hidden));
  dropout = register_module("dropout", torch::nn::Dropout(0.3));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, out));
  if (extra_layer) fc3 = register_module("fc3", torch::nn::Linear(out, out));
}

torch::Tensor TinyNetImpl::forward(torch::Tensor x) {
  x = fc2(dropout(torch::relu(fc1(x))));
  return fc3 ? fc3(x) : x;
}

TinyDataset::TinyDataset(int64_t samples, int64_t batch_size, int64_t features)
    : samples_(samples), batch_size_(batch_size) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1234);
  x_ = at::randn({samples, features}, gen);
  y_ = at::randint(0, 3, {samples}, gen, at::kLong);
}

Batch TinyDataset::get_batch(const std::vector<int64_t>& indices) {
  auto idx = torch::tensor(indices, torch::kLong);
  Batch b;
  b.inputs = x_.index_select(0, idx);
  b.targets = y_.index_select(0, idx);
  b.num_samples = int64_t(indices.size());
  return b;
}

Batch FixedDataset::get_batch(const std::vector<int64_t>& indices) {
  auto idx = torch::tensor(indices, torch::kLong);
  Batch b;
  b.inputs = inputs_.index_select(0, idx);
  b.targets = targets_.index_select(0, idx);
  b.num_samples = int64_t(indices.size());
  return b;
}

std::shared_ptr<FixedDataset> make_eval_dataset() {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(4321);
  return std::make_shared<FixedDataset>(at::randn({7, 4}, gen), at::randint(0, 3, {7}, gen, at::kLong), 3);
}

void DummyStatefulCallback::on_event(Event event, State&) {
  if (event == Event::INIT) random_value = at::rand({1}).item<double>();
  if (event == Event::BATCH_END) ++batches_seen;
}

c10::IValue DummyStatefulCallback::state_dict() const {
  auto d = make_dict();
  d.insert("random_value", random_value);
  d.insert("batches_seen", batches_seen);
  return d;
}

void DummyStatefulCallback::load_state_dict(const c10::IValue& state) {
  const auto d = state.toGenericDict();
  random_value = d.at("random_value").toDouble();
  batches_seen = d.at("batches_seen").toInt();
}

TrainerOptions make_options(const std::string& max_duration, uint64_t seed, bool extra_layer) {
  seed_all(seed);  // identical initial weights for every run built with the same seed
  TrainerOptions o;
  auto net = TinyNet(4, 8, 3, extra_layer);
  auto model = std::make_shared<ModuleModel<TinyNet>>(net);
  o.model = model;
  o.train_dataloader = std::make_shared<TinyDataset>();
  o.max_duration = max_duration;
  o.seed = seed;
  o.run_name = "test-run";
  auto adam = std::make_shared<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(0.01));
  o.optimizers = {adam};
  o.schedulers = {make_scheduler("steplr", nlohmann::json{{"step_size", 3}, {"gamma", 0.5}}, adam)};
  o.callbacks.push_back({"DummyStatefulCallback", std::make_shared<DummyStatefulCallback>()});
  o.logger = std::make_shared<ConsoleLogger>(false);
  return o;
}

std::vector<std::string> list_files(const std::string& folder) {
  std::vector<std::string> names;
  if (!fs::exists(folder)) return names;
  for (const auto& e : fs::directory_iterator(folder)) {
    // A running saver's lock (folder_lock.h) is not one of the run's files.
    if (e.path().filename() != kFolderLockName) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string run_python(const std::string& script, const std::vector<std::string>& args) {
  TempDir dir;
  const std::string script_path = dir / "script.py";
  write_bytes(script_path, script);
  std::string command = std::string(CAIRN_TEST_PYTHON) + " " + script_path;
  for (const auto& a : args) command += " '" + a + "'";
  command += " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string output;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  if (status != 0) throw std::runtime_error("python failed (" + std::to_string(status) + "): " + output);
  return output;
}

}  // namespace cairn::test
