// Algorithm plugin "GradientClipping", as Composer's
// composer.algorithms.GradientClipping.
//
// Config (both required, as in Composer):
//   clipping_type       "norm": torch.nn.utils.clip_grad_norm_ (total 2-norm <= threshold)
//                       "value": clip_grad_value_ (every element in [-threshold, threshold])
//                       "adaptive": adaptive gradient clipping (AGC, Brock et al. 2021):
//                       each gradient unit whose norm exceeds threshold times its weight
//                       unit's norm is scaled down to that bound
//   clipping_threshold  float > 0
//
// Applied at AFTER_BACKWARD, after the gradients exist and before the optimizer
// step. Stateless: it saves an empty dict.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/utils/clip_grad.h>

#include "cairn/algorithm.h"
#include "cairn/config.h"
#include "cairn/plugin.h"
#include "cairn/state.h"

namespace {

enum class ClippingType { kNorm, kValue, kAdaptive };

struct ClippingOptions {
  ClippingType type = ClippingType::kNorm;
  double threshold = 0;
};

ClippingOptions read_options(const nlohmann::json& json) {
  cairn::Config cfg("algorithm 'GradientClipping'", json);
  const auto type = cfg.require<std::string>("clipping_type");
  ClippingOptions o;
  o.threshold = cfg.require<double>("clipping_threshold");
  cfg.finish();
  if (type == "norm") {
    o.type = ClippingType::kNorm;
  } else if (type == "value") {
    o.type = ClippingType::kValue;
  } else if (type == "adaptive") {
    o.type = ClippingType::kAdaptive;
  } else {
    cfg.fail("clipping_type", "is \"" + type + "\"; use \"norm\", \"value\" or \"adaptive\"");
  }
  if (!(o.threshold > 0))
    cfg.fail("clipping_threshold", "must be greater than 0 (got " + std::to_string(o.threshold) + ")");
  return o;
}

// Composer's _unitwise_norm: the whole tensor for scalars and vectors, else
// one norm per output unit (dim 0), kept broadcastable.
at::Tensor unitwise_norm(const at::Tensor& t) {
  if (t.dim() <= 1) return at::linalg_vector_norm(t, 2, c10::nullopt, false, t.scalar_type());
  std::vector<int64_t> dims;
  for (int64_t d = 1; d < t.dim(); ++d) dims.push_back(d);
  return at::linalg_vector_norm(t, 2, at::IntArrayRef(dims), true, t.scalar_type());
}

void clip_adaptive(const std::vector<at::Tensor>& parameters, double threshold) {
  c10::NoGradGuard no_grad;
  for (const auto& p : parameters) {
    if (!p.grad().defined()) continue;
    at::Tensor grad = p.grad().detach();
    const at::Tensor max_norm = unitwise_norm(p.detach()) * threshold;
    const at::Tensor grad_norm = unitwise_norm(grad);
    // A zero gradient norm gives nan here; such units are not clipped.
    const at::Tensor coefficient = (max_norm / grad_norm).nan_to_num(1.0);
    grad.mul_(at::where(grad_norm > max_norm, coefficient, at::ones_like(coefficient)));
  }
}

class GradientClipping : public cairn::Algorithm {
 public:
  explicit GradientClipping(ClippingOptions o) : options_(o) {}

  bool match(cairn::Event event, const cairn::State&) override { return event == cairn::Event::AFTER_BACKWARD; }

  void apply(cairn::Event, cairn::State& state) override {
    const std::vector<at::Tensor> parameters = state.model->module()->parameters();
    switch (options_.type) {
      case ClippingType::kNorm:
        torch::nn::utils::clip_grad_norm_(parameters, options_.threshold);
        break;
      case ClippingType::kValue:
        torch::nn::utils::clip_grad_value_(parameters, options_.threshold);
        break;
      case ClippingType::kAdaptive:
        clip_adaptive(parameters, options_.threshold);
        break;
    }
  }

 private:
  ClippingOptions options_;
};

void register_gradient_clipping(cairn::Registrar& registrar) {
  registrar.add_algorithm(
      "GradientClipping",
      [](const nlohmann::json& config) { return std::make_unique<GradientClipping>(read_options(config)); },
      "clips gradients before the optimizer step {clipping_type: norm|value|adaptive, clipping_threshold}");
  registrar.describe_config("algorithm", "GradientClipping", {{"clipping_type", "string", "", "\"norm\", \"value\" or \"adaptive\"", "\"norm\""},
                            {"clipping_threshold", "float", "", "the bound (> 0)", "1.0"}});
}

}  // namespace

CAIRN_PLUGIN("gradient_clipping", "1.0.0", "GradientClipping: norm, value and adaptive gradient clipping",
             register_gradient_clipping)
