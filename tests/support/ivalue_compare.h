// Deep, exact comparison of checkpoint trees for tests: tensors must be
// bitwise equal (same dtype, shape and bytes). Returns the first difference
// as "path: why", or empty when equal. Paths matching any of `ignore`
// (fnmatch globs over "/"-joined paths) are skipped.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/ivalue.h>

namespace cairn::test {

std::string first_difference(const c10::IValue& a, const c10::IValue& b, const std::vector<std::string>& ignore = {},
                             const std::string& path = "");

}  // namespace cairn::test
