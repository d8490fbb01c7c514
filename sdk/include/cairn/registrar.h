// What a plugin registers: named factories in the host's registries.
//
// Each factory receives the user's JSON config for the instance (null when none
// was given) and reports a bad config by throwing ConfigError (see config.h).
// Each add_* also takes the config's fields (config_schema.h), which users see
// in `cairn plugins NAME`; the form without them still works.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cairn/config_schema.h"
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

  // Declares the fields of the JSON config that the factory registered as
  // `name` accepts (`cairn plugins NAME` shows them). `kind` is "object_store",
  // "callback", "algorithm", "model" or "dataset"; call it after registering
  // `name`. Declared after the add_* functions, so that plugins built against
  // the earlier header keep calling the same table slots; the default does
  // nothing, for registrars that do not show configs.
  virtual void describe_config(const std::string& kind, const std::string& name, const ConfigSchema& fields);

  // Registration and its config's fields in one call.
  void add_object_store(const std::string& name, const std::vector<std::string>& uri_schemes, StoreFactory factory,
                        const std::string& summary, const ConfigSchema& fields) {
    add_object_store(name, uri_schemes, std::move(factory), summary);
    describe_config("object_store", name, fields);
  }
  void add_callback(const std::string& name, Factory<Callback> factory, const std::string& summary,
                    const ConfigSchema& fields) {
    add_callback(name, std::move(factory), summary);
    describe_config("callback", name, fields);
  }
  void add_algorithm(const std::string& name, Factory<Algorithm> factory, const std::string& summary,
                     const ConfigSchema& fields) {
    add_algorithm(name, std::move(factory), summary);
    describe_config("algorithm", name, fields);
  }
  void add_model(const std::string& name, Factory<Model> factory, const std::string& summary,
                 const ConfigSchema& fields) {
    add_model(name, std::move(factory), summary);
    describe_config("model", name, fields);
  }
  void add_dataset(const std::string& name, Factory<Dataset> factory, const std::string& summary,
                   const ConfigSchema& fields) {
    add_dataset(name, std::move(factory), summary);
    describe_config("dataset", name, fields);
  }
};

}  // namespace cairn
