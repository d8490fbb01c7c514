// One rank of a test job (tests/dist/dist_test.cpp starts N of these, or
// torchrun does): joins through the environment (RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT) and runs the mode given as argv[1]:
//   collectives  every collective, checked against what the ranks must agree on
//   dead_rank    rank 1 leaves after joining; the others then allreduce
//   hung_rank    rank 1 sleeps past the timeout; the others then allreduce
// CAIRN_TEST_DIST_TIMEOUT is dist_timeout in seconds (default 60). Exit 0 when
// every check held; a failed check or a cairn::Error prints one line, exit 1.
#include <ATen/ATen.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "cairn/errors.h"
#include "dist/process_group.h"

using cairn::dist::ProcessGroup;
using cairn::dist::ReduceOp;

namespace {

int failures = 0;

void expect(bool ok, const ProcessGroup& group, const std::string& what) {
  if (ok) return;
  ++failures;
  std::cerr << "rank " << group.rank() << ": check failed: " << what << std::endl;
}

bool same(const at::Tensor& a, const at::Tensor& b) { return a.sizes() == b.sizes() && at::equal(a, b); }

void check_broadcast(ProcessGroup& group) {
  const int r = group.rank(), last = group.size() - 1;
  const bool root = r == 0;
  std::vector<at::Tensor> tensors{at::full({3}, root ? 7.5f : -1.0f), at::arange(5, at::kLong) * (root ? 2 : 0),
                                  // not contiguous: Gloo is handed a packed copy
                                  at::full({3, 2}, root ? 4.0 : 0.0, at::kDouble).t()};
  group.broadcast(tensors);
  expect(same(tensors[0], at::full({3}, 7.5f)), group, "broadcast of a float tensor from rank 0");
  expect(same(tensors[1], at::arange(5, at::kLong) * 2), group, "broadcast of a long tensor from rank 0");
  expect(same(tensors[2], at::full({2, 3}, 4.0, at::kDouble)), group, "broadcast into a transposed tensor");
  // A parameter (a leaf that requires grad), transposed: written in place all the same.
  std::vector<at::Tensor> parameter{at::full({2, 2}, root ? 3.0f : 0.0f).t().requires_grad_(true)};
  group.broadcast(parameter);
  expect(at::equal(parameter[0].detach(), at::full({2, 2}, 3.0f)) && parameter[0].requires_grad(), group,
         "broadcast into a parameter that requires grad");
  std::vector<at::Tensor> from_last{at::full({2}, static_cast<int64_t>(r == last ? 99 : r), at::kLong)};
  group.broadcast(from_last, last);
  expect(same(from_last[0], at::full({2}, int64_t{99}, at::kLong)), group, "broadcast from the last rank");
}

void check_allreduce(ProcessGroup& group) {
  const int r = group.rank(), w = group.size();
  std::vector<at::Tensor> sum{at::full({4}, static_cast<float>(r + 1)), at::full({2}, static_cast<int64_t>(r), at::kLong)};
  group.allreduce(sum);
  expect(same(sum[0], at::full({4}, w * (w + 1) / 2.0f)), group, "allreduce sum of floats");
  expect(same(sum[1], at::full({2}, static_cast<int64_t>(w * (w - 1) / 2), at::kLong)), group, "allreduce sum of longs");
  std::vector<at::Tensor> low{at::full({3}, static_cast<double>(r + 1), at::kDouble)};
  group.allreduce(low, ReduceOp::kMin);
  expect(same(low[0], at::full({3}, 1.0, at::kDouble)), group, "allreduce min");
  std::vector<at::Tensor> high{at::full({3}, static_cast<int64_t>(10 * r), at::kLong)};
  group.allreduce(high, ReduceOp::kMax);
  expect(same(high[0], at::full({3}, static_cast<int64_t>(10 * (w - 1)), at::kLong)), group, "allreduce max");
}

void check_bucketed(ProcessGroup& group, size_t bucket_bytes) {
  const int r = group.rank(), w = group.size();
  // Gradient-like tensors of several dtypes and shapes, each rank's scaled by rank + 1.
  std::vector<at::Tensor> base{at::arange(6, at::kFloat).view({2, 3}), at::arange(4, at::kDouble),
                               at::arange(7, at::kFloat) - 3, at::arange(3, at::kLong) * 5, at::full({1}, 0.25f)};
  std::vector<at::Tensor> mine;
  for (const auto& t : base) mine.push_back(t * (r + 1));
  group.allreduce_bucketed(mine, ReduceOp::kSum, bucket_bytes);
  for (size_t i = 0; i < base.size(); ++i) {
    expect(same(mine[i], base[i] * (w * (w + 1) / 2)), group,
           "bucketed allreduce (bucket " + std::to_string(bucket_bytes) + " bytes) of tensor " + std::to_string(i));
  }
}

std::string bytes_of(int rank, int world) {
  if (world > 2 && rank == world - 1) return "";  // an empty string among others
  std::string text(static_cast<size_t>(3 * rank + 1), static_cast<char>('a' + rank));
  text += std::string("\0\xff", 2);  // binary, not text
  return text;
}

void check_bytes(ProcessGroup& group) {
  const int r = group.rank(), w = group.size();
  const auto all = group.allgather_bytes(bytes_of(r, w));
  expect(static_cast<int>(all.size()) == w, group, "allgather of bytes: one entry per rank");
  for (int other = 0; other < w && other < static_cast<int>(all.size()); ++other) {
    expect(all[other] == bytes_of(other, w), group, "allgather of bytes: rank " + std::to_string(other) + "'s entry");
  }
  const std::string message = std::string("rank zero's \0 state", 19);
  const std::string got = group.broadcast_bytes(r == 0 ? message : std::string(static_cast<size_t>(r), 'x'));
  expect(got == message, group, "broadcast of bytes from rank 0");
  const std::string empty = group.broadcast_bytes(r == 0 ? std::string() : std::string("ignored"));
  expect(empty.empty(), group, "broadcast of empty bytes");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const char* timeout_text = std::getenv("CAIRN_TEST_DIST_TIMEOUT");
  try {
    const auto timeout = cairn::dist::dist_timeout_from_seconds(timeout_text ? std::stod(timeout_text) : 60.0);
    auto group = cairn::dist::join_from_environment(timeout);
    if (mode == "collectives") {
      check_broadcast(*group);
      check_allreduce(*group);
      check_bucketed(*group, 16);  // several buckets per dtype
      check_bucketed(*group, 25u << 20);
      check_bytes(*group);
      group->barrier();
      if (failures > 0) return 1;
      std::cout << "rank " << group->rank() << " of " << group->size() << ": every collective agreed" << std::endl;
      return 0;
    }
    if (mode == "dead_rank" || mode == "hung_rank") {
      if (group->rank() == 1) {
        if (mode == "hung_rank") std::this_thread::sleep_for(timeout * 3);
        std::cout << "rank 1 leaves without the allreduce" << std::endl;
        std::_Exit(0);  // no goodbye to the others: as a killed rank
      }
      std::vector<at::Tensor> t{at::ones({2})};
      group->allreduce(t);
      std::cout << "rank " << group->rank() << ": allreduce returned without rank 1" << std::endl;
      return 0;
    }
    std::cerr << "dist_rank: unknown mode '" << mode << "'; use collectives, dead_rank or hung_rank" << std::endl;
    return 2;
  } catch (const cairn::Error& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return 1;
  }
}
