// The globals LibTorch's own pickler writes (and so every Cairn checkpoint):
// torch.jit._pickle.build_{int,double,bool,tensor}list mark typed lists, and
// restore_type_tag gives a dict or list its element types, e.g.
// restore_type_tag({...}, "Dict[str, Any]"). Rebuilt as LibTorch's reader
// does, so the restricted unpickler returns the very values it would; the
// elements are checked against the declared types first.
#pragma once

#include <optional>
#include <string>

#include <ATen/core/ivalue.h>

namespace cairn::checkpoint::pickle {

// The value of calling `qualname` on `args`, or nullopt when `qualname` is not
// one of these globals. Throws PickleFault on arguments LibTorch never writes.
std::optional<c10::IValue> call_torchscript_global(const std::string& qualname, const c10::IValue& args);

// The TorchScript type a type tag spells ("Dict[str, List[int]]"). Throws
// PickleFault for a malformed tag or a type outside the common ones.
c10::TypePtr parse_type_tag(const std::string& tag);

}  // namespace cairn::checkpoint::pickle
