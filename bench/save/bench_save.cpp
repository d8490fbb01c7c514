// cairn_bench_save: writes a ~1 GiB state of many mixed-size tensors with
// write_checkpoint, or lists that state's tensors for the Python peer.
//
//   cairn_bench_save sizes [--gib G]          one "dtype numel" line per tensor
//   cairn_bench_save write PATH [--gib G]     saves; prints key=value lines. PATH may be
//     a store URI (s3://bucket/key): the checkpoint is then streamed into the store
//     (stream_checkpoint, as a URI save_folder does), through the plugins next to the build
//     and the store's usual settings from the environment
//   cairn_bench_save write-async PATH [--gib G]  saves twice as save_async does; prints
//     the time each snapshot blocked (blocked_first_seconds, blocked_seconds) and the
//     time until each file was complete (seconds_first, seconds)
//   cairn_bench_save read PATH                reads PATH three ways; prints key=value lines
//     (wall and CPU seconds, peak resident memory) for each:
//     checked (read_checkpoint: CRC-32 and SHA-256 of every record), unchecked
//     (LibTorch's own reader, which checks nothing) and verify (cairn verify's
//     pass alone, nothing unpickled)
//
// The state is deterministic: the same G gives the same tensors in both modes.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/import_read.h>

#include "bench_args.h"
#include "peak_memory.h"
#include "app/engine_host.h"
#include "cairn/object_store.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/io/checkpoint_writer.h"
#include "checkpoint/io/checkpoint_verify.h"
#include "checkpoint/saver/background_save.h"
#include "checkpoint/saver/state_snapshot.h"

namespace {

struct TensorSpec {
  at::ScalarType dtype;
  int64_t numel;
};

const char* python_name(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    default: return "uint8";
  }
}

// Sizes from 4 KiB to 64 MiB, skewed towards small tensors as in real models
// (many biases and norms, few big matrices), until `total_bytes` is reached.
std::vector<TensorSpec> make_specs(uint64_t total_bytes) {
  std::vector<TensorSpec> specs;
  uint32_t seed = 20240611u;
  uint64_t sum = 0;
  const at::ScalarType dtypes[] = {at::kFloat, at::kFloat, at::kFloat, at::kBFloat16, at::kLong};
  while (sum < total_bytes) {
    seed = seed * 1664525u + 1013904223u;
    // log2(bytes) in [12, 26]; squaring a uniform number favours the low end.
    const double u = static_cast<double>(seed >> 8) / static_cast<double>(1u << 24);
    const int log2_bytes = 12 + static_cast<int>(u * u * 15.0);
    const at::ScalarType dtype = dtypes[(seed >> 4) % 5];
    uint64_t bytes = std::min<uint64_t>(uint64_t{1} << log2_bytes, total_bytes - sum);
    const int64_t element = static_cast<int64_t>(c10::elementSize(dtype));
    const int64_t numel = std::max<int64_t>(1, static_cast<int64_t>(bytes) / element);
    specs.push_back(TensorSpec{dtype, numel});
    sum += static_cast<uint64_t>(numel * element);
  }
  return specs;
}

int usage() {
  std::cerr << "usage: cairn_bench_save sizes [--gib G] | cairn_bench_save write|write-async PATH [--gib G] | "
               "cairn_bench_save read PATH\n";
  return 2;
}

// What one way of reading cost: wall and CPU (user + system) seconds, and the
// process's peak resident memory while it ran (the peak is reset before it, so
// an earlier way's does not count).
struct Cost {
  double seconds = 0;
  double cpu_seconds = 0;
  long peak_rss_kib = -1;
};

