// The error types every part of Cairn throws.
//
// Each message is meant to be shown to a user as one line: it names the thing,
// says what was wrong and what to do. Catch `cairn::Error` to handle them all.
#pragma once

#include <stdexcept>
#include <string>

#include "cairn/export.h"

namespace cairn {

class CAIRN_EXPORT Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~Error() override;
};

// Invalid user input: a flag, a JSON config field, a time string, a path template.
class CAIRN_EXPORT ConfigError : public Error {
 public:
  using Error::Error;
  ~ConfigError() override;
};

// A checkpoint that cannot be read, or whose contents do not fit the run.
class CAIRN_EXPORT CheckpointError : public Error {
 public:
  using Error::Error;
  ~CheckpointError() override;
};

// A plugin that could not be loaded or registered.
class CAIRN_EXPORT PluginError : public Error {
 public:
  using Error::Error;
  ~PluginError() override;
};

// Errors from an ObjectStore. Backends map their protocol's failures onto these
// kinds so that callers decide on retries and messages without knowing the backend.
enum class StoreErrorKind { kNotFound, kAlreadyExists, kAuthentication, kTransient, kOther };

const char* to_string(StoreErrorKind kind);

class CAIRN_EXPORT StoreError : public Error {
 public:
  StoreError(StoreErrorKind kind, const std::string& message) : Error(message), kind_(kind) {}
  ~StoreError() override;
  StoreErrorKind kind() const { return kind_; }
  // Worth another attempt: the same request may succeed later.
  bool retryable() const { return kind_ == StoreErrorKind::kTransient; }

 private:
  StoreErrorKind kind_;
};

class CAIRN_EXPORT NotFoundError : public StoreError {
 public:
  explicit NotFoundError(const std::string& m) : StoreError(StoreErrorKind::kNotFound, m) {}
  ~NotFoundError() override;
};

class CAIRN_EXPORT AlreadyExistsError : public StoreError {
 public:
  explicit AlreadyExistsError(const std::string& m) : StoreError(StoreErrorKind::kAlreadyExists, m) {}
  ~AlreadyExistsError() override;
};

class CAIRN_EXPORT AuthenticationError : public StoreError {
 public:
  explicit AuthenticationError(const std::string& m) : StoreError(StoreErrorKind::kAuthentication, m) {}
  ~AuthenticationError() override;
};

class CAIRN_EXPORT TransientError : public StoreError {
 public:
  explicit TransientError(const std::string& m) : StoreError(StoreErrorKind::kTransient, m) {}
  ~TransientError() override;
};

}  // namespace cairn
