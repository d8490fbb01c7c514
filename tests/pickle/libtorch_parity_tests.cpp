// Cairn's own checkpoints are read by the restricted unpickler too. LibTorch's
// reader is the peer: for what LibTorch's pickler writes (typed lists, type
// tags, nested typed dicts, tuples, tensors and their views), both readers must
// give the same values with the same TorchScript types. And what LibTorch's
// reader would trust (a declared length of 2 GB) is refused before anything
// is allocated.
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>
#include <ATen/core/Dict.h>
#include <ATen/core/List.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/import_read.h>

#include <string>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "ivalue_compare.h"
#include "temp_dir.h"
#include "test_text.h"

using namespace std::string_literals;
using cairn::CheckpointError;
using cairn::test::contains;
using cairn::test::error_text;

namespace {

c10::IValue read_with_libtorch(const std::string& path) {
  caffe2::serialize::PyTorchStreamReader reader(path);
  return torch::jit::readArchiveAndTensors("data", "", "", c10::nullopt, c10::nullopt, c10::nullopt, reader);
}

// Every value's static TorchScript type, depth first, one per line: equal
// values with different container types would pass a value comparison.
void type_tree(const c10::IValue& v, const std::string& path, std::string& out) {
  out += path + ": " + v.type()->annotation_str() + "\n";
  if (v.isGenericDict()) {
    for (const auto& item : v.toGenericDict()) {
      type_tree(item.value(), path + "/" + (item.key().isString() ? item.key().toStringRef() : c10::str(item.key())), out);
    }
  } else if (v.isList()) {
    size_t i = 0;
    for (const c10::IValue& item : v.toListRef()) type_tree(item, path + "/" + std::to_string(i++), out);
  } else if (v.isTuple()) {
    size_t i = 0;
    for (const c10::IValue& item : v.toTupleRef().elements()) type_tree(item, path + "/" + std::to_string(i++), out);
  }
}

std::string type_tree(const c10::IValue& v) {
  std::string out;
  type_tree(v, "", out);
  return out;
}

// What Cairn's state dicts hold, and the awkward corners of LibTorch's pickler.
c10::IValue varied_state() {
  c10::Dict<std::string, at::Tensor> weights;
  const at::Tensor base = at::arange(24, at::kFloat).reshape({4, 6});
  weights.insert("w", base);
  weights.insert("view", base.slice(1, 1, 5));  // a strided view of the same storage
  weights.insert("half", at::ones({3}, at::kHalf));
  weights.insert("int8", at::full({2, 2}, -3, at::kChar));
  weights.insert("bool", at::tensor(std::vector<uint8_t>{1, 0, 1}).to(at::kBool));
  weights.insert("scalar", at::scalar_tensor(2.5, at::kDouble));
  weights.insert("empty", at::empty({0, 3}));

  c10::impl::GenericDict by_step(c10::IntType::get(), c10::AnyType::get());
  by_step.insert(0, c10::IValue(c10::List<int64_t>({1, 2, 3})));
  by_step.insert(7, c10::IValue(c10::List<double>({0.5, -1e300})));
  by_step.insert(9, c10::IValue(c10::List<bool>({true, false})));
  by_step.insert(11, c10::IValue(c10::List<at::Tensor>({at::zeros({2}), at::ones({1}, at::kLong)})));

  c10::impl::GenericDict any(c10::StringType::get(), c10::AnyType::get());
  any.insert("weights", weights);
  any.insert("by_step", by_step);
  any.insert("tuple", c10::ivalue::Tuple::create({c10::IValue(int64_t{1}), c10::IValue("two"), c10::IValue()}));
  any.insert("none", c10::IValue());
  any.insert("text", "ünïcode ✓");
  any.insert("number", 1e-7);
  any.insert("big", int64_t{1} << 62);
  any.insert("flag", false);
  any.insert("empty_list", c10::List<int64_t>());
  any.insert("empty_dict", c10::Dict<std::string, double>());
  c10::impl::GenericList mixed(c10::AnyType::get());
  mixed.push_back(int64_t{1});
  mixed.push_back("a");
  mixed.push_back(c10::Dict<std::string, int64_t>());
  any.insert("mixed", mixed);
  return any;
}

void write_pickle_archive(const std::string& path, const std::string& pickle) {
  caffe2::serialize::PyTorchStreamWriter writer(path);
  writer.writeRecord("data.pkl", pickle.data(), pickle.size());
  writer.writeEndOfFile();
}

std::string read_error(const std::string& pickle) {
  TempDir dir;
  const std::string path = dir / "hostile.pt";
  write_pickle_archive(path, pickle);
  return error_text<CheckpointError>([&] { cairn::checkpoint::read_checkpoint(path); });
}

// restore_type_tag(CONTAINER, TAG) as LibTorch's pickler writes it.
std::string tagged(const std::string& container, const std::string& tag) {
  const uint32_t n = static_cast<uint32_t>(tag.size());
  return "\x80\x02" "ctorch.jit._pickle\nrestore_type_tag\n" + container + "X" +
         std::string(reinterpret_cast<const char*>(&n), 4) + tag + "\x86R."s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(libtorch_parity)

BOOST_AUTO_TEST_CASE(a_cairn_checkpoint_reads_as_libtorchs_reader_reads_it) {
  TempDir dir;
  const std::string path = dir / "state.pt";
  cairn::checkpoint::write_checkpoint(varied_state(), path);

  const c10::IValue ours = cairn::checkpoint::read_checkpoint(path);
  const c10::IValue theirs = read_with_libtorch(path);
  BOOST_TEST(cairn::test::first_difference(ours, theirs) == "");
  BOOST_TEST(type_tree(ours) == type_tree(theirs));
  // The view still shares the first tensor's storage, as LibTorch gives it.
  const auto weights = ours.toGenericDict().at("weights").toGenericDict();
  BOOST_TEST(weights.at("view").toTensor().storage().is_alias_of(weights.at("w").toTensor().storage()));
  BOOST_TEST(weights.at("view").toTensor().strides() == weights.at("w").toTensor().strides());
}

BOOST_AUTO_TEST_CASE(a_declared_length_libtorch_would_allocate_is_refused_first) {
  // BINUNICODE declaring 2 GiB with 3 bytes behind it.
  const std::string message = read_error("\x80\x02X\x00\x00\x00\x80" "abc"s);
  BOOST_TEST_INFO(message);
  BOOST_TEST(contains(message, "hostile.pt"));
  BOOST_TEST(contains(message, "at byte 2"));
  BOOST_TEST(contains(message, "ends early"));
}

BOOST_AUTO_TEST_CASE(a_type_tag_that_contradicts_the_values_is_refused) {
  // {"a": 1} tagged Dict[str, str].
  const std::string message = read_error(tagged("}X\x01\x00\x00\x00" "aK\x01s"s, "Dict[str, str]"));
  BOOST_TEST_INFO(message);
  BOOST_TEST(contains(message, "holds a int where its tag says str"));
  BOOST_TEST(contains(message, "hostile.pt"));
}

BOOST_AUTO_TEST_CASE(malformed_or_unknown_type_tags_are_refused) {
  for (const std::string& tag : {"Dict[str"s, "Dict[str, int, int]"s, "List[Module]"s, "List[]"s, ""s,
                                 std::string(600, 'L'), "List[" + std::string(40, '[') + "int"}) {
    const std::string message = read_error(tagged("]", tag));
    BOOST_TEST_INFO(tag.substr(0, 40) << ": " << message);
    BOOST_TEST(contains(message, "at byte "));
    BOOST_TEST(message.find('\n') == std::string::npos);
  }
  // A list tagged as a dict.
  BOOST_TEST(contains(read_error(tagged("]", "Dict[str, int]")), "gives a list the type Dict[str, int]"));
}

BOOST_AUTO_TEST_CASE(a_typed_list_with_an_element_of_another_type_is_refused) {
  // build_intlist(["x"])
  const std::string message =
      read_error("\x80\x02" "ctorch.jit._pickle\nbuild_intlist\n]X\x01\x00\x00\x00xa\x85R."s);
  BOOST_TEST_INFO(message);
  BOOST_TEST(contains(message, "build_intlist holds a str where its tag says int"));
}

BOOST_AUTO_TEST_SUITE_END()
