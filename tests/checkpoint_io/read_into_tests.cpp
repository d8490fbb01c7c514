// read_checkpoint_into (checkpoint/io/read_into.h): tensors read straight into
// memory the caller picks hold the checkpoint's values there, and only
// tensors that alone use their whole storage are ever offered.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>

#include <algorithm>
#include <map>

#include <ATen/ATen.h>

#include "cairn/errors.h"
#include "cairn/state_dict.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/io/checkpoint_reader.h"
#include "checkpoint_io_fixtures.h"
#include "core/unique_fd.h"
#include "ivalue_compare.h"

using namespace cairn;
using namespace cairn::checkpoint;
using namespace cairn::test;

namespace {

// {"state": {"model": {"w": 3x4 float, "b": 4 double, "shared": view of "b2"'s storage, "b2": ...}, "step": 5}}
c10::IValue model_tree() {
  auto model = make_dict();
  model.insert("w", at::arange(12, at::kFloat).reshape({3, 4}));
  model.insert("b", at::arange(4, at::kDouble) * 0.5);
  const at::Tensor both = at::arange(8, at::kLong);
  model.insert("first_half", both.narrow(0, 0, 4));
  model.insert("second_half", both.narrow(0, 4, 4));
  auto state = make_dict();
  state.insert("model", model);
  state.insert("step", int64_t(5));
  auto root = make_dict();
  root.insert("state", state);
  return root;
}

at::Tensor model_entry(const c10::IValue& root, const std::string& key) {
  return root.toGenericDict().at("state").toGenericDict().at("model").toGenericDict().at(key).toTensor();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(read_into)

BOOST_AUTO_TEST_CASE(placed_tensors_land_in_the_chosen_memory) {
  TempDir dir;
  const std::string path = dir / "ck.pt";
  const c10::IValue tree = model_tree();
  write_checkpoint(tree, path);

  std::map<std::string, at::Tensor> targets = {
      {"state/model/w", at::zeros({3, 4}, at::kFloat)},
      {"state/model/b", at::zeros({4}, at::kFloat)},  // another dtype: not used
  };
  std::vector<std::string> offered;
  const ReadIntoChooser choose = [&](const std::string& p, const at::Tensor&) {
    offered.push_back(p);
    const auto it = targets.find(p);
    return it == targets.end() ? at::Tensor() : it->second;
  };
  const c10::IValue read = read_checkpoint_into(path, path, IntegrityPolicy{}, &choose);

  BOOST_TEST(first_difference(tree, read).empty(), first_difference(tree, read));
  BOOST_TEST(model_entry(read, "w").data_ptr() == targets["state/model/w"].data_ptr());
  BOOST_TEST(at::equal(targets["state/model/w"], at::arange(12, at::kFloat).reshape({3, 4})));
  BOOST_TEST(model_entry(read, "b").data_ptr() != targets["state/model/b"].data_ptr());
  BOOST_TEST(at::equal(targets["state/model/b"], at::zeros({4}, at::kFloat)));
  // The two halves share one storage: neither is offered.
  std::sort(offered.begin(), offered.end());
  BOOST_TEST(offered == (std::vector<std::string>{"state/model/b", "state/model/w"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(without_targets_the_result_equals_a_plain_read) {
  TempDir dir;
  const std::string path = dir / "ck.pt.gz";  // through a container, as a download may be
  const c10::IValue tree = make_sample_tree();
  write_checkpoint(tree, path);
  const ReadIntoChooser nothing = [](const std::string&, const at::Tensor&) { return at::Tensor(); };
  const c10::IValue read = read_checkpoint_into(path, path, IntegrityPolicy{}, &nothing);
  BOOST_TEST(describe_tree(read) == describe_tree(read_checkpoint(path)));
}

// A sharded checkpoint's data file holds one zip per item, back to back: each
// is read where it lies, with the same checks as a file of its own.
BOOST_AUTO_TEST_CASE(a_checkpoint_inside_a_larger_file_reads_where_it_lies) {
  TempDir dir;
  const std::string alone = dir / "ck.pt";
  const c10::IValue tree = model_tree();
  write_checkpoint(tree, alone);
  const std::string zip = read_bytes(alone);
  // Other zips before and after: the span's reads must stay inside it.
  const std::string before(4099, 'P'), after = zip;
  const std::string packed = dir / "packed.bin";
  write_bytes(packed, before + zip + after);
  const cairn::UniqueFd file{::open(packed.c_str(), O_RDONLY | O_CLOEXEC)};
  BOOST_REQUIRE(file.fd >= 0);
  const FileSpan span{file.fd, before.size(), zip.size()};

  at::Tensor w = at::zeros({3, 4}, at::kFloat);
  const ReadIntoChooser choose = [&](const std::string& p, const at::Tensor&) {
    return p == "state/model/w" ? w : at::Tensor();
  };
  const c10::IValue read = read_checkpoint_span(span, "item", IntegrityPolicy{}, &choose);
  BOOST_TEST(first_difference(tree, read).empty(), first_difference(tree, read));
  BOOST_TEST(model_entry(read, "w").data_ptr() == w.data_ptr());
  BOOST_TEST(describe_tree(read_checkpoint_span(span, "item", IntegrityPolicy{}, nullptr)) == describe_tree(tree));

  // A flipped byte inside the span fails its record's CRC; one just outside it is never read.
  std::string damaged = before + zip + after;
  damaged[before.size() - 1] ^= 0x20;
  damaged[before.size() + zip.size()] ^= 0x20;
  write_bytes(packed, damaged);
  BOOST_TEST(describe_tree(read_checkpoint_span(span, "item", IntegrityPolicy{}, nullptr)) == describe_tree(tree));
  const size_t w_bytes = zip.find(std::string("\x00\x00\x80\x3f", 4));  // 1.0f, w's second value
  BOOST_REQUIRE(w_bytes != std::string::npos);
  damaged[before.size() + w_bytes] ^= 0x01;
  write_bytes(packed, damaged);
  BOOST_CHECK_EXCEPTION(read_checkpoint_span(span, "item", IntegrityPolicy{}, nullptr), cairn::CheckpointError,
                        [](const cairn::CheckpointError& e) {
                          const std::string what = e.what();
                          return what.find("'item'") != std::string::npos && what.find("CRC") != std::string::npos;
                        });
  // A span that does not start at a zip is refused by name.
  BOOST_CHECK_EXCEPTION(read_checkpoint_span(FileSpan{file.fd, 1, zip.size()}, "item", IntegrityPolicy{}, nullptr),
                        cairn::CheckpointError, [](const cairn::CheckpointError& e) {
                          return std::string(e.what()).find("'item' is truncated or is not a checkpoint") != std::string::npos;
                        });
}

BOOST_AUTO_TEST_SUITE_END()
