#include "cairn/errors.h"

namespace cairn {

// Out-of-line destructors anchor each type's vtable and RTTI in libcairn_sdk,
// so a plugin's `throw NotFoundError` is caught by the engine's `catch`.
Error::~Error() = default;
ConfigError::~ConfigError() = default;
CheckpointError::~CheckpointError() = default;
PluginError::~PluginError() = default;
StoreError::~StoreError() = default;
NotFoundError::~NotFoundError() = default;
AlreadyExistsError::~AlreadyExistsError() = default;
AuthenticationError::~AuthenticationError() = default;
TransientError::~TransientError() = default;

const char* to_string(StoreErrorKind kind) {
  switch (kind) {
    case StoreErrorKind::kNotFound: return "not found";
    case StoreErrorKind::kAlreadyExists: return "already exists";
    case StoreErrorKind::kAuthentication: return "authentication";
    case StoreErrorKind::kTransient: return "transient";
    case StoreErrorKind::kOther: return "other";
  }
  return "other";
}

}  // namespace cairn
