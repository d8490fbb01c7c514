// engine/checkpoint/sharded: folders Cairn writes load in Python's torch 1.13
// load_state_dict and folders Python's save_state_dict writes load in Cairn
// (sharded_peers.py), resharding N -> M, real ranks through save_sharded (this
// binary is also the rank program: see RankEntry), and damaged folders.
#define BOOST_TEST_MODULE test_sharded
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>
#include <ATen/core/Dict.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/pickle/pickled_object.h"
#include "checkpoint/sharded/chunk_boxes.h"
#include "checkpoint/sharded/flatten.h"
#include "checkpoint/sharded/sharded_metadata.h"
#include "checkpoint/sharded/sharded_reader.h"
#include "checkpoint/sharded/sharded_writer.h"
#include "core/atomic_file.h"
#include "core/one_line.h"
#include "dist/process_group.h"
#include "ivalue_compare.h"
#include "rank_job.h"
#include "temp_dir.h"
#include "test_process.h"
#include "test_skip.h"
#include "test_text.h"

namespace fs = std::filesystem;
using namespace cairn::checkpoint::sharded;
using cairn::test::RankRun;
using cairn::test::first_difference;

namespace {

c10::impl::GenericDict dict() { return c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get()); }

// A trainer-like tree: several dtypes, a 0-dim tensor, one with fewer rows
// than ranks, a non-contiguous view, keys holding '.', a typed dict, an rng
// list of per-rank dicts, and leaves that are not tensors.
c10::IValue sample_state() {
  auto model = dict();
  model.insert("fc.weight", at::sin(at::arange(30, at::kFloat)).reshape({10, 3}));
  model.insert("fc.bias", at::arange(3, at::kDouble) / 7);
  model.insert("ids", at::arange(-9, 9, at::kLong).reshape({9, 2}));
  model.insert("steps", at::tensor(int64_t{42}));
  model.insert("two_rows", at::cos(at::arange(8, at::kFloat)).reshape({2, 4}));
  model.insert("view", at::arange(18, at::kFloat).reshape({3, 6}).t());
  model.insert("empty", at::zeros({0, 5}));
  c10::Dict<std::string, at::Tensor> typed;
  typed.insert("a", at::ones({5}, at::kInt));
  auto state = dict();
  state.insert("model", model);
  state.insert("typed", typed);
  state.insert("run_name", "run-1");
  state.insert("epochs", c10::List<int64_t>({1, 2, 3}));
  state.insert("timestamp", c10::ivalue::Tuple::create({int64_t{3}, 2.5, std::string("x")}));
  state.insert("nothing", dict());
  // A Python object as the restricted unpickler gives it (Composer's metrics): one bytes item.
  state.insert("metric", cairn::checkpoint::pickle::make_placeholder("torchmetrics.Accuracy",
                                                                     c10::ivalue::Tuple::create({int64_t{10}})));
  c10::impl::GenericList rng(c10::AnyType::get());
  for (int r = 0; r < 2; ++r) {
    auto one = dict();
    one.insert("torch", at::arange(6, at::kByte) + r);
    one.insert("python", c10::ivalue::Tuple::create({int64_t{3}, c10::List<int64_t>({5, 8, r})}));
    rng.push_back(one);
  }
  auto root = dict();
  root.insert("state", state);
  root.insert("rng", rng);
  return root;
}

// The four calls every rank of a `world`-rank save makes, then the coordinator's.
void write_folder(const std::string& folder, const c10::IValue& root, int world) {
  const FlatCheckpoint flat = flatten(root);
  std::vector<RankWriteResult> results;
  for (int r = 0; r < world; ++r) results.push_back(write_rank_file(folder, r, world, flat));
  write_metadata(folder, results);
}

// The flat items as one dict (what Python's load_state_dict fills), written in
// torch.save's format by Cairn's monolithic writer.
void write_flat_monolithic(const c10::IValue& root, const std::string& path) {
  auto flat_dict = dict();
  for (const FlatItem& item : flatten(root).items) flat_dict.insert(item.key, item.value);
  cairn::checkpoint::write_checkpoint(flat_dict, path);
}

