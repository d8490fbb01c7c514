// Python's torch.load (Debian python3-torch 1.13) opens a Cairn checkpoint and
// sees the guide's anatomy; state['model'] loads into the equivalent nn.Module
// and computes the same outputs; the optimizer state loads into torch.optim.Adam.
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "fixtures.h"

namespace cairn::test {

namespace {

const char* kScript = R"PY(
import sys, torch
ckpt = torch.load(sys.argv[1], map_location="cpu")
print("top", list(ckpt))
print("state", list(ckpt["state"].keys()))
rng = ckpt["rng"]
print("rng", type(rng).__name__, len(rng), sorted(rng[0].keys()), rng[0]["torch"].dtype)
print("timestamp", ckpt["state"]["timestamp"]["Timestamp"]["epoch"], ckpt["state"]["timestamp"]["Timestamp"]["batch"])
print("run_name", ckpt["state"]["run_name"])

class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.dropout = torch.nn.Dropout(0.3)
        self.fc2 = torch.nn.Linear(8, 3)
    def forward(self, x):
        return self.fc2(self.dropout(torch.relu(self.fc1(x))))

net = TinyNet()
net.load_state_dict(ckpt["state"]["model"])
net.eval()
x = torch.arange(8, dtype=torch.float32).reshape(2, 4) / 8
print("forward", " ".join("%.6f" % v for v in net(x).flatten().tolist()))

opt = torch.optim.Adam(net.parameters(), lr=0.01)
opt.load_state_dict(ckpt["state"]["optimizers"]["Adam"])
print("adam", len(opt.state_dict()["state"]), opt.state_dict()["param_groups"][0]["lr"])
print("callbacks", sorted(ckpt["state"]["callbacks"].keys()))
print("metadata", ckpt["state"]["metadata"]["cairn_version"], ckpt["state"]["metadata"]["torch_version"])
)PY";

std::string line_starting(const std::string& output, const std::string& prefix) {
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(prefix + " ", 0) == 0) return line.substr(prefix.size() + 1);
  return "<no '" + prefix + "' line in: " + output + ">";
}

}  // namespace

BOOST_AUTO_TEST_CASE(python_torch_load_sees_composer_anatomy) {
  TempDir dir;
  auto o = make_options("2ep");
  o.save_folder = dir.path();
  auto model = std::static_pointer_cast<ModuleModel<TinyNet>>(o.model);
  Trainer trainer(std::move(o));
  trainer.fit();

  const std::string out = run_python(kScript, {dir / "ep2-ba10-rank0.pt"});
  BOOST_TEST(line_starting(out, "top") == "['state', 'rng']");
  BOOST_TEST(line_starting(out, "state") ==
             "['model', 'optimizers', 'schedulers', 'algorithms', 'callbacks', 'scaler', 'timestamp', "
             "'rank_zero_seed', 'train_metrics', 'eval_metrics', 'run_name', 'dataset_state', 'integrations', "
             "'metadata']");
  BOOST_TEST(line_starting(out, "rng") == "list 1 ['torch'] torch.uint8");
  BOOST_TEST(line_starting(out, "timestamp") == "2 10");
  BOOST_TEST(line_starting(out, "run_name") == "test-run");
  BOOST_TEST(line_starting(out, "adam") == "4 0.00125");  // StepLR(3, 0.5) after 10 steps: 0.01 * 0.5^3
  BOOST_TEST(line_starting(out, "callbacks") == "['CheckpointSaver', 'DummyStatefulCallback']");
  BOOST_TEST(line_starting(out, "metadata").rfind("0.1.0 1.13", 0) == 0u, line_starting(out, "metadata"));

  model->holder()->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::arange(8, torch::kFloat32).reshape({2, 4}) / 8;
  const auto y = model->forward(x).flatten();
  std::ostringstream expected;
  for (int64_t i = 0; i < y.numel(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", y[i].item<double>());
    expected << (i ? " " : "") << buf;
  }
  BOOST_TEST(line_starting(out, "forward") == expected.str());
}

}  // namespace cairn::test
