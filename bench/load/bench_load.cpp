// cairn_bench_load: Cairn's side of the load benchmark (bench/report.sh, row P4):
// restoring a training state -- an MLP's parameters and its Adam state -- from
// a checkpoint into a model and optimizer that already exist, as a resumed run
// does. The Python side is torch_load_peer.py, with the same layout.
//
//   cairn_bench_load spec [--mib M]        prints the layout: layers=L width=W
//   cairn_bench_load save PATH [--mib M]   builds the model, takes one Adam step
//                                          (so the optimizer has state), saves
//                                          {"state": {"model", "optimizers": {"Adam"}}}
//                                          with write_checkpoint
//   cairn_bench_load load PATH [--mib M]   builds the model and a fresh Adam, then
//                                          times the load step as the trainer does
//                                          it: read_checkpoint_into (the model's
//                                          records read straight into its
//                                          parameters; every record's CRC-32 and
//                                          SHA-256 checked), load_model_state_dict
//                                          (nothing left to copy) and
//                                          load_optimizer_state_dict (adopts the
//                                          read tensors as the optimizer's state)
//
// M MiB (default 1024) is the whole checkpoint's tensor bytes: the parameters
// are a third of it and Adam's exp_avg and exp_avg_sq the rest. The model is a
// stack of L Linear(W, W) layers (W = 2048: 16 MiB weight matrices).
// Prints key=value lines: load_seconds (= read_seconds + apply_seconds),
// peak_rss_kib over the load step (VmHWM, reset just before it),
// rss_before_load_kib, live_bytes (the state's tensor bytes once loaded),
// file_bytes.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>

#include <torch/torch.h>

#include "bench_args.h"
#include "peak_memory.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/io/checkpoint_reader.h"
#include "checkpoint/model_state.h"
#include "core/console_logger.h"
#include "trainer/optimizer_state.h"

namespace {

constexpr int64_t kWidth = 2048;

// Layers so that parameters + exp_avg + exp_avg_sq come to about `mib` MiB.
int64_t layers_for(double mib) {
  const double layer_mib = static_cast<double>((kWidth * kWidth + kWidth) * 4) / 1048576.0;
  return std::max<int64_t>(1, std::llround(mib / 3.0 / layer_mib));
}

torch::nn::Sequential make_model(int64_t layers) {
  torch::nn::Sequential model;
  for (int64_t i = 0; i < layers; ++i) model->push_back(torch::nn::Linear(kWidth, kWidth));
  return model;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

uint64_t tensor_bytes(const torch::nn::Module& model, torch::optim::Optimizer& optimizer) {
  uint64_t bytes = 0;
  for (const auto& p : model.parameters()) bytes += p.nbytes();
  const c10::IValue state = cairn::optimizer_state_dict(optimizer);
  for (const auto& param : state.toGenericDict().at("state").toGenericDict())
    for (const auto& field : param.value().toGenericDict())
      if (field.value().isTensor()) bytes += field.value().toTensor().nbytes();
  return bytes;
}

int usage() {
  std::cerr << "usage: cairn_bench_load spec [--mib M] | cairn_bench_load save PATH [--mib M] | "
               "cairn_bench_load load PATH [--mib M]\n";
  return 2;
}

int save(const std::string& path, int64_t layers) {
  auto model = make_model(layers);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  for (auto& p : model->parameters()) p.mutable_grad() = torch::full_like(p, 0.01);
  optimizer.step();  // Adam's state exists only after a step
  for (auto& p : model->parameters()) p.mutable_grad() = at::Tensor();  // only the state is saved

  auto optimizers = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  optimizers.insert("Adam", cairn::optimizer_state_dict(optimizer));
  auto state = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  state.insert("model", cairn::model_state_dict(*model));
  state.insert("optimizers", optimizers);
  auto root = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  root.insert("state", state);

  const auto start = std::chrono::steady_clock::now();
  const uint64_t written = cairn::checkpoint::write_checkpoint(root, path);
  std::cout << "seconds=" << seconds_since(start) << "\n"
            << "live_bytes=" << tensor_bytes(*model, optimizer) << "\n"
            << "file_bytes=" << written << "\n";
  return 0;
}

int load(const std::string& path, int64_t layers) {
  // What a resumed run has before it loads: the model and a fresh optimizer.
  auto model = make_model(layers);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  cairn::ConsoleLogger logger(/*verbose=*/false);
  const long rss_before_kib = cairn::bench::status_kib("VmRSS:");

  cairn::bench::reset_peak_rss();
  const auto start = std::chrono::steady_clock::now();
  // As a resumed run reads it: the model's records straight into its parameters.
  const cairn::checkpoint::ReadIntoChooser into_model = cairn::read_into_module(*model);
  const c10::IValue root = cairn::checkpoint::read_checkpoint_into(
      path, path, cairn::checkpoint::IntegrityPolicy::from_environment(), &into_model);
  const double read_seconds = seconds_since(start);
  const auto state = root.toGenericDict().at("state").toGenericDict();
  cairn::load_model_state_dict(*model, state.at("model"), /*strict=*/true, logger);
  cairn::load_optimizer_state_dict(optimizer, state.at("optimizers").toGenericDict().at("Adam"),
                                   "state/optimizers/Adam");
  const double load_seconds = seconds_since(start);
  const long peak_kib = cairn::bench::peak_rss_kib();

  std::cout << "load_seconds=" << load_seconds << "\n"
            << "read_seconds=" << read_seconds << "\n"
            << "apply_seconds=" << load_seconds - read_seconds << "\n"
            << "rss_before_load_kib=" << rss_before_kib << "\n"
            << "peak_rss_kib=" << peak_kib << "\n"
            << "live_bytes=" << tensor_bytes(*model, optimizer) << "\n"
            << "file_bytes=" << std::filesystem::file_size(path) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = cairn::bench::parse_bench_args(argc, argv, "--mib", 1024);
  if (!args) return usage();
  const std::string& mode = args->mode;
  const std::string& path = args->path;
  const double mib = args->size;
  const int64_t layers = layers_for(mib);
  torch::NoGradGuard no_grad;
  try {
    if (mode == "spec") {
      std::cout << "layers=" << layers << "\nwidth=" << kWidth << "\n";
      return 0;
    }
    if (mode == "save" && !path.empty()) return save(path, layers);
    if (mode == "load" && !path.empty()) return load(path, layers);
  } catch (const std::exception& e) {
    std::cerr << "cairn_bench_load: " << e.what() << "\n";
    return 1;
  }
  return usage();
}
