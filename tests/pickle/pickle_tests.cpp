// The restricted unpickler on what Python's torch.save writes (every opcode
// family, protocols 2 to 5, numpy RNG state, shared storages, classes only
// Python knows, one that would run a command) and on hostile pickles.
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/pickle/pickled_object.h"
#include "checkpoint/pickle/restricted_unpickler.h"
#include "temp_dir.h"
#include "test_process.h"
#include "test_text.h"

namespace fs = std::filesystem;
using namespace std::string_literals;
using cairn::CheckpointError;
using cairn::test::contains;
using cairn::test::error_text;
namespace pickle = cairn::checkpoint::pickle;

namespace {

std::string hex(const std::string& bytes) {
  std::ostringstream out;
  for (unsigned char c : bytes) out << std::hex << std::setw(2) << std::setfill('0') << int(c);
  return out.str();
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream out;
  out << std::setprecision(17) << v;
  std::string s = out.str();
  // Python's %.17g writes exponents with at least two digits, as C++ does.
  return s;
}

std::string key_text(const c10::IValue& key) { return key.isString() ? key.toStringRef() : c10::str(key); }

// The same lines as describe() in pickle_cases.py, from what Cairn read.
void describe(const c10::IValue& v, const std::string& path, std::ostringstream& out,
              std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  if (const auto cls = pickle::pickled_class(v)) {
    const std::string kind = pickle::pickled_kind(v);
    const auto d = v.toGenericDict();
    if (kind == "ndarray") {
      const at::Tensor data = d.at("data").toTensor();
      out << path << " ndarray " << d.at("dtype").toStringRef() << " " << data.sizes()
          << " sum=" << number(data.to(at::kDouble).sum().item<double>()) << "\n";
    } else {
      out << path << " " << kind << " " << *cls << "\n";
    }
    return;
  }
  if (v.isGenericDict()) {
    const auto d = v.toGenericDict();
    out << path << " dict " << d.size() << "\n";
    std::vector<std::pair<std::string, c10::IValue>> items;
    for (const auto& e : d) items.emplace_back(key_text(e.key()), e.value());
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [k, value] : items) describe(value, path + "/" + k, out, tensors);
  } else if (v.isList() || v.isTuple()) {
    const c10::ArrayRef<c10::IValue> items =
        v.isList() ? v.toListRef() : c10::ArrayRef<c10::IValue>(v.toTupleRef().elements());
    out << path << (v.isList() ? " list " : " tuple ") << items.size() << "\n";
    for (size_t i = 0; i < items.size(); ++i) describe(items[i], path + "/" + std::to_string(i), out, tensors);
  } else if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    std::string dtype = c10::toString(t.scalar_type());
    const std::pair<const char*, const char*> names[] = {
        {"Float", "float32"}, {"Double", "float64"}, {"Half", "float16"}, {"BFloat16", "bfloat16"},
        {"Long", "int64"},    {"Int", "int32"},      {"Short", "int16"}, {"Char", "int8"},
        {"Byte", "uint8"},    {"Bool", "bool"}};
    for (const auto& [from, to] : names)
      if (dtype == from) dtype = to;
    out << path << " tensor " << dtype << " " << t.sizes() << " stride=" << t.strides()
        << " offset=" << t.storage_offset() << " sum=" << number(t.to(at::kDouble).sum().item<double>()) << "\n";
    tensors.emplace_back(path, t);
  } else if (v.isNone()) {
    out << path << " None\n";
  } else if (v.isBool()) {
    out << path << " bool " << (v.toBool() ? "True" : "False") << "\n";
  } else if (v.isInt()) {
    out << path << " int " << v.toInt() << "\n";
  } else if (v.isDouble()) {
    out << path << " float " << number(v.toDouble()) << "\n";
  } else if (v.isString()) {
    out << path << " str " << hex(v.toStringRef()) << "\n";
  } else if (v.isDevice()) {
    out << path << " device " << v.toDevice().str() << "\n";
  } else {
    out << path << " other " << v.tagKind() << "\n";
  }
}

