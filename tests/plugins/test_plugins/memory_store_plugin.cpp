// Test plugin "test_good": object store "test_store" (scheme tst://) keeping
// objects in memory. Its code lives only in this library, so calling a store
// after the PluginHost is gone shows whether the library stayed loaded.
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/object_store.h"
#include "cairn/plugin.h"

namespace {

class MemoryStore : public cairn::ObjectStore {
 public:
  explicit MemoryStore(std::string bucket) : bucket_(std::move(bucket)) {}

  std::string get_uri(const std::string& name) const override { return "tst://" + bucket_ + "/" + name; }

  void upload_object(const std::string& name, const std::string& filename, const cairn::ProgressFn& progress) override {
    std::ifstream in(filename, std::ios::binary);
    if (!in) throw cairn::StoreError(cairn::StoreErrorKind::kOther, "upload of '" + name + "': cannot read " + filename);
    objects_[name] = std::string(std::istreambuf_iterator<char>(in), {});
    if (progress) progress(objects_[name].size(), objects_[name].size());
  }

  void download_object(const std::string& name, const std::string& filename, bool overwrite,
                       const cairn::ProgressFn& progress) override {
    const auto found = objects_.find(name);
    if (found == objects_.end()) throw cairn::NotFoundError("download of '" + name + "' from " + get_uri("") + ": not found");
    if (!overwrite && std::ifstream(filename)) throw cairn::AlreadyExistsError("download of '" + name + "': " + filename + " exists");
    std::ofstream(filename, std::ios::binary) << found->second;
    if (progress) progress(found->second.size(), found->second.size());
  }

  uint64_t get_object_size(const std::string& name, const cairn::ProgressFn&) override {
    const auto found = objects_.find(name);
    if (found == objects_.end()) throw cairn::NotFoundError("size of '" + name + "': not found");
    return found->second.size();
  }

  std::vector<std::string> list_objects(const std::string& prefix, const cairn::ProgressFn&) override {
    std::vector<std::string> names;
    for (const auto& item : objects_) {
      if (item.first.compare(0, prefix.size(), prefix) == 0) names.push_back(item.first);
    }
    return names;
  }

  void delete_object(const std::string& name, const cairn::ProgressFn&) override {
    if (objects_.erase(name) == 0) throw cairn::NotFoundError("delete of '" + name + "': not found");
  }

 private:
  std::string bucket_;
  std::map<std::string, std::string> objects_;
};

void register_test_good(cairn::Registrar& registrar) {
  registrar.add_object_store(
      "test_store", {"tst"},
      [](const cairn::Uri& location, const nlohmann::json&) { return std::make_unique<MemoryStore>(location.bucket); },
      "in-memory store for the plugin tests");
}

}  // namespace

CAIRN_PLUGIN("test_good", "2.5.0", "A well-formed test plugin", register_test_good)
