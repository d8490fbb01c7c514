// Model plugin "torchscript": trains a model defined in Python and saved
// with torch.jit.script(model).save("model.pt").
//
// Config: {"path": "model.pt"} (required).
//
// forward(inputs) returns the logits, and the default cross-entropy loss
// applies unless the module defines loss(outputs, targets) (exported with
// @torch.jit.export), which is then used. state['model'] holds the scripted
// module's parameters and buffers under their Python state_dict names, so
// Python reads the result back with model.load_state_dict(state['model']).
#include <string>
#include <utility>

#include "cairn/config.h"
#include "cairn/model.h"
#include "cairn/plugin.h"
#include "script_checks.h"
#include "script_mirror.h"

namespace {

using cairn_torchscript::CheckedScript;
using cairn_torchscript::ScriptMirror;

class TorchScriptModel : public cairn::Model {
 public:
  explicit TorchScriptModel(CheckedScript checked)
      : script_(std::move(checked.module)), own_loss_(checked.own_loss), mirror_(std::make_shared<ScriptMirror>(script_)) {}

  std::shared_ptr<torch::nn::Module> module() override { return mirror_; }

  at::Tensor forward(const at::Tensor& inputs) override {
    at::Tensor outputs = cairn_torchscript::run_script([&] { return script_.forward({inputs}); }).toTensor();
    mirror_->rebind_reassigned_buffers();
    return outputs;
  }

  at::Tensor loss(const at::Tensor& outputs, const at::Tensor& targets) override {
    if (!own_loss_) return cairn::Model::loss(outputs, targets);
    at::Tensor loss =
        cairn_torchscript::run_script([&] { return script_.run_method("loss", outputs, targets); }).toTensor();
    mirror_->rebind_reassigned_buffers();
    return loss;
  }

 private:
  torch::jit::Module script_;
  bool own_loss_;
  std::shared_ptr<ScriptMirror> mirror_;
};

void register_torchscript(cairn::Registrar& registrar) {
  registrar.add_model(
      "torchscript",
      [](const nlohmann::json& json) {
        cairn::Config cfg("model 'torchscript'", json);
        const auto path = cfg.require<std::string>("path");
        cfg.finish();
        if (path.empty()) cfg.fail("path", "is empty; give the file that torch.jit.script(model).save(path) wrote");
        return std::make_unique<TorchScriptModel>(cairn_torchscript::load_checked_script(path));
      },
      "a Python model saved with torch.jit.script(model).save(path) {path}; its own loss(outputs, targets) if it has one");
  registrar.describe_config("model", "torchscript",
                            {{"path", "string", "", "the file torch.jit.script(model).save(path) wrote", "\"model.pt\""}});
}

}  // namespace

CAIRN_PLUGIN("torchscript", "1.0.0", "Trains a Python model saved as TorchScript", register_torchscript)
