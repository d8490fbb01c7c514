// cairn_bench_dist: one rank of the multi-process checkpoint benchmark
// (bench/dist/run.sh), joined from RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT.
//
//   cairn_bench_dist save MONO_PATH SHARDED_FOLDER [--mib S]
//       builds the state (replicated on every rank, as in data-parallel
//       training), then times a monolithic save (rank 0 writes MONO_PATH with
//       write_checkpoint, the others wait at the barrier) and a sharded save
//       (save_sharded into SHARDED_FOLDER, each rank ~1/N of the bytes), then
//       the same sharded save as save_async makes it: a snapshot into staging
//       memory that an earlier save already touched (what training waits for,
//       async_blocked), then each rank's part written on a thread of its own
//       and the folder published (async_total: from the snapshot to publication)
//   cairn_bench_dist load SHARDED_FOLDER [--mib S]
//       times ShardedReader(folder).load(group) on every rank (the folder may have
//       been written by another world size), then checks every value, then
//       times verify_manifest(group) alone, the ranks sharing the files (part of
//       load(group); the cache is warm now)
//
// Prints key=value lines: <phase>_seconds (from a barrier before to a barrier
// after, so the slowest rank's time) and <phase>_peak_rss_kib (VmHWM, reset
// before the phase). The state is dcp_peer.py's, value for value.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include <ATen/ATen.h>

#include "peak_memory.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/saver/state_snapshot.h"
#include "checkpoint/sharded/sharded_reader.h"
#include "checkpoint/sharded/sharded_writer.h"
#include "dist/process_group.h"

namespace {

constexpr int kTensors = 8;
constexpr int64_t kCols = 1024;

// Tensor i of the state: [S * 32, 1024] float32 (S / 8 MiB), values
// (j % 251) + i over the flat index j, exact in float32 on both sides.
at::Tensor make_tensor(int i, int64_t mib) {
  const int64_t rows = mib * 32;
  return at::arange(rows * kCols, at::kInt).remainder_(251).to(at::kFloat).add_(i).view({rows, kCols});
}

// Times `f` between two barriers; prints the phase's seconds and peak RSS.
template <typename F>
void timed(const char* phase, cairn::Collectives& group, F&& f) {
  group.barrier();
  cairn::bench::reset_peak_rss();
  const auto start = std::chrono::steady_clock::now();
  f();
  group.barrier();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << phase << "_seconds=" << seconds << "\n" << phase << "_peak_rss_kib=" << cairn::bench::peak_rss_kib() << "\n";
}

// A sharded save as save_async makes it, into `folder`: the blocking
// snapshot, then the part written off the calling thread and the folder
// published once every rank's part is written.
void async_sharded_save(const c10::IValue& root, const std::string& folder, cairn::Collectives& group) {
  cairn::checkpoint::SnapshotStaging staging;
  const auto no_deferral = [](const at::Storage&) { return false; };
  (void)staging.take(root, no_deferral);  // the save before: first touches the staging memory
  const auto start = std::chrono::steady_clock::now();
  cairn::checkpoint::StateSnapshot snapshot;
  timed("async_blocked", group, [&] { snapshot = staging.take(root, no_deferral); });
  cairn::checkpoint::sharded::RankWriteResult mine;
  std::thread writer(
      [&] { mine = cairn::checkpoint::sharded::write_own_file(folder, snapshot.root(), group.rank(), group.size()); });
  writer.join();
  cairn::checkpoint::sharded::publish_sharded(folder, mine, group);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "async_total_seconds=" << total << "\n";
}

int usage() {
  std::cerr << "usage: cairn_bench_dist save MONO_PATH SHARDED_FOLDER [--mib S] | "
               "cairn_bench_dist load SHARDED_FOLDER [--mib S]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string mode = argv[1];
  std::vector<std::string> paths;
  int64_t mib = 1024;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mib") == 0 && i + 1 < argc) mib = std::atoll(argv[++i]);
    else paths.push_back(argv[i]);
  }
  if (mib <= 0 || !((mode == "save" && paths.size() == 2) || (mode == "load" && paths.size() == 1))) return usage();

  try {
    auto group = cairn::dist::join_from_environment();
    std::cout << "rank=" << group->rank() << "\nworld=" << group->size() << "\n";
    if (mode == "save") {
      auto root = c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get());
      for (int i = 0; i < kTensors; ++i) root.insert("layer" + std::to_string(i), make_tensor(i, mib));
      std::cout << "rss_live_kib=" << cairn::bench::status_kib("VmRSS:") << "\n";
      timed("mono", *group, [&] {
        if (group->rank() == 0) (void)cairn::checkpoint::write_checkpoint(root, paths[0]);
      });
      timed("sharded", *group, [&] { cairn::checkpoint::sharded::save_sharded(paths[1], root, *group); });
      async_sharded_save(root, paths[1] + "-async", *group);
    } else {
      c10::IValue loaded;
      timed("load", *group, [&] { loaded = cairn::checkpoint::sharded::ShardedReader(paths[0]).load(*group); });
      // Outside the timing: a load that returned wrong values measured nothing.
      const auto dict = loaded.toGenericDict();
      for (int i = 0; i < kTensors; ++i) {
        const at::Tensor got = dict.at("layer" + std::to_string(i)).toTensor();
        if (!got.equal(make_tensor(i, mib))) {
          std::cerr << "cairn_bench_dist: rank " << group->rank() << ": layer" << i << " differs from the state saved\n";
          return 1;
        }
      }
      std::cout << "load_checked=1\n";
      // What load() spends on the SHA-256 manifest alone, on a now warm cache.
      timed("verify", *group, [&] { (void)cairn::checkpoint::sharded::ShardedReader(paths[0]).verify_manifest(*group); });
    }
  } catch (const std::exception& e) {
    std::cerr << "cairn_bench_dist: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