std::string peer(const std::string& args) {
  return std::string(CAIRN_TEST_PYTHON) + " " + CAIRN_TEST_SOURCE_DIR + "/tests/sharded/sharded_peers.py " + args;
}

bool have_dcp113() {
  return cairn::test::run_command(std::string(CAIRN_TEST_PYTHON) + " -c 'import torch; assert torch.__version__.startswith(\"1.13\")'")
             .status == 0;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const cairn::Error& e) {
    return e.what();
  }
  return "";
}

// ---- one rank of a real job, when this binary is started as one ----

int run_rank(const std::string& folder) {
  try {
    auto group = cairn::dist::join_from_environment(std::chrono::seconds(60));
    save_sharded(folder, sample_state(), *group);
    std::cout << "rank " << group->rank() << " saved" << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cout << cairn::exception_line(e) << std::endl;
    return 1;
  }
}

// One rank of a job loading `folder` together (ShardedReader::load(group)).
int run_loading_rank(const std::string& folder) {
  try {
    auto group = cairn::dist::join_from_environment(std::chrono::seconds(60));
    const c10::IValue loaded = ShardedReader(folder).load(*group);
    const std::string difference = first_difference(loaded, sample_state());
    std::cout << "rank " << group->rank() << (difference.empty() ? " loaded it all" : " differs: " + difference) << std::endl;
    return difference.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cout << cairn::exception_line(e) << std::endl;
    return 1;
  }
}

// With CAIRN_SHARDED_TEST_FOLDER (or ..._LOAD_FOLDER) set, and the torchrun
// variables, the binary is one rank of a save_sharded job (or of a load): it
// runs before Boost.Test and exits.
struct RankEntry {
  RankEntry() {
    if (const char* folder = std::getenv("CAIRN_SHARDED_TEST_FOLDER")) std::_Exit(run_rank(folder));
    if (const char* folder = std::getenv("CAIRN_SHARDED_TEST_LOAD_FOLDER")) std::_Exit(run_loading_rank(folder));
  }
} rank_entry;

// `world` ranks of this binary saving into `folder`.
std::vector<RankRun> run_ranks(const TempDir& dir, const std::string& folder, int world) {
  return cairn::test::run_ranks(world, {"/proc/self/exe"}, dir / "rank", {{"CAIRN_SHARDED_TEST_FOLDER", folder}});
}

}  // namespace

