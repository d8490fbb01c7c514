// The optimizers and schedulers `cairn fit` builds itself (trainer/scheduler.h),
// with their config fields, for `cairn plugins`. They are not plugins, so no
// registrar declares their fields; this table does, and a test checks it
// against what make_optimizer / make_scheduler accept.
#pragma once

#include <string>
#include <vector>

#include "cairn/config_schema.h"

namespace cairn::cli {

struct FitBuiltin {
  std::string kind;  // "optimizer" or "scheduler"
  std::string name;  // as --optimizer / --scheduler take it
  std::string summary;
  ConfigSchema config_fields;
};

const std::vector<FitBuiltin>& fit_builtins();

}  // namespace cairn::cli