double cpu_seconds_now() {
  rusage u {};
  ::getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

template <typename F>
Cost cost_of(F&& f) {
  cairn::bench::reset_peak_rss();
  const double cpu = cpu_seconds_now();
  const auto start = std::chrono::steady_clock::now();
  f();
  Cost c;
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  c.cpu_seconds = cpu_seconds_now() - cpu;
  c.peak_rss_kib = cairn::bench::peak_rss_kib();
  return c;
}

void print_cost(const char* way, const Cost& c) {
  std::cout << way << "_seconds=" << c.seconds << "\n"
            << way << "_cpu_seconds=" << c.cpu_seconds << "\n"
            << way << "_peak_rss_kib=" << c.peak_rss_kib << "\n";
}

// Two saves as save_async makes them: an eager snapshot into staging memory
// (what training waits for), then the file written on another thread. The
// first save allocates the staging memory; the second reuses it, as every
// later save of a run does, and is the one reported as steady state.
int write_async(const c10::IValue& root, const std::string& path, uint64_t live_bytes) {
  cairn::checkpoint::SnapshotStaging staging;
  double blocked[2] = {0, 0}, total[2] = {0, 0};
  uint64_t written = 0;
  for (int save = 0; save < 2; ++save) {
    const auto start = std::chrono::steady_clock::now();
    auto snapshot = std::make_shared<cairn::checkpoint::StateSnapshot>(
        staging.take(root, [](const at::Storage&) { return false; }));
    blocked[save] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cairn::BackgroundSave job([] {}, [&] { written = cairn::checkpoint::write_checkpoint(snapshot->root(), path); });
    job.wait();
    job.rethrow_error();
    total[save] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::cout << "live_bytes=" << live_bytes << "\n"
            << "file_bytes=" << written << "\n"
            << "blocked_first_seconds=" << blocked[0] << "\n"
            << "seconds_first=" << total[0] << "\n"
            << "blocked_seconds=" << blocked[1] << "\n"
            << "seconds=" << total[1] << "\n"
            << "peak_rss_kib=" << cairn::bench::peak_rss_kib() << "\n";
  return 0;
}

int read_three_ways(const std::string& path) {
  print_cost("checked", cost_of([&] { (void)cairn::checkpoint::read_checkpoint(path); }));
  print_cost("unchecked", cost_of([&] {
    caffe2::serialize::PyTorchStreamReader reader(path);
    (void)torch::jit::readArchiveAndTensors("data", "", "", c10::nullopt, c10::nullopt, c10::nullopt, reader);
  }));
  print_cost("verify", cost_of([&] { (void)cairn::checkpoint::verify_checkpoint(path, path, {}); }));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = cairn::bench::parse_bench_args(argc, argv, "--gib", 1.0);
  if (!args) return usage();
  const std::string& mode = args->mode;
  const std::string& path = args->path;
  const double gib = args->size;
  const auto specs = make_specs(static_cast<uint64_t>(gib * (1 << 30)));

  if (mode == "sizes") {
    for (const TensorSpec& s : specs) std::cout << python_name(s.dtype) << " " << s.numel << "\n";
    return 0;
  }
  if (mode == "read" && !path.empty()) return read_three_ways(path);
  if ((mode != "write" && mode != "write-async") || path.empty()) return usage();

  // A flat state dict of tensors: the shape of a model state for the writer.
  auto state = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  uint64_t live_bytes = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    at::Tensor t = at::empty({specs[i].numel}, at::TensorOptions().dtype(specs[i].dtype));
    t.fill_(static_cast<double>(i % 97));  // touch every page: the state is resident
    live_bytes += t.nbytes();
    state.insert("layer" + std::to_string(i), t);
  }
  auto root = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
  root.insert("state", state);
  const long rss_before_kib = cairn::bench::status_kib("VmRSS:");
  if (mode == "write-async") return write_async(root, path, live_bytes);

  const cairn::Uri uri = cairn::Uri::parse(path);
  cairn::EngineHost host;  // outlives the store its plugin made
  std::shared_ptr<cairn::ObjectStore> store;
  if (!uri.is_local()) {  // opened before the clock starts, as a trainer opens it before training
    host.load_all({});
    store = host.open_store_for_uri(cairn::Uri{uri.scheme, uri.bucket, ""}, nlohmann::json::object());
  }
  const auto start = std::chrono::steady_clock::now();
  const uint64_t written = store ? cairn::checkpoint::stream_checkpoint(root, *store, uri.path, {})
                                 : cairn::checkpoint::write_checkpoint(root, path);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::cout << "tensors=" << specs.size() << "\n"
            << "live_bytes=" << live_bytes << "\n"
            << "file_bytes=" << written << "\n"
            << "seconds=" << seconds << "\n"
            << "rss_before_write_kib=" << rss_before_kib << "\n"
            << "peak_rss_kib=" << cairn::bench::peak_rss_kib() << "\n";
  return 0;
}