BOOST_AUTO_TEST_CASE(flatten_and_unflatten_are_inverse_and_match_a_monolithic_load) {
  const c10::IValue root = sample_state();
  const FlatCheckpoint flat = flatten(root);
  BOOST_TEST(flat.items.size() == 17u);
  BOOST_TEST(flat.items.front().key == "state.model.fc.weight");
  bool saw_rng = false;
  for (const FlatItem& item : flat.items) saw_rng |= item.key == "rng.1.torch" && item.value.isTensor();
  BOOST_TEST(saw_rng);
  BOOST_TEST(first_difference(unflatten(flat.items, flat.layout, "x"), root) == "");

  // Through files: the sharded load equals what the monolithic path gives,
  // type tags (Dict[str, Tensor], List[int]) included.
  TempDir dir;
  write_folder(dir / "ckpt", root, 4);
  cairn::checkpoint::write_checkpoint(root, dir / "mono.pt");
  const c10::IValue mono = cairn::checkpoint::read_checkpoint(dir / "mono.pt");
  const c10::IValue sharded = ShardedReader(dir / "ckpt").load();
  BOOST_TEST(first_difference(sharded, mono) == "");
  BOOST_TEST(first_difference(sharded, root) == "");
  const auto typed = sharded.toGenericDict().at("state").toGenericDict().at("typed");
  BOOST_TEST(typed.type()->annotation_str() == mono.toGenericDict().at("state").toGenericDict().at("typed").type()->annotation_str());
  const auto epochs = sharded.toGenericDict().at("state").toGenericDict().at("epochs");
  BOOST_TEST(epochs.type()->annotation_str() == "List[int]");

  auto clash = dict();
  clash.insert("a.b", int64_t{1});
  auto inner = dict();
  inner.insert("b", int64_t{2});
  clash.insert("a", inner);
  const std::string error = error_of([&] { flatten(clash); });
  BOOST_TEST(cairn::test::contains(error, "'a.b'"), error);
  BOOST_TEST(error.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(four_ranks_split_the_rows_and_every_reader_count_gets_everything) {
  const c10::IValue root = sample_state();
  TempDir dir;
  write_folder(dir / "by4", root, 4);
  for (int r = 0; r < 4; ++r) BOOST_TEST(fs::exists(dir / ("by4/__" + std::to_string(r) + "_0.distcp")));
  const ShardedReader reader(dir / "by4");
  BOOST_TEST(reader.metadata().manifest.size() == 4u);
  for (const StoredItem& item : reader.metadata().items) {
    if (item.key == "state.model.fc.weight") {
      // 10 rows over 4 ranks: 3, 3, 2, 2, one chunk in each rank's file.
      BOOST_REQUIRE(item.chunks.size() == 4u);
      BOOST_TEST(item.chunks[0].sizes[0] == 3);
      BOOST_TEST(item.chunks[3].offsets[0] == 8);
      BOOST_TEST(item.chunks[3].file == "__3_0.distcp");
    }
    if (item.key == "state.model.two_rows") BOOST_TEST(item.chunks.size() == 2u);
    if (item.key == "state.model.steps") BOOST_TEST(item.chunks.size() == 1u);
    if (!item.is_tensor) BOOST_TEST(item.chunks.at(0).file == "__0_0.distcp");
  }
  // Read as 1, 2 and 4 ranks: in data-parallel training every rank loads all;
  // a model-sharded reader would read its own row box.
  const at::Tensor weight = root.toGenericDict().at("state").toGenericDict().at("model").toGenericDict().at("fc.weight").toTensor();
  for (int readers : {1, 2, 4}) {
    for (int r = 0; r < readers; ++r) {
      BOOST_TEST(first_difference(ShardedReader(dir / "by4").load(), root) == "", readers << " readers, rank " << r);
      const auto [first, count] = row_range(10, r, readers);
      const at::Tensor box = reader.read_box("state.model.fc.weight", {first, 1}, {count, 2});
      BOOST_TEST(at::equal(box, weight.narrow(0, first, count).narrow(1, 1, 2)));
    }
  }
  // Written by 2, read by 4.
  write_folder(dir / "by2", root, 2);
  for (int r = 0; r < 4; ++r) BOOST_TEST(first_difference(ShardedReader(dir / "by2").load(), root) == "");
  BOOST_TEST(!is_sharded_checkpoint(dir / "by2/__0_0.distcp"));
  BOOST_TEST(is_sharded_checkpoint(dir / "by2"));
}

BOOST_AUTO_TEST_CASE(pythons_load_state_dict_reads_what_cairn_wrote) {
  if (!have_dcp113()) CAIRN_SKIP_TEST("/usr/bin/python3 with torch 1.13 is missing");
  TempDir dir;
  const c10::IValue root = sample_state();
  write_folder(dir / "ckpt", root, 4);
  write_flat_monolithic(root, dir / "expected.pt");
  const auto result = cairn::test::run_command(peer("load " + (dir / "ckpt") + " " + (dir / "expected.pt")));
  BOOST_TEST(result.status == 0, result.output);
  BOOST_TEST(cairn::test::contains(result.output, "ok 17 items"), result.output);
}

BOOST_AUTO_TEST_CASE(cairn_reads_what_pythons_save_state_dict_wrote_with_two_ranks) {
  if (!have_dcp113()) CAIRN_SKIP_TEST("/usr/bin/python3 with torch 1.13 is missing");
  TempDir dir;
  const auto result = cairn::test::run_command(peer("write " + (dir / "py") + " 2 " + (dir / "expected.pt")));
  BOOST_REQUIRE_MESSAGE(result.status == 0, result.output);
  const c10::IValue expected = cairn::checkpoint::read_checkpoint(dir / "expected.pt");
  const ShardedReader reader(dir / "py");
  BOOST_TEST(reader.metadata().manifest.empty());
  BOOST_TEST(reader.metadata().items.size() == expected.toGenericDict().size());
  for (const auto& e : expected.toGenericDict()) {
    BOOST_TEST(first_difference(reader.read_item(e.key().toStringRef()), e.value()) == "", e.key().toStringRef());
  }
  // Row-sharded 'w' (7 rows over 2 ranks), read as a whole and as one box.
  const at::Tensor w = expected.toGenericDict().at("w").toTensor();
  BOOST_TEST(at::equal(reader.read_box("w", {2, 0}, {3, 3}), w.narrow(0, 2, 3)));
  BOOST_TEST(first_difference(reader.load(), expected) == "");
}

BOOST_AUTO_TEST_CASE(save_sharded_with_two_real_ranks_and_a_rank_that_fails) {
  TempDir dir;
  std::vector<RankRun> runs = run_ranks(dir, dir / "ok", 2);
  for (const RankRun& run : runs) BOOST_TEST(run.status == 0, run.output);
  BOOST_TEST(first_difference(ShardedReader(dir / "ok").load(), sample_state()) == "");
  BOOST_TEST(ShardedReader(dir / "ok").verify_manifest());

  // Rank 1 cannot put its file in place (a folder holds its name).
  fs::create_directories(dir / "bad/__1_0.distcp/x");
  runs = run_ranks(dir, dir / "bad", 2);
  for (const RankRun& run : runs) {
    BOOST_TEST(run.status != 0, run.output);
    BOOST_TEST(cairn::test::contains(run.output, "rank 1: cannot write sharded checkpoint file"), run.output);
  }
  BOOST_TEST(!fs::exists(dir / "bad/.metadata"));
}

// Each rank hashes its share of the data files; a damaged file fails every
// rank, the one that found it with the file's line, the other naming that rank.
BOOST_AUTO_TEST_CASE(ranks_share_the_manifest_check_and_fail_together) {
  TempDir dir;
  write_folder(dir / "ok", sample_state(), 2);
  const auto load_with_two_ranks = [&](const std::string& folder) {
    return cairn::test::run_ranks(2, {"/proc/self/exe"}, dir / "load", {{"CAIRN_SHARDED_TEST_LOAD_FOLDER", folder}});
  };
  for (const RankRun& run : load_with_two_ranks(dir / "ok")) {
    BOOST_TEST(run.status == 0, run.output);
    BOOST_TEST(cairn::test::contains(run.output, "loaded it all"), run.output);
  }

  // The second file in manifest order is rank 1's share.
  write_folder(dir / "flipped", sample_state(), 2);
  std::string bytes = read_file(dir / "flipped/__1_0.distcp");
  bytes[bytes.size() / 3] ^= 0x20;
  write_file(dir / "flipped/__1_0.distcp", bytes);
  const std::vector<RankRun> runs = load_with_two_ranks(dir / "flipped");
  for (const RankRun& run : runs) BOOST_TEST(run.status != 0, run.output);
  BOOST_TEST(cairn::test::contains(runs[1].output, "file '__1_0.distcp' does not match its SHA-256"), runs[1].output);
  BOOST_TEST(cairn::test::contains(runs[0].output, "rank 1 failed: sharded checkpoint"), runs[0].output);
  BOOST_TEST(!cairn::test::contains(runs[0].output, "loaded it all"), runs[0].output);
}

BOOST_AUTO_TEST_CASE(damaged_folders_give_one_line_naming_the_file) {
  TempDir dir;
  const c10::IValue root = sample_state();
  const auto fresh = [&](const std::string& name) {
    write_folder(dir / name, root, 2);
    return dir / name;
  };
  const auto one_line_naming = [](const std::string& error, const std::string& part) {
    BOOST_TEST(cairn::test::contains(error, part), error);
    BOOST_TEST(error.find('\n') == std::string::npos, error);
  };

  const std::string truncated = fresh("truncated");
  fs::resize_file(truncated + "/__1_0.distcp", fs::file_size(truncated + "/__1_0.distcp") - 100);
  one_line_naming(error_of([&] { ShardedReader{truncated}; }), "file '__1_0.distcp' ends at byte");

  const std::string flipped = fresh("flipped");
  std::string bytes = read_file(flipped + "/__0_0.distcp");
  bytes[bytes.size() / 2] ^= 0x20;
  write_file(flipped + "/__0_0.distcp", bytes);
  one_line_naming(error_of([&] { ShardedReader(flipped).load(); }), "file '__0_0.distcp' does not match its SHA-256");

  const std::string missing = fresh("missing");
  fs::remove(missing + "/__1_0.distcp");
  one_line_naming(error_of([&] { ShardedReader{missing}; }), "file '__1_0.distcp' (holding");

  // .metadata rewritten by Cairn's own emitter with one chunk moved out of
  // bounds, and with a dtype that its chunk does not have.
  const std::string outside = fresh("outside");
  ShardedMetadata metadata = ShardedReader(outside).metadata();
  for (StoredItem& item : metadata.items)
    if (item.key == "state.model.ids") item.chunks[1].offsets[0] = 8;
  const auto rewrite = [](const std::string& folder, const ShardedMetadata& m) {
    cairn::AtomicFile file(folder + "/.metadata");
    const std::string pickle = metadata_pickle(m);
    file.write(pickle.data(), pickle.size());
    file.commit();
  };
  rewrite(outside, metadata);
  one_line_naming(error_of([&] { ShardedReader{outside}; }), "item 'state.model.ids' has a chunk [8:12, 0:2] outside the tensor");

  const std::string overlap = fresh("overlap");
  metadata = ShardedReader(overlap).metadata();
  for (StoredItem& item : metadata.items)
    if (item.key == "state.model.ids") item.chunks[1].offsets[0] = 3;
  rewrite(overlap, metadata);
  one_line_naming(error_of([&] { ShardedReader{overlap}; }), "has chunks [0:5, 0:2] and [3:7, 0:2] that overlap");

  const std::string gap = fresh("gap");
  metadata = ShardedReader(gap).metadata();
  for (StoredItem& item : metadata.items)
    if (item.key == "state.model.ids") item.chunks.pop_back();
  rewrite(gap, metadata);
  one_line_naming(error_of([&] { ShardedReader{gap}; }), "item 'state.model.ids' is covered for 10 of its 18 elements");

  const std::string retyped = fresh("retyped");
  metadata = ShardedReader(retyped).metadata();
  for (StoredItem& item : metadata.items)
    if (item.key == "state.model.ids") item.dtype = c10::ScalarType::Int;
  rewrite(retyped, metadata);
  one_line_naming(error_of([&] { ShardedReader(retyped).read_item("state.model.ids"); }), "where .metadata promises a Int chunk");

  one_line_naming(error_of([&] { ShardedReader(dir / "nowhere"); }), "is not a sharded checkpoint");
  one_line_naming(error_of([&] { ShardedReader(fresh("box")).read_box("state.model.ids", {0, 0}, {10, 2}); }),
                  "is outside item 'state.model.ids'");
}

BOOST_AUTO_TEST_CASE(cairn_inspect_and_verify_take_a_sharded_folder) {
  TempDir dir;
  write_folder(dir / "ckpt", sample_state(), 3);
  const std::string cairn = std::string(CAIRN_TEST_BINARY_DIR) + "/bin/cairn";
  const std::string folder = cairn::test::shell_quote(dir / "ckpt");
  auto result = cairn::test::run_command(cairn + " inspect " + folder + " --tensors");
  BOOST_TEST(result.status == 0, result.output);
  BOOST_TEST(cairn::test::contains(result.output, "fc.weight"), result.output);
  result = cairn::test::run_command(cairn + " verify " + folder);
  BOOST_TEST(result.status == 0, result.output);
  BOOST_TEST(cairn::test::contains(result.output, "17 in 32 pieces over 3 data files"), result.output);
  BOOST_TEST(cairn::test::contains(result.output, "the SHA-256 of every data file matches"), result.output);

  std::string bytes = read_file(dir / "ckpt/__2_0.distcp");
  bytes[bytes.size() / 3] ^= 0x01;
  write_file(dir / "ckpt/__2_0.distcp", bytes);
  result = cairn::test::run_command(cairn + " verify " + folder);
  BOOST_TEST(result.status != 0, result.output);
  BOOST_TEST(cairn::test::contains(result.output, "file '__2_0.distcp' does not match its SHA-256"), result.output);
  BOOST_TEST(std::count(result.output.begin(), result.output.end(), '\n') == 1, result.output);
}
