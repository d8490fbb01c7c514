#include "script_checks.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <ATen/core/function_schema.h>
#include <c10/util/Exception.h>
#include <torch/csrc/jit/serialization/import.h>

#include "cairn/errors.h"

namespace cairn_torchscript {
namespace {

const char* const kHowToWrite = "torch.jit.script(model).save(path)";

std::string first_line(const std::string& text) { return text.substr(0, text.find_first_of("\r\n")); }

// The error line of a TorchScript interpreter failure: the first line after
// the last traceback that is not indented (traceback lines all are).
std::string script_error_line(const std::string& text) {
  const size_t traceback = text.rfind("\nTraceback of TorchScript");
  if (traceback == std::string::npos) return first_line(text);
  std::istringstream lines(text.substr(traceback + 1));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != ' ') return line;
  }
  return first_line(text);
}

// "loss(outputs: Tensor) -> Tensor": the method as its Python source reads,
// without `self`, whose type is an internal class name.
std::string signature(const c10::FunctionSchema& schema) {
  std::string out = schema.name() + "(";
  const auto& args = schema.arguments();
  for (size_t i = 1; i < args.size(); ++i) {
    out += (i > 1 ? ", " : "") + args[i].name() + ": " + args[i].type()->annotation_str();
  }
  out += ") -> ";
  const auto& returns = schema.returns();
  if (returns.size() == 1) return out + returns[0].type()->annotation_str();
  std::string types;
  for (const auto& r : returns) types += (types.empty() ? "" : ", ") + r.type()->annotation_str();
  return out + "(" + types + ")";
}

bool returns_tensor(const c10::FunctionSchema& schema) {
  return schema.returns().size() == 1 && schema.returns()[0].type()->isSubtypeOf(*c10::TensorType::get());
}

// Whether the method takes exactly `count` tensors after self (more only with defaults).
bool takes_tensors(const c10::FunctionSchema& schema, size_t count) {
  const auto& args = schema.arguments();
  if (args.size() < count + 1) return false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (i <= count ? !c10::TensorType::get()->isSubtypeOf(*args[i].type()) : !args[i].default_value()) return false;
  }
  return true;
}

torch::jit::Module load_archive(const std::string& path, const std::string& file) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw cairn::ConfigError(file + " does not exist; write the Python model with " + kHowToWrite +
                             " and give that file's path in \"path\"");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw cairn::ConfigError(file + " is not a file; give the path of the file " + kHowToWrite + " wrote");
  }
  if (!std::ifstream(path, std::ios::binary)) {
    throw cairn::ConfigError(file + " cannot be read; check its permissions");
  }
  try {
    return torch::jit::load(path);
  } catch (const c10::Error& e) {
    throw cairn::ConfigError(file + " is not a TorchScript archive (torch: " + first_line(e.what_without_backtrace()) +
                             "); write the model with " + kHowToWrite + ": a torch.save file, such as a state_dict, is not one");
  } catch (const std::exception& e) {
    throw cairn::ConfigError(file + " is not a TorchScript archive (" + first_line(e.what()) + "); write the model with " +
                             kHowToWrite);
  }
}

}  // namespace

CheckedScript load_checked_script(const std::string& path) {
  const std::string file = "model 'torchscript': '" + path + "'";
  CheckedScript checked{load_archive(path, file)};

  const auto forward = checked.module.find_method("forward");
  if (!forward) {
    throw cairn::ConfigError(file + " has no forward method; give the module a forward(self, inputs) that returns the "
                             "logits, and save it again with " + kHowToWrite);
  }
  const auto& forward_schema = forward->function().getSchema();
  if (!takes_tensors(forward_schema, 1)) {
    throw cairn::ConfigError(file + " has " + signature(forward_schema) +
                             ", but Cairn calls forward with one tensor, the batch's inputs; make it "
                             "forward(self, inputs: Tensor) -> Tensor");
  }
  if (!returns_tensor(forward_schema)) {
    throw cairn::ConfigError(file + " has " + signature(forward_schema) +
                             ", which does not return a Tensor; return the logits alone (and compute the loss from them "
                             "in a loss(self, outputs, targets) method if the default cross-entropy does not fit)");
  }

  if (const auto loss = checked.module.find_method("loss")) {
    const auto& loss_schema = loss->function().getSchema();
    if (!takes_tensors(loss_schema, 2) || !returns_tensor(loss_schema)) {
      throw cairn::ConfigError(file + " has " + signature(loss_schema) +
                               ", but Cairn calls loss with forward's outputs and the batch's targets and needs a "
                               "Tensor back; make it loss(self, outputs: Tensor, targets: Tensor) -> Tensor, or rename "
                               "it to train with the default cross-entropy");
    }
    checked.own_loss = true;
  }
  return checked;
}

c10::IValue run_script(const std::function<c10::IValue()>& call) {
  try {
    return call();
  } catch (const c10::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw c10::Error(script_error_line(e.what()), "");
  }
}

}  // namespace cairn_torchscript
