#include "checkpoint_io_fixtures.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include <ATen/ATen.h>
#include <boost/test/unit_test.hpp>

namespace cairn::test {
namespace {

c10::impl::GenericDict new_dict() { return c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get()); }

c10::impl::GenericList new_list() { return c10::impl::GenericList(c10::AnyType::get()); }

std::string format_double(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

// Python's names, as str(torch.float32)[len("torch."):].
std::string python_dtype(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kShort: return "int16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

std::string python_list(c10::IntArrayRef values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + std::to_string(values[i]);
  return s + "]";
}

void describe_node(const c10::IValue& v, const std::string& path, std::ostringstream& out,
                   std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  if (v.isGenericDict()) {
    std::map<std::string, c10::IValue> sorted;
    for (const auto& item : v.toGenericDict()) sorted.emplace(item.key().toStringRef(), item.value());
    out << path << " dict " << sorted.size() << "\n";
    for (const auto& [key, value] : sorted) describe_node(value, path + "/" + key, out, tensors);
  } else if (v.isList() || v.isTuple()) {
    const auto elements = v.isList() ? v.toListRef().vec() : v.toTupleRef().elements().vec();
    out << path << (v.isList() ? " list " : " tuple ") << elements.size() << "\n";
    for (size_t i = 0; i < elements.size(); ++i) describe_node(elements[i], path + "/" + std::to_string(i), out, tensors);
  } else if (v.isTensor()) {
    const at::Tensor t = v.toTensor();
    out << path << " tensor " << python_dtype(t.scalar_type()) << " " << python_list(t.sizes())
        << " stride=" << python_list(t.strides()) << " offset=" << t.storage_offset()
        << " sum=" << format_double(t.to(at::kDouble).sum().item<double>()) << "\n";
    tensors.emplace_back(path, t);
  } else if (v.isNone()) {
    out << path << " None\n";
  } else if (v.isBool()) {
    out << path << " bool " << (v.toBool() ? "True" : "False") << "\n";
  } else if (v.isInt()) {
    out << path << " int " << v.toInt() << "\n";
  } else if (v.isDouble()) {
    out << path << " float " << format_double(v.toDouble()) << "\n";
  } else if (v.isString()) {
    out << path << " str " << v.toStringRef() << "\n";
  } else {
    out << path << " other " << v.tagKind() << "\n";
  }
}

}  // namespace

c10::IValue make_sample_tree() {
  auto model = new_dict();
  model.insert("w_f32", at::arange(12, at::kFloat).reshape({3, 4}) * 0.5);
  model.insert("b_f64", at::tensor({-1.5, 2.25, 3.0}, at::kDouble));
  model.insert("steps_i64", at::tensor({int64_t{1} << 40, int64_t{-3}, int64_t{5}, int64_t{7}, int64_t{11}, int64_t{13}},
                                       at::kLong).reshape({2, 3}));
  model.insert("mask_u8", at::tensor({0, 255, 7, 128}, at::kByte));
  model.insert("flags_bool", at::tensor({1, 0, 1, 1}, at::kByte).to(at::kBool));
  model.insert("bf16", (at::arange(8, at::kFloat) * 0.25).to(at::kBFloat16));
  model.insert("f16", (at::arange(6, at::kFloat) - 2.5).to(at::kHalf));
  model.insert("transposed", at::arange(20, at::kFloat).reshape({4, 5}).t());  // strides (1, 5)
  model.insert("empty", at::empty({0, 3}, at::kFloat));
  model.insert("scalar", at::scalar_tensor(7.5, at::kFloat));

  // Two views into one storage, neither of them the whole of it.
  at::Tensor base = at::arange(16, at::kFloat).reshape({4, 4});
  auto views = new_dict();
  views.insert("row", base.select(0, 1));
  views.insert("col", base.select(1, 2));

  auto sgd = new_dict();
  sgd.insert("lr", 0.125);
  sgd.insert("momentum", 0.9);
  sgd.insert("nesterov", false);
  sgd.insert("params", c10::List<int64_t>({0, 1, 2}));
  auto optimizers = new_dict();
  optimizers.insert("SGD", sgd);

  auto alibi_state = new_dict();
  alibi_state.insert("repr", std::string("Alibi(max_sequence_length=8192)"));
  auto algorithms = new_list();
  algorithms.push_back(c10::ivalue::Tuple::create({std::string("Alibi"), alibi_state}));
  algorithms.push_back(c10::ivalue::Tuple::create({std::string("Nothing"), c10::IValue()}));

  auto state = new_dict();
  state.insert("model", model);
  state.insert("views", views);
  state.insert("optimizers", optimizers);
  state.insert("algorithms", algorithms);
  state.insert("run_name", std::string("run 42: the answer"));
  state.insert("rank_zero_seed", int64_t{42});
  state.insert("big_int", int64_t{1} << 62);
  state.insert("negative", int64_t{-7});
  state.insert("nothing", c10::IValue());
  state.insert("flag", true);
  state.insert("empty_dict", new_dict());
  state.insert("empty_list", new_list());

  auto rng = new_list();
  auto rng0 = new_dict();
  rng0.insert("python", c10::ivalue::Tuple::create({int64_t{3}, c10::List<int64_t>({5, 8, 13}), c10::IValue()}));
  rng0.insert("torch", at::arange(32, at::kByte));
  rng.push_back(rng0);

  auto root = new_dict();
  root.insert("state", state);
  root.insert("rng", rng);
  return root;
}

c10::IValue make_compressible_tree() {
  auto root = new_dict();
  root.insert("weights", at::arange(256, at::kFloat).repeat({4096}));  // 4 MiB, period 1 KiB
  root.insert("name", std::string("compressible"));
  return root;
}

std::string describe_tree(const c10::IValue& root) {
  std::ostringstream out;
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  describe_node(root, "root", out, tensors);
  for (size_t i = 0; i < tensors.size(); ++i) {
    for (size_t j = i + 1; j < tensors.size(); ++j) {
      const auto& a = tensors[i].second.storage();
      const auto& b = tensors[j].second.storage();
      if (a.nbytes() > 0 && a.unsafeGetStorageImpl() == b.unsafeGetStorageImpl())
        out << "shared " << tensors[i].first << " " << tensors[j].first << "\n";
    }
  }
  return out.str();
}

std::string run_command(const std::string& command, int& status) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  BOOST_REQUIRE_MESSAGE(pipe != nullptr, "cannot run: " << command);
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  status = ::pclose(pipe);
  return output;
}

std::vector<std::string> describe_with_python(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string command = std::string(CAIRN_TEST_PYTHON) + " " + CAIRN_TEST_SOURCE_DIR +
                        "/tests/checkpoint_io/describe_checkpoint.py";
  for (const auto& [how, path] : files) command += " " + how + " '" + path + "'";
  int status = 0;
  const std::string output = run_command(command, status);
  BOOST_REQUIRE_MESSAGE(status == 0, "Python failed to load Cairn's files:\n" << output);
  std::vector<std::string> sections;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("== ", 0) == 0) sections.emplace_back();
    else if (!sections.empty()) sections.back() += line + "\n";
  }
  BOOST_REQUIRE_MESSAGE(sections.size() == files.size(), "unexpected Python output:\n" << output);
  return sections;
}

std::vector<std::string> entries(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE_MESSAGE(out.good(), "cannot write " << path);
}

}  // namespace cairn::test
