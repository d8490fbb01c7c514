// Out-of-line anchors and defaults of the training-layer interfaces.
#include <ATen/core/Dict.h>

#include "cairn/algorithm.h"
#include "cairn/callback.h"
#include "cairn/checkpoint_writer.h"
#include "cairn/destination_callback.h"
#include "cairn/dataset.h"
#include "cairn/model.h"
#include "cairn/state_dict.h"

namespace cairn {

StateDictHook::~StateDictHook() = default;
c10::IValue StateDictHook::state_dict() const { return make_dict(); }
void StateDictHook::load_state_dict(const c10::IValue&) {}

c10::impl::GenericDict make_dict() { return c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get()); }

Callback::~Callback() = default;
DestinationCallback::~DestinationCallback() = default;
CheckpointWriter::~CheckpointWriter() = default;
Algorithm::~Algorithm() = default;
Dataset::~Dataset() = default;
Model::~Model() = default;

}  // namespace cairn
