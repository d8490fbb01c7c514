// Scenario 32: glob filter unit cases (Composer's test_ignore_params), plus
// fnmatch details and the save-side use through the saver.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ATen/ATen.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cairn/state_dict.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "checkpoint/saver/glob_filter.h"
#include "core/ivalue_convert.h"
#include "saver_fixtures.h"

using namespace cairn;
using namespace cairn::test;

namespace {

c10::IValue dict_of(std::initializer_list<std::pair<std::string, c10::IValue>> items) {
  auto d = make_dict();
  for (const auto& [k, v] : items) d.insert(k, v);
  return d;
}

// Python receives each string as hex, so any byte reaches it unchanged.
std::string hex(const std::string& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) out += {digits[c >> 4], digits[c & 0xF]};
  return out;
}

c10::IValue list_of(std::initializer_list<c10::IValue> items) {
  c10::impl::GenericList l(c10::AnyType::get());
  for (const auto& v : items) l.push_back(v);
  return l;
}

// Composer's base_dict.
c10::IValue base_dict() {
  auto layer = [](int64_t w, int64_t b) { return dict_of({{"weights", w}, {"bias", b}}); };
  return dict_of({
      {"state", dict_of({
                    {"run_name", std::string("my_first_run")},
                    {"timestep", int64_t(7)},
                    {"list_element", list_of({dict_of({{"nested_list_element", std::string("hello")}}),
                                              std::string("world")})},
                    {"model", dict_of({{"layer1", layer(6, 2)}, {"layer2", layer(7, 1)}, {"classifier", layer(5, 3)}})},
                })},
      {"rng", int64_t(0)},
  });
}

// Removes one path by hand (the expected result); "#N" is list index N.
// Containers inside an IValue are shared, so walking copies reaches the original.
void remove_by_hand(const c10::IValue& root, const std::vector<std::string>& path) {
  c10::IValue parent = root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const std::string& part = path[i];
    parent = part[0] == '#' ? parent.toList().get(size_t(std::stoi(part.substr(1))))
                            : parent.toGenericDict().at(part);
  }
  const std::string& last = path.back();
  if (last[0] == '#') {
    auto list = parent.toList();
    list.erase(list.begin() + std::stoi(last.substr(1)));
  } else {
    parent.toGenericDict().erase(last);
  }
}

bool deep_equal(const c10::IValue& a, const c10::IValue& b) {
  if (a.isGenericDict() != b.isGenericDict() || a.isList() != b.isList()) return false;
  if (a.isGenericDict()) {
    const auto da = a.toGenericDict(), db = b.toGenericDict();
    if (da.size() != db.size()) return false;
    for (const auto& e : da) {
      auto it = db.find(e.key());
      if (it == db.end() || !deep_equal(e.value(), it->value())) return false;
    }
    return true;
  }
  if (a.isList()) {
    const auto la = a.toList(), lb = b.toList();
    if (la.size() != lb.size()) return false;
    for (size_t i = 0; i < la.size(); ++i) {
      if (!deep_equal(la.get(i), lb.get(i))) return false;
    }
    return true;
  }
  return a == b;
}

struct FilterRow {
  std::vector<std::vector<std::string>> removed_by_hand;
  std::vector<std::string> globs;
};

std::ostream& operator<<(std::ostream& out, const FilterRow& r) {
  for (const auto& g : r.globs) out << g << " ";
  return out;
}

