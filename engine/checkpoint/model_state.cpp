#include "checkpoint/model_state.h"

#include <set>

#include <c10/core/GradMode.h>
#include <torch/nn/module.h>

#include "cairn/errors.h"
#include "cairn/logger.h"
#include "cairn/state_dict.h"

namespace cairn {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "'" : ", '") + i + "'";
  return out;
}

}  // namespace

c10::IValue model_state_dict(const torch::nn::Module& module) {
  auto d = make_dict();
  for (const auto& p : module.named_parameters(/*recurse=*/true)) d.insert(p.key(), p.value().detach());
  for (const auto& b : module.named_buffers(/*recurse=*/true)) d.insert(b.key(), b.value().detach());
  return d;
}

void load_model_state_dict(torch::nn::Module& module, const c10::IValue& state, bool strict, Logger& logger) {
  if (!state.isGenericDict()) throw CheckpointError("state/model is not a dict of tensors; the checkpoint is damaged");
  std::map<std::string, at::Tensor> targets;
  for (const auto& p : module.named_parameters(true)) targets[p.key()] = p.value();
  for (const auto& b : module.named_buffers(true)) targets[b.key()] = b.value();

  std::vector<std::string> unexpected, mismatched, missing;
  std::set<std::string> seen;
  std::vector<std::pair<at::Tensor, at::Tensor>> copies;
  for (const auto& item : state.toGenericDict()) {
    const std::string key = item.key().toStringRef();
    auto it = targets.find(key);
    if (it == targets.end()) {
      unexpected.push_back(key);
      continue;
    }
    seen.insert(key);
    if (!item.value().isTensor()) {
      mismatched.push_back(key + " (not a tensor)");
      continue;
    }
    const at::Tensor& source = item.value().toTensor();
    if (source.sizes() != it->second.sizes()) {
      mismatched.push_back(key + " (checkpoint " + c10::str(source.sizes()) + ", model " + c10::str(it->second.sizes()) + ")");
      continue;
    }
    copies.emplace_back(it->second, source);
  }
  for (const auto& t : targets)
    if (seen.count(t.first) == 0) missing.push_back(t.first);

  std::vector<std::string> problems;
  if (!mismatched.empty()) problems.push_back("size mismatch for " + join(mismatched));
  if (strict && !missing.empty()) problems.push_back("missing keys " + join(missing));
  if (strict && !unexpected.empty()) problems.push_back("unexpected keys " + join(unexpected));
  if (!problems.empty()) {
    std::string message = "Error(s) in loading state_dict for the model: ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    throw CheckpointError(message + (strict ? ". Use the model the checkpoint was saved from, or set load_strict_model_weights=false to skip missing and unexpected keys"
                                            : ". Tensors with the same name must have the same shape"));
  }
  if (!missing.empty()) logger.warn("model keys not in the checkpoint keep their current values: " + join(missing));
  if (!unexpected.empty()) logger.warn("checkpoint keys the model does not have are ignored: " + join(unexpected));

  c10::NoGradGuard no_grad;
  // Copy only after every check passed, so a failed load leaves the model as
  // it was. A tensor the reader read straight into its parameter
  // (checkpoint/io/read_into.h) is already there.
  for (auto& c : copies) {
    const bool same_memory = c.first.data_ptr() == c.second.data_ptr() && c.first.strides() == c.second.strides() &&
                             c.first.scalar_type() == c.second.scalar_type();
    if (!same_memory) c.first.copy_(c.second);
  }
}

checkpoint::ReadIntoChooser read_into_module(torch::nn::Module& module) {
  static const std::string kPrefix = "state/model/";
  std::map<std::string, at::Tensor> targets;
  for (const auto& p : module.named_parameters(true)) targets[p.key()] = p.value().detach();
  for (const auto& b : module.named_buffers(true)) targets[b.key()] = b.value().detach();
  return [targets = std::move(targets)](const std::string& path, const at::Tensor&) -> at::Tensor {
    if (path.rfind(kPrefix, 0) != 0) return {};
    const auto target = targets.find(path.substr(kPrefix.size()));
    return target == targets.end() ? at::Tensor() : target->second;
  };
}

c10::IValue map_key_prefixes(const c10::IValue& state, const std::vector<std::pair<std::string, std::string>>& rules) {
  if (rules.empty() || !state.isGenericDict()) return state;
  auto out = make_dict();
  for (const auto& item : state.toGenericDict()) {
    if (!item.key().isString()) return state;  // not a state_dict; the load reports it
    std::string key = item.key().toStringRef();
    for (const auto& [from, to] : rules) {
      if (key.rfind(from, 0) == 0) {
        key = to + key.substr(from.size());
        break;
      }
    }
    if (out.contains(key)) {
      throw CheckpointError("load_key_prefix_map gives two model keys the same name '" + key +
                            "'; make the prefixes more specific");
    }
    out.insert(key, item.value());
  }
  return out;
}

}  // namespace cairn