std::string describe(const c10::IValue& root) {
  std::ostringstream out;
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  describe(root, "root", out, tensors);
  for (size_t i = 0; i < tensors.size(); ++i) {
    for (size_t j = i + 1; j < tensors.size(); ++j) {
      const auto& a = tensors[i].second.storage();
      if (a.nbytes() > 0 && a.unsafeGetStorageImpl() == tensors[j].second.storage().unsafeGetStorageImpl())
        out << "shared " << tensors[i].first << " " << tensors[j].first << "\n";
    }
  }
  return out.str();
}

// Python's torch.save writes every case into a fresh folder, once per process.
struct Cases {
  TempDir dir;
  Cases() {
    const auto r = cairn::test::run_command(std::string(CAIRN_TEST_PYTHON) + " " + CAIRN_TEST_SOURCE_DIR +
                                            "/tests/pickle/pickle_cases.py " + cairn::test::shell_quote(dir.path()) +
                                            " " + cairn::test::shell_quote(marker()));
    BOOST_REQUIRE_MESSAGE(r.status == 0, "pickle_cases.py failed:\n" << r.output);
  }
  std::string operator/(const std::string& name) const { return dir / name; }
  std::string marker() const { return dir / "MARKER-the-pickle-ran-a-command"; }
};

const Cases& cases() {
  static Cases c;
  return c;
}

void expect_same_as_python(const std::string& name) {
  const c10::IValue root = cairn::checkpoint::read_checkpoint(cases() / (name + ".pt"));
  const std::string expected = read_file(cases() / (name + ".txt"));
  const std::string got = describe(root);
  BOOST_TEST(got == expected, name << ": Cairn read\n" << got << "\nPython saved\n" << expected);
}

// What a refusal must look like: one line naming the file and a byte offset.
void expect_refusal(const std::string& message, const std::string& what) {
  BOOST_TEST_INFO(message);
  BOOST_TEST(message.find('\n') == std::string::npos);
  BOOST_TEST(contains(message, "at byte "));
  BOOST_TEST(contains(message, what));
}