const std::vector<FilterRow> kRows = {
    {{{"state", "model", "classifier", "weights"}, {"state", "model", "classifier", "bias"}},
     {"state/model/classifier/weights", "state/model/classifier/bias"}},
    {{{"state", "model", "classifier"}}, {"state/model/classifier"}},
    // '*' takes the children and leaves the (now empty) classifier dict.
    {{{"state", "model", "classifier", "weights"}, {"state", "model", "classifier", "bias"}}, {"state/model/classifier/*"}},
    {{{"state", "timestep"}}, {"state/timestep"}},
    {{{"state", "list_element", "#0"}}, {"state/list_element/0"}},
    {{{"state", "list_element", "#0", "nested_list_element"}}, {"state/list_element/0/nested_list_element"}},
    // Removing index 0 twice by hand is removing indices 0 and 1 by glob.
    {{{"state", "list_element", "#0"}, {"state", "list_element", "#0"}}, {"state/list_element/0", "state/list_element/1"}},
    {{{"state", "model", "classifier", "weights"}, {"state", "model", "layer1", "weights"}, {"state", "model", "layer2", "weights"}},
     {"state/model/*/weights"}},
    {{{"state", "model", "layer1", "weights"}, {"state", "model", "layer2", "weights"}}, {"state/model/layer*/weights"}},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(glob_filter_cases)

BOOST_DATA_TEST_CASE(composer_ignore_params, boost::unit_test::data::make(kRows), row) {
  c10::IValue expected = base_dict();
  for (const auto& path : row.removed_by_hand) remove_by_hand(expected, path);
  c10::IValue filtered = base_dict();
  const auto unused = glob_filter(filtered, row.globs);
  BOOST_TEST(unused.empty());
  BOOST_TEST(deep_equal(filtered, expected));
  BOOST_TEST(!deep_equal(filtered, base_dict()));
}

BOOST_AUTO_TEST_CASE(star_removes_everything_and_unmatched_globs_are_returned) {
  c10::IValue all = base_dict();
  const auto unused = glob_filter(all, {"*", "nothing/here", "state/model/layer?/bias"});
  BOOST_TEST(all.toGenericDict().size() == 0u);
  BOOST_TEST(unused == std::vector<std::string>{"nothing/here"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(non_string_keys_match_by_their_text) {
  auto d = c10::impl::GenericDict(c10::IntType::get(), c10::AnyType::get());
  d.insert(int64_t(0), std::string("a"));
  d.insert(int64_t(1), std::string("b"));
  c10::IValue root = dict_of({{"opt", d}});
  BOOST_TEST(glob_filter(root, {"opt/1"}).empty());
  BOOST_TEST(root.toGenericDict().at("opt").toGenericDict().size() == 1u);
  BOOST_TEST(root.toGenericDict().at("opt").toGenericDict().contains(int64_t(0)));
}

BOOST_AUTO_TEST_CASE(typed_lists_lose_elements_in_place) {
  c10::IValue root = dict_of({{"ints", c10::List<int64_t>({10, 11, 12, 13})}});
  glob_filter(root, {"ints/[13]"});
  BOOST_TEST(root.toGenericDict().at("ints").toIntVector() == (std::vector<int64_t>{10, 12}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fnmatch_rules) {
  BOOST_TEST(fnmatch_path("*", ""));
  BOOST_TEST(fnmatch_path("state/*", "state/model/layer1/weights"));  // '*' crosses '/'
  BOOST_TEST(!fnmatch_path("state/*", "state"));
  BOOST_TEST(fnmatch_path("*/weights", "state/model/layer1/weights"));
  BOOST_TEST(fnmatch_path("layer?", "layer1"));
  BOOST_TEST(!fnmatch_path("layer?", "layer12"));
  BOOST_TEST(fnmatch_path("layer[12]", "layer2"));
  BOOST_TEST(!fnmatch_path("layer[12]", "layer3"));
  BOOST_TEST(fnmatch_path("layer[!12]", "layer3"));
  BOOST_TEST(fnmatch_path("layer[a-c]", "layerb"));
  BOOST_TEST(fnmatch_path("x[]]y", "x]y"));
  BOOST_TEST(fnmatch_path("a[b", "a[b"));  // an unclosed '[' is literal
  BOOST_TEST(!fnmatch_path("Rng", "rng"));  // case-sensitive, as fnmatch on POSIX
  BOOST_TEST(fnmatch_path("*a*b*c", "xxaxxbxxc"));
  BOOST_TEST(!fnmatch_path("*a*b*c", "xxaxxcxxb"));
}

// Python's fnmatch.fnmatchcase is the reference: every case is asked of
// /usr/bin/python3 and must get the same answer. The table holds the places
// where fnmatch(3) or a byte-wise matcher would differ from Python.
BOOST_AUTO_TEST_CASE(fnmatch_agrees_with_python) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[^a]", "b"},       {"[^a]", "^"},        {"[^a]", "a"},     {"[!a]", "b"},       {"x[^]y", "x^y"},
      {"layer_?", "layer_\xc3\xa9"}, {"layer_[\xc3\xa9]", "layer_\xc3\xa9"}, {"[a-c]", "\xc3\xa9"},
      {"a\\b", "a\\b"},  {"[\\]]", "\\]"},  {"[]a]", "]"},     {"[a-]", "-"},       {"[z-a]", "m"},
      {"*/x", "a/b/x"},     {"a[", "a["},         {"**?", ""},       {"[!]]", "a"},       {"[!]]", "]"},
  };
  std::string program = "import fnmatch\n";
  for (const auto& [glob, path] : cases) {
    program += "print(int(fnmatch.fnmatchcase(bytes.fromhex('" + hex(path) + "').decode(), bytes.fromhex('" + hex(glob) +
               "').decode())))\n";
  }
  TempDir dir;
  const auto script = dir.path() / "cases.py";
  std::ofstream(script) << program;
  FILE* pipe = ::popen((std::string(CAIRN_TEST_PYTHON) + " " + script.string()).c_str(), "r");
  BOOST_TEST_REQUIRE(pipe != nullptr);
  std::string answers;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) answers += buffer;
  BOOST_TEST_REQUIRE(::pclose(pipe) == 0, "python failed: " << answers);
  std::istringstream lines(answers);
  for (const auto& [glob, path] : cases) {
    int python = -1;
    lines >> python;
    BOOST_TEST(fnmatch_path(glob, path) == (python == 1), "glob " << glob << " path " << path << " python says " << python);
  }
}

// Scenario 31's save side: ignore_keys are removed from the file, 'state'
// stays, and a glob that matched nothing is reported through the logger.
BOOST_AUTO_TEST_CASE(saver_applies_ignore_keys_before_writing) {
  TempDir dir;
  CheckpointSaverOptions options;
  options.folder = dir.path().string();
  options.ignore_keys = {"state/*", "rng", "state/nothing"};
  CheckpointSaver saver(options);
  CountingAssembler assembler(&saver);
  assembler.attach_to(saver);
  State state = make_state("r", "1ep", 5);
  RecordingLogger logger;
  state.logger = &logger;
  saver.on_event(Event::INIT, state);
  const std::string path = saver.save_checkpoint(state);
  const c10::IValue written = checkpoint::read_checkpoint(path);
  BOOST_TEST(written.toGenericDict().size() == 1u);
  BOOST_TEST(find_key(written, "state") != nullptr);
  BOOST_TEST(written.toGenericDict().at("state").toGenericDict().size() == 0u);
  BOOST_TEST_REQUIRE(logger.warnings.size() == 1u);
  BOOST_TEST(logger.warnings[0].find("'state/nothing'") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
