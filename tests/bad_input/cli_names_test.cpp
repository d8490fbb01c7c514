// Composer's names are the interface: its device names, every optimizer the
// README lists, one spelling per scheduler (PyTorch's class names) in the
// help, the errors and the README, help without boost's "arg" placeholder,
// and no subcommand that silently drops an extra word.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "bad_input.h"

namespace cairn::test {
namespace {

const std::vector<std::string> kOptimizers = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"};
const std::vector<std::string> kSchedulers = {"StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"};
const std::vector<std::string> kSubcommands = {"fit", "inspect", "verify", "plugins", "cp", "ls"};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string readme() { return read_file(std::filesystem::path(CAIRN_TEST_SOURCE_DIR) / "README.md"); }

// torch.load reads the checkpoint, finds exactly `optimizer` under
// state['optimizers'], and torch.optim.<optimizer> loads it.
void expect_python_loads_optimizer(const std::filesystem::path& dir, const std::filesystem::path& checkpoint,
                                   const std::string& optimizer) {
  std::ofstream(dir / "check.py") << "import sys, torch\n"
                                     "ck = torch.load(sys.argv[1], weights_only=False)\n"
                                     "opts = ck['state']['optimizers']\n"
                                     "assert list(opts) == [sys.argv[2]], list(opts)\n"
                                     "m = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.ReLU(), "
                                     "torch.nn.Dropout(0.0), torch.nn.Linear(64, 32), torch.nn.ReLU(), "
                                     "torch.nn.Dropout(0.0), torch.nn.Linear(32, 4))\n"
                                     "m.load_state_dict(ck['state']['model'])\n"
                                     "o = getattr(torch.optim, sys.argv[2])(m.parameters(), lr=0.1)  # SGD needs one; the state sets it\n"
                                     "o.load_state_dict(opts[sys.argv[2]])\n"
                                     "print('loaded', sys.argv[2])\n";
  const std::string command = std::string(CAIRN_TEST_PYTHON) + " " + (dir / "check.py").string() + " " +
                              checkpoint.string() + " " + optimizer + " > " + (dir / "py.log").string() + " 2>&1";
  const int status = std::system(command.c_str());
  BOOST_TEST(status == 0, read_file(dir / "py.log"));
  BOOST_TEST(contains(read_file(dir / "py.log"), "loaded " + optimizer));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_names)

// Composer says "gpu"; it must behave as torch's "cuda" does here: train where
// a GPU exists, else one line saying there is none and what to use instead.
BOOST_AUTO_TEST_CASE(device_gpu_works_where_cuda_does_and_fails_clearly_elsewhere) {
  TempDir dir;
  const Result cuda = run_cairn(with(kSample, {"--device", "cuda", "--max-duration", "1ba"}), dir.path());
  const Result gpu = run_cairn(with(kSample, {"--device", "gpu", "--max-duration", "1ba"}), dir.path());
  if (cuda.status == 0) {
    BOOST_TEST(gpu.status == 0, describe(gpu));
  } else {
    expect_one_line_error(gpu, 2, {"--device", "'gpu'", "GPU", "--device cpu"});
    expect_one_line_error(cuda, 2, {"--device", "'cuda'", "GPU", "--device cpu"});
  }
  expect_one_line_error(run_cairn(with(kSample, {"--device", "tpu"}), dir.path()), 2, {"'tpu'", "--device cpu", "--device gpu"});
}

BOOST_AUTO_TEST_CASE(every_listed_optimizer_trains_and_saves_under_its_class_name) {
  for (const std::string& name : kOptimizers) {
    BOOST_TEST(contains(readme(), name), "the README lists " << name);
    TempDir dir;
    const Result r = run_cairn(with(kSample, {"--optimizer", name, "--max-duration", "2ba", "--save-folder", "ckpt",
                                              "--save-interval", "1ba"}),
                               dir.path());
    BOOST_TEST_REQUIRE(r.status == 0, describe(r));
    expect_python_loads_optimizer(dir.path(), dir.path() / "ckpt" / "latest-rank0.pt", name);
  }
}

BOOST_AUTO_TEST_CASE(optimizers_and_schedulers_have_one_spelling_everywhere) {
  TempDir dir;
  const Result help = run_cairn({"fit", "--help"}, dir.path());
  BOOST_TEST_REQUIRE(help.status == 0, describe(help));
  const Result bad_optimizer = run_cairn(with(kSample, {"--optimizer", "lamb"}), dir.path());
  expect_one_line_error(bad_optimizer, 2, {"--optimizer", "'lamb'"});
  const Result bad_scheduler = run_cairn(with(kSample, {"--scheduler", "warmup"}), dir.path());
  expect_one_line_error(bad_scheduler, 2, {"--scheduler", "'warmup'"});
  const std::string doc = readme();
  for (const std::string& name : kOptimizers) {
    BOOST_TEST(contains(help.out, name), "fit --help names " << name);
    BOOST_TEST(contains(bad_optimizer.err, name), "the error names " << name);
  }
  for (const std::string& name : kSchedulers) {
    BOOST_TEST(contains(help.out, name), "fit --help names " << name);
    BOOST_TEST(contains(bad_scheduler.err, name), "the error names " << name);
    BOOST_TEST(contains(doc, name), "the README names " << name);
  }
  // The other spellings once used in the help or the errors.
  for (const std::string& other : {"steplr", "exponentiallr", "cosineannealinglr", "linearwarmup", "sgd, adam"}) {
    BOOST_TEST(!contains(help.out, other), "fit --help spells '" << other << "'");
    BOOST_TEST(!contains(bad_scheduler.err, other), "the error spells '" << other << "'");
  }
  // Names match case-insensitively, so the lower-case forms keep working.
  const Result lower = run_cairn(with(kSample, {"--optimizer", "rmsprop", "--scheduler", "steplr={\"step_size\": 2}",
                                                "--max-duration", "1ba"}),
                                 dir.path());
  BOOST_TEST(lower.status == 0, describe(lower));
}

BOOST_AUTO_TEST_CASE(help_has_no_arg_placeholders) {
  static const std::regex placeholder(R"((^|[\s=\[])arg(\s|$|\]|\)))");
  for (const std::string& command : kSubcommands) {
    TempDir dir;
    const Result r = run_cairn({command, "--help"}, dir.path());
    BOOST_TEST_REQUIRE(r.status == 0, describe(r));
    BOOST_TEST(!std::regex_search(r.out, placeholder), "cairn " << command << " --help:\n" << r.out);
  }
}

BOOST_AUTO_TEST_CASE(every_subcommand_refuses_extra_arguments) {
  const std::vector<std::vector<std::string>> cases = {
      with(kSample, {"stray-word"}),
      {"inspect", "a.pt", "stray-word"},
      {"verify", "a.pt", "stray-word"},
      {"plugins", "mlp", "stray-word"},
      {"cp", "a", "b", "stray-word"},
      {"ls", "file:///tmp/", "stray-word"},
  };
  for (const auto& args : cases) {
    TempDir dir;
    const Result r = run_cairn(args, dir.path());
    expect_one_line_error(r, 2, {"'stray-word'", "cairn " + args.front() + " --help"});
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