std::string unpickle_error(const std::string& bytes) {
  const pickle::StorageLookup none = [](const std::string& key, uint64_t) -> c10::Storage {
    throw std::runtime_error("no record data/" + key);
  };
  return error_text<CheckpointError>([&] { pickle::unpickle_restricted(bytes.data(), bytes.size(), none, "hostile.pt"); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(restricted_unpickler)

BOOST_AUTO_TEST_CASE(containers_and_scalars_read_as_python_saved_them) { expect_same_as_python("containers"); }

BOOST_AUTO_TEST_CASE(tensors_views_parameters_and_ordered_dicts_with_attributes) {
  expect_same_as_python("tensors");
  const c10::IValue root = cairn::checkpoint::read_checkpoint(cases() / "tensors.pt");
  const auto d = root.toGenericDict();
  // The view shares its base's storage (not a copy).
  BOOST_TEST(d.at("view").toTensor().storage().unsafeGetStorageImpl() ==
             d.at("base").toTensor().storage().unsafeGetStorageImpl());
  // A class only Python knows keeps its name and the state BUILD gave it.
  const c10::IValue thing = d.at("thing");
  BOOST_TEST(pickle::pickled_class(thing).value_or("") == "__main__.Thing");
  const c10::IValue state = thing.toGenericDict().at("state");
  BOOST_REQUIRE(state.isGenericDict());
  BOOST_TEST(state.toGenericDict().at("name").toStringRef() == "thing");
  BOOST_TEST(state.toGenericDict().at("weights").toTensor().sum().item<double>() == 6.0);
}

BOOST_AUTO_TEST_CASE(numpy_rng_state_arrays_and_scalars) { expect_same_as_python("numpy"); }

BOOST_AUTO_TEST_CASE(protocols_2_to_5_read_alike) {
  for (int protocol = 2; protocol <= 5; ++protocol) expect_same_as_python("protocol" + std::to_string(protocol));
}

BOOST_AUTO_TEST_CASE(a_reduce_to_os_system_becomes_a_placeholder_and_runs_nothing) {
  const c10::IValue root = cairn::checkpoint::read_checkpoint(cases() / "evil.pt");
  BOOST_TEST(!fs::exists(cases().marker()), "reading the checkpoint ran the pickled command");
  const c10::IValue payload = root.toGenericDict().at("state").toGenericDict().at("payload");
  BOOST_TEST(pickle::pickled_class(payload).value_or("") == "posix.system");
  BOOST_TEST(pickle::pickled_kind(payload) == "object");
  const auto args = payload.toGenericDict().at("args").toTupleRef().elements();
  BOOST_REQUIRE(args.size() == 1u);
  BOOST_TEST(contains(args[0].toStringRef(), "touch "));
  // The rest of the file is still data.
  BOOST_TEST(root.toGenericDict().at("state").toGenericDict().at("model").toGenericDict().size() == 2u);
  // And Python's own loader would have run it: the case is real.
  const auto r = cairn::test::run_command("cd " + cairn::test::shell_quote(cases().dir.path()) + " && " +
                                          CAIRN_TEST_PYTHON + " -c \"import torch; torch.load('evil.pt')\"");
  BOOST_TEST(r.status == 0, r.output);
  BOOST_TEST(fs::exists(cases().marker()), "torch.load did not run the payload; the case tests nothing");
  fs::remove(cases().marker());
}

BOOST_AUTO_TEST_CASE(a_storage_record_shorter_than_its_tensor_is_refused) {
  const std::string message =
      error_text<CheckpointError>([] { cairn::checkpoint::read_checkpoint(cases() / "short_storage.pt"); });
  expect_refusal(message, "storage '0'");
  BOOST_TEST(contains(message, "short_storage.pt"));
  BOOST_TEST(contains(message, "400 bytes"));
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_real_pickle_is_one_line_with_an_offset) {
  const std::string pkl = read_file(cases() / "tensors.pkl");
  BOOST_REQUIRE(pkl.size() > 100u);
  const pickle::StorageLookup storages = [](const std::string&, uint64_t nbytes) {
    return c10::Storage(c10::Storage::use_byte_size_t(), nbytes, c10::GetCPUAllocator()->allocate(nbytes), nullptr, false);
  };
  BOOST_REQUIRE_NO_THROW(pickle::unpickle_restricted(pkl.data(), pkl.size(), storages, "whole"));
  for (size_t cut = 0; cut < pkl.size(); cut += std::max<size_t>(1, pkl.size() / 97)) {
    const std::string message = error_text<CheckpointError>(
        [&] { pickle::unpickle_restricted(pkl.data(), cut, storages, "cut.pt"); });
    expect_refusal(message, "cut.pt");
  }
}

BOOST_AUTO_TEST_CASE(a_huge_declared_size_is_refused_before_allocating) {
  // BINUNICODE declaring 4 GiB - 16 with 3 bytes left; BINBYTES8 declaring 2^62.
  expect_refusal(unpickle_error("\x80\x02X\xf0\xff\xff\xff" "abc"s), "ends early");
  expect_refusal(unpickle_error("\x80\x04\x8e\x00\x00\x00\x00\x00\x00\x00\x40"s), "ends early");
  // A persistent id ('storage', torch.FloatStorage, '0', 'cpu', 2^50).
  const std::string message = unpickle_error(
      "\x80\x02(X\x07\x00\x00\x00" "storage" "ctorch\nFloatStorage\n" "X\x01\x00\x00\x00" "0"
      "X\x03\x00\x00\x00" "cpu" "\x8a\x07\x00\x00\x00\x00\x00\x00\x04" "tQ."s);
  expect_refusal(message, "declares");
}

BOOST_AUTO_TEST_CASE(deep_nesting_and_too_many_marks_are_refused) {
  expect_refusal(unpickle_error("\x80\x02N" + std::string(100000, '\x85') + "."), "nest deeper than");
  expect_refusal(unpickle_error("\x80\x02" + std::string(100000, '(') + "."), "open MARKs");
  expect_refusal(unpickle_error("\x80\x02" + std::string(100000, ']') + std::string(99999, 'a') + "."), "nest deeper than");
}

BOOST_AUTO_TEST_CASE(bad_memo_indices_and_self_references_are_refused) {
  expect_refusal(unpickle_error("\x80\x02h\x05."s), "memo index 5 was never stored");
  expect_refusal(unpickle_error("\x80\x02j\xff\xff\xff\x7f."s), "memo index");
  expect_refusal(unpickle_error("\x80\x02]q\x00h\x00" "a."s), "self-referencing");
  // A list placed inside a tuple, then changed through the memo.
  expect_refusal(unpickle_error("\x80\x02]q\x00\x85h\x00Na."s), "self-referencing");
}

BOOST_AUTO_TEST_CASE(dict_keys_a_dict_cannot_hash_are_refused) {
  // {[]: 1}, {{}: 1}, {None: 1}, OrderedDict([((1,), 2)]) (the fuzzer's find: a dict as a key).
  expect_refusal(unpickle_error("\x80\x02}]K\x01s."s), "a dict key is a GenericList");
  expect_refusal(unpickle_error("\x80\x02}}K\x01s."s), "a dict key is a GenericDict");
  expect_refusal(unpickle_error("\x80\x02}NK\x01s."s), "a dict key is a None");
  expect_refusal(unpickle_error("\x80\x02" "ccollections\nOrderedDict\n" "]K\x01\x85K\x02\x86" "a\x85R."s),
                 "a dict key is a Tuple");
}

BOOST_AUTO_TEST_CASE(opcodes_that_need_python_are_refused) {
  expect_refusal(unpickle_error("\x80\x02\x82\x01."s), "not supported");  // EXT1
  expect_refusal(unpickle_error("\x80\x06N."s), "protocol 6");
  expect_refusal(unpickle_error("\x80\x02N"s), "ends early");  // no STOP
  expect_refusal(unpickle_error("\x80\x02NN."s), "STOP leaves 2 values");
  expect_refusal(unpickle_error("\x80\x02" "cos\nsystem"s), "no end of line");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(legacy_format)

BOOST_AUTO_TEST_CASE(every_case_reads_as_its_zip_twin) {
  for (const std::string name : {"containers", "tensors", "numpy", "protocol4"}) {
    const c10::IValue root = cairn::checkpoint::read_checkpoint(cases() / ("legacy_" + name + ".pt"));
    const std::string expected = read_file(cases() / (name + ".txt"));
    BOOST_TEST(describe(root) == expected, "legacy " << name << ": Cairn read\n" << describe(root));
  }
  const c10::IValue root = cairn::checkpoint::read_checkpoint(cases() / "legacy_tensors.pt");
  const auto d = root.toGenericDict();
  BOOST_TEST(d.at("view").toTensor().storage().unsafeGetStorageImpl() ==
             d.at("base").toTensor().storage().unsafeGetStorageImpl());
}

BOOST_AUTO_TEST_CASE(a_compressed_legacy_file_reads_too) {
  const c10::IValue root = cairn::checkpoint::read_checkpoint(cases() / "legacy_tensors.pt.tar.gz");
  BOOST_TEST(describe(root) == read_file(cases() / "tensors.txt"));
}

BOOST_AUTO_TEST_CASE(every_truncation_is_one_line_naming_the_file) {
  const std::string whole = read_file(cases() / "legacy_tensors.pt");
  TempDir dir;
  const std::string cut_path = dir / "cut.pt";
  // From just past the magic number's 15 bytes; shorter files are not recognised as legacy at all.
  for (size_t cut = 15; cut < whole.size(); cut += std::max<size_t>(1, whole.size() / 89)) {
    std::ofstream(cut_path, std::ios::binary | std::ios::trunc) << whole.substr(0, cut);
    const std::string message =
        error_text<CheckpointError>([&] { cairn::checkpoint::read_checkpoint(cut_path, "cut.pt"); });
    BOOST_TEST_INFO("cut at " << cut << ": " << message);
    BOOST_TEST(message.find('\n') == std::string::npos);
    BOOST_TEST(contains(message, "'cut.pt'"));
    BOOST_TEST(contains(message, "byte "));
  }
}

BOOST_AUTO_TEST_CASE(a_wrong_element_count_names_the_storage_and_the_offset) {
  const std::string message =
      error_text<CheckpointError>([] { cairn::checkpoint::read_checkpoint(cases() / "legacy_bad_count.pt"); });
  expect_refusal(message, "holds 99 elements");
  BOOST_TEST(contains(message, "legacy format"));
}

BOOST_AUTO_TEST_SUITE_END()
