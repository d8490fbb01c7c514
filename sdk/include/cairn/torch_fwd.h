// Forward declarations of the LibTorch classes that SDK and engine headers
// name, so that including those headers does not pull in torch's module and
// optimizer headers (a translation unit with <torch/torch.h> costs ~40 s).
#pragma once

namespace torch {
namespace nn {
class Module;
}  // namespace nn
namespace optim {
class Optimizer;
}  // namespace optim
}  // namespace torch
