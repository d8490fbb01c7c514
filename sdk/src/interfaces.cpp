// Out-of-line anchors and defaults of the SDK interfaces.
#include <ATen/core/Dict.h>

#include "cairn/algorithm.h"
#include "cairn/callback.h"
#include "cairn/dataset.h"
#include "cairn/logger.h"
#include "cairn/logger_destination.h"
#include "cairn/model.h"
#include "cairn/object_store.h"
#include "cairn/registrar.h"
#include "cairn/state_dict.h"

namespace cairn {

StateDictHook::~StateDictHook() = default;
c10::IValue StateDictHook::state_dict() const { return make_dict(); }
void StateDictHook::load_state_dict(const c10::IValue&) {}

c10::impl::GenericDict make_dict() { return c10::impl::GenericDict(c10::StringType::get(), c10::AnyType::get()); }

Callback::~Callback() = default;
Algorithm::~Algorithm() = default;
Dataset::~Dataset() = default;
Logger::~Logger() = default;
LoggerDestination::~LoggerDestination() = default;
Model::~Model() = default;
ObjectStore::~ObjectStore() = default;
Registrar::~Registrar() = default;
void Registrar::describe_config(const std::string&, const std::string&, const ConfigSchema&) {}

}  // namespace cairn
