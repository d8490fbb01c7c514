// What a plugin registers: named factories in the host's registries.
//
// Each factory receives the user's JSON config for the instance (null when none
// was given) and reports a bad config by throwing ConfigError (see config.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cairn/export.h"

namespace cairn {

class Algorithm;
class Callback;
class Dataset;
class Model;
class ObjectStore;
struct Uri;

template <typename T>
using Factory = std::function<std::unique_ptr<T>(const nlohmann::json& config)>;

// `location` is the URI the store is opened for (scheme, bucket, path), or an
// empty Uri when the store is opened by name with its config alone.
using StoreFactory = std::function<std::unique_ptr<ObjectStore>(const Uri& location, const nlohmann::json& config)>;

class CAIRN_EXPORT Registrar {
 public:
  virtual ~Registrar();

  // `uri_schemes` ("s3", "gs") route URIs to this store; they are lower case.
  virtual void add_object_store(const std::string& name, const std::vector<std::string>& uri_schemes,
                                StoreFactory factory, const std::string& summary) = 0;
  virtual void add_callback(const std::string& name, Factory<Callback> factory, const std::string& summary) = 0;
  virtual void add_algorithm(const std::string& name, Factory<Algorithm> factory, const std::string& summary) = 0;
  virtual void add_model(const std::string& name, Factory<Model> factory, const std::string& summary) = 0;
  virtual void add_dataset(const std::string& name, Factory<Dataset> factory, const std::string& summary) = 0;
};

}  // namespace cairn
