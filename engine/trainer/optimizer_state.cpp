#include "trainer/optimizer_state.h"

#include <functional>
#include <vector>

#include <torch/optim.h>

#include "cairn/errors.h"
#include "cairn/state_dict.h"
#include "core/ivalue_convert.h"

namespace cairn {
namespace {

namespace optim = torch::optim;

// A state tensor that only the checkpoint tree holds (a fresh read: no other
// tensor, and nobody else, can see its memory) is adopted as it is, saving a
// fresh allocation and a copy of the whole optimizer state; one that anything
// else may hold is copied, so the optimizer never shares its state.
at::Tensor sole_or_copy(const at::Tensor& t) {
  const bool sole = t.use_count() == 1 && t.has_storage() && t.storage().use_count() == 1;
  return sole ? t : t.clone();
}

// A per-parameter state field: name in Python's dict, and how to read/write it
// on the LibTorch ParamState.
template <typename ParamState>
struct TensorField {
  const char* key;
  std::function<at::Tensor(const ParamState&)> get;
  std::function<void(ParamState&, const at::Tensor&)> set;
};

// Python 1.13 stores Adam-family "step" as a float tensor; LibTorch as int64.
at::Tensor step_to_tensor(int64_t step) { return at::scalar_tensor(double(step), at::kFloat); }
int64_t step_from_ivalue(const c10::IValue& v) {
  if (v.isInt()) return v.toInt();
  if (v.isDouble()) return int64_t(v.toDouble());
  return int64_t(v.toTensor().item<double>());
}

// Parameter i of the optimizer (Python numbers parameters across groups).
std::vector<at::Tensor> all_params(const optim::Optimizer& o) {
  std::vector<at::Tensor> params;
  for (const auto& group : o.param_groups())
    for (const auto& p : group.params()) params.push_back(p);
  return params;
}

std::string param_key(const at::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

struct Adapter {
  const char* qualname;
  std::function<bool(const optim::Optimizer&)> matches;
  std::function<void(const optim::OptimizerOptions&, c10::impl::GenericDict&)> save_options;
  std::function<void(optim::OptimizerOptions&, const c10::IValue&)> load_options;
  std::function<c10::IValue(const optim::OptimizerParamState&)> save_param;
  std::function<std::unique_ptr<optim::OptimizerParamState>(const c10::IValue&)> load_param;
};

double num(const c10::IValue& group, const char* key, const std::string& where) {
  const auto& v = require_key(group, key, where);
  return v.isDouble() ? v.toDouble() : double(v.toInt());
}
bool flag(const c10::IValue& group, const char* key, const std::string& where) { return require_key(group, key, where).toBool(); }

// kHasStep: whether LibTorch's ParamState counts steps (SGD's does not).
template <typename Opt, typename Options, typename ParamState, bool kHasStep>
Adapter make_adapter(const char* qualname, std::function<void(const Options&, c10::impl::GenericDict&)> save_opts,
                     std::function<void(Options&, const c10::IValue&)> load_opts,
                     std::vector<TensorField<ParamState>> tensors) {
  Adapter a;
  a.qualname = qualname;
  a.matches = [](const optim::Optimizer& o) { return dynamic_cast<const Opt*>(&o) != nullptr; };
  a.save_options = [save_opts](const optim::OptimizerOptions& o, c10::impl::GenericDict& d) {
    save_opts(static_cast<const Options&>(o), d);
  };
  a.load_options = [load_opts](optim::OptimizerOptions& o, const c10::IValue& g) { load_opts(static_cast<Options&>(o), g); };
  a.save_param = [tensors](const optim::OptimizerParamState& s) -> c10::IValue {
    const auto& ps = static_cast<const ParamState&>(s);
    auto d = make_dict();
    if constexpr (kHasStep) d.insert("step", step_to_tensor(ps.step()));
    for (const auto& f : tensors) {
      at::Tensor t = f.get(ps);
      if (t.defined()) d.insert(f.key, t.detach());
    }
    return d;
  };
  a.load_param = [tensors](const c10::IValue& v) {
    auto ps = std::make_unique<ParamState>();
    if constexpr (kHasStep) {
      if (const auto* s = find_key(v, "step")) ps->step(step_from_ivalue(*s));
    }
    for (const auto& f : tensors) {
      if (const auto* t = find_key(v, f.key)) f.set(*ps, sole_or_copy(t->toTensor()));
    }
    return std::unique_ptr<optim::OptimizerParamState>(std::move(ps));
  };
  return a;
}

c10::IValue betas(const std::tuple<double, double>& b) { return c10::ivalue::Tuple::create({std::get<0>(b), std::get<1>(b)}); }
std::tuple<double, double> betas_from(const c10::IValue& v) {
  const auto elems = v.isTuple() ? v.toTupleRef().elements().vec() : v.toListRef().vec();
  return {elems.at(0).toDouble(), elems.at(1).toDouble()};
}

template <typename Options>
void save_adam_options(const Options& o, c10::impl::GenericDict& d) {
  d.insert("lr", o.lr());
  d.insert("betas", betas(o.betas()));
  d.insert("eps", o.eps());
  d.insert("weight_decay", o.weight_decay());
  d.insert("amsgrad", o.amsgrad());
  d.insert("maximize", false);
  d.insert("foreach", c10::IValue());
  d.insert("capturable", false);
  d.insert("differentiable", false);
  d.insert("fused", false);
}
template <typename Options>
void load_adam_options(Options& o, const c10::IValue& g) {
  const std::string w = "optimizer param group";
  o.lr(num(g, "lr", w));
  o.betas(betas_from(require_key(g, "betas", w)));
  o.eps(num(g, "eps", w));
  o.weight_decay(num(g, "weight_decay", w));
  o.amsgrad(flag(g, "amsgrad", w));
}
template <typename PS>
std::vector<TensorField<PS>> adam_fields() {
  return {{"exp_avg", [](const PS& s) { return s.exp_avg(); }, [](PS& s, const at::Tensor& t) { s.exp_avg(t); }},
          {"exp_avg_sq", [](const PS& s) { return s.exp_avg_sq(); }, [](PS& s, const at::Tensor& t) { s.exp_avg_sq(t); }},
          {"max_exp_avg_sq", [](const PS& s) { return s.max_exp_avg_sq(); },
           [](PS& s, const at::Tensor& t) { s.max_exp_avg_sq(t); }}};
}

const std::vector<Adapter>& adapters() {
  static const std::vector<Adapter> all = {
      make_adapter<optim::SGD, optim::SGDOptions, optim::SGDParamState, false>(
          "SGD",
          [](const optim::SGDOptions& o, c10::impl::GenericDict& d) {
            d.insert("lr", o.lr());
            d.insert("momentum", o.momentum());
            d.insert("dampening", o.dampening());
            d.insert("weight_decay", o.weight_decay());
            d.insert("nesterov", o.nesterov());
            d.insert("maximize", false);
            d.insert("foreach", c10::IValue());
            d.insert("differentiable", false);
          },
          [](optim::SGDOptions& o, const c10::IValue& g) {
            const std::string w = "SGD param group";
            o.lr(num(g, "lr", w));
            o.momentum(num(g, "momentum", w));
            o.dampening(num(g, "dampening", w));
            o.weight_decay(num(g, "weight_decay", w));
            o.nesterov(flag(g, "nesterov", w));
          },
          {{"momentum_buffer", [](const optim::SGDParamState& s) { return s.momentum_buffer(); },
            [](optim::SGDParamState& s, const at::Tensor& t) { s.momentum_buffer(t); }}}),
      make_adapter<optim::Adam, optim::AdamOptions, optim::AdamParamState, true>(
          "Adam", save_adam_options<optim::AdamOptions>, load_adam_options<optim::AdamOptions>,
          adam_fields<optim::AdamParamState>()),
      make_adapter<optim::AdamW, optim::AdamWOptions, optim::AdamWParamState, true>(
          "AdamW", save_adam_options<optim::AdamWOptions>, load_adam_options<optim::AdamWOptions>,
          adam_fields<optim::AdamWParamState>()),
      make_adapter<optim::RMSprop, optim::RMSpropOptions, optim::RMSpropParamState, true>(
          "RMSprop",
          [](const optim::RMSpropOptions& o, c10::impl::GenericDict& d) {
            d.insert("lr", o.lr());
            d.insert("alpha", o.alpha());
            d.insert("eps", o.eps());
            d.insert("weight_decay", o.weight_decay());
            d.insert("momentum", o.momentum());
            d.insert("centered", o.centered());
            d.insert("maximize", false);
            d.insert("foreach", c10::IValue());
            d.insert("differentiable", false);
          },
          [](optim::RMSpropOptions& o, const c10::IValue& g) {
            const std::string w = "RMSprop param group";
            o.lr(num(g, "lr", w));
            o.alpha(num(g, "alpha", w));
            o.eps(num(g, "eps", w));
            o.weight_decay(num(g, "weight_decay", w));
            o.momentum(num(g, "momentum", w));
            o.centered(flag(g, "centered", w));
          },
          {{"square_avg", [](const optim::RMSpropParamState& s) { return s.square_avg(); },
            [](optim::RMSpropParamState& s, const at::Tensor& t) { s.square_avg(t); }},
           {"momentum_buffer", [](const optim::RMSpropParamState& s) { return s.momentum_buffer(); },
            [](optim::RMSpropParamState& s, const at::Tensor& t) { s.momentum_buffer(t); }},
           {"grad_avg", [](const optim::RMSpropParamState& s) { return s.grad_avg(); },
            [](optim::RMSpropParamState& s, const at::Tensor& t) { s.grad_avg(t); }}}),
      make_adapter<optim::Adagrad, optim::AdagradOptions, optim::AdagradParamState, true>(
          "Adagrad",
          [](const optim::AdagradOptions& o, c10::impl::GenericDict& d) {
            d.insert("lr", o.lr());
            d.insert("lr_decay", o.lr_decay());
            d.insert("weight_decay", o.weight_decay());
            d.insert("initial_accumulator_value", o.initial_accumulator_value());
            d.insert("eps", o.eps());
            d.insert("foreach", c10::IValue());
            d.insert("maximize", false);
            d.insert("differentiable", false);
          },
          [](optim::AdagradOptions& o, const c10::IValue& g) {
            const std::string w = "Adagrad param group";
            o.lr(num(g, "lr", w));
            o.lr_decay(num(g, "lr_decay", w));
            o.weight_decay(num(g, "weight_decay", w));
            o.initial_accumulator_value(num(g, "initial_accumulator_value", w));
            o.eps(num(g, "eps", w));
          },
          {{"sum", [](const optim::AdagradParamState& s) { return s.sum(); },
            [](optim::AdagradParamState& s, const at::Tensor& t) { s.sum(t); }}}),
  };
  return all;
}

const Adapter& adapter_for(const optim::Optimizer& o) {
  for (const auto& a : adapters())
    if (a.matches(o)) return a;
  throw ConfigError(
      "this optimizer type cannot be checkpointed; use one of SGD, Adam, AdamW, RMSprop, Adagrad (torch::optim)");
}

}  // namespace

std::string optimizer_qualname(const optim::Optimizer& optimizer) { return adapter_for(optimizer).qualname; }

c10::IValue optimizer_state_dict(const optim::Optimizer& optimizer) {
  const Adapter& a = adapter_for(optimizer);
  c10::impl::GenericDict state(c10::IntType::get(), c10::AnyType::get());
  c10::impl::GenericList groups(c10::AnyType::get());
  int64_t index = 0;
  for (const auto& group : optimizer.param_groups()) {
    auto g = make_dict();
    a.save_options(group.options(), g);
    c10::List<int64_t> ids;
    for (const auto& p : group.params()) {
      auto it = optimizer.state().find(param_key(p));
      if (it != optimizer.state().end()) state.insert(index, a.save_param(*it->second));
      ids.push_back(index++);
    }
    g.insert("params", ids);
    groups.push_back(g);
  }
  auto out = make_dict();
  out.insert("state", state);
  out.insert("param_groups", groups);
  return out;
}

void load_optimizer_state_dict(optim::Optimizer& optimizer, const c10::IValue& value, const std::string& where) {
  const Adapter& a = adapter_for(optimizer);
  const auto& groups_value = require_key(value, "param_groups", where);
  const auto& state_value = require_key(value, "state", where);
  if (!groups_value.isList() || !state_value.isGenericDict()) throw CheckpointError(where + " is not an optimizer state_dict");
  const auto groups = groups_value.toListRef();
  if (groups.size() != optimizer.param_groups().size()) {
    throw CheckpointError(where + " has " + std::to_string(groups.size()) + " parameter groups but the optimizer has " +
                          std::to_string(optimizer.param_groups().size()) + "; use the same optimizer setup or load_weights_only");
  }
  const auto params = all_params(optimizer);
  size_t total = 0;
  for (size_t i = 0; i < groups.size(); ++i) {
    const auto ids = require_key(groups[i], "params", where).toListRef();
    if (ids.size() != optimizer.param_groups()[i].params().size()) {
      throw CheckpointError(where + " group " + std::to_string(i) + " has " + std::to_string(ids.size()) +
                            " parameters but the optimizer's has " +
                            std::to_string(optimizer.param_groups()[i].params().size()));
    }
    total += ids.size();
    a.load_options(optimizer.param_groups()[i].options(), groups[i]);
  }
  optimizer.state().clear();
  for (const auto& item : state_value.toGenericDict()) {
    const int64_t id = item.key().toInt();
    if (id < 0 || size_t(id) >= total) throw CheckpointError(where + " has state for parameter " + std::to_string(id) + " which does not exist");
    auto ps = a.load_param(item.value());
    optimizer.state()[param_key(params[id])] = std::move(ps);
  }
  // Shape checks: a state tensor must match its parameter.
  const auto reloaded = optimizer_state_dict(optimizer);
  for (const auto& item : require_key(reloaded, "state", where).toGenericDict()) {
    const auto& p = params[item.key().toInt()];
    for (const auto& field : item.value().toGenericDict()) {
      if (field.key().toStringRef() == "step") continue;
      const auto& t = field.value().toTensor();
      if (t.sizes() != p.sizes()) {
        throw CheckpointError(where + "/state/" + std::to_string(item.key().toInt()) + "/" + field.key().toStringRef() +
                              " has shape " + c10::str(t.sizes()) + " but the parameter has " + c10::str(p.sizes()));
      }
    }
  }
}

}  // namespace cairn
