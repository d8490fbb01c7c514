#include "gcs_store.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"

namespace gcsstore {

namespace http = cairn::http;

namespace {

// The JSON API sends 64-bit numbers (size, generation) as strings.
std::string string_field(const nlohmann::json& json, const char* name) {
  if (!json.is_object() || !json.contains(name)) return "";
  const auto& value = json[name];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_unsigned()) return std::to_string(value.get<uint64_t>());
  return "";
}

bool parse_size(const std::string& text, uint64_t& size) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  try {
    size = std::stoull(text);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::optional<ObjectInfo> parse_object_metadata(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  ObjectInfo info;
  if (!parse_size(string_field(json, "size"), info.size)) return std::nullopt;
  info.generation = string_field(json, "generation");
  return info;
}

std::optional<ListPage> parse_list_page(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  // An answer that is not a listing must not read as an empty one.
  if (!json.is_object() || (json.contains("items") && !json["items"].is_array())) return std::nullopt;
  ListPage page;
  for (const auto& item : json.value("items", nlohmann::json::array())) page.names.push_back(string_field(item, "name"));
  page.next_token = string_field(json, "nextPageToken");
  return page;
}

GcsStore::GcsStore(GcsSettings settings, std::unique_ptr<TokenSource> tokens)
    : client_(std::move(settings), std::move(tokens)), parts_(client_.settings().max_concurrency) {}

std::string GcsStore::get_uri(const std::string& object_name) const { return client_.uri_of(object_name); }

ObjectInfo GcsStore::metadata(const std::string& operation, const std::string& object_name) const {
  GcsCall call{operation, object_name, "GET", client_.metadata_url(object_name)};
  const http::Response response = client_.send(call);
  const std::optional<ObjectInfo> info = parse_object_metadata(response.body);
  if (!info) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, operation + " of '" + get_uri(object_name) +
                                                               "' failed: the object's metadata has no usable size");
  }
  return *info;
}

uint64_t GcsStore::get_object_size(const std::string& object_name, const cairn::ProgressFn&) {
  return metadata("size query", object_name).size;
}

std::vector<std::string> GcsStore::list_objects(const std::string& prefix, const cairn::ProgressFn&) {
  const std::string& store_prefix = client_.settings().prefix;
  std::vector<std::string> names;
  std::string token;
  do {
    GcsCall call{"list", prefix, "GET", client_.list_url(prefix, token), /*bucket_level=*/true};
    const http::Response response = client_.send(call);
    const std::optional<ListPage> page = parse_list_page(response.body);
    if (!page) {
      throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                              "list of '" + get_uri(prefix) + "' failed: the answer is not a JSON object listing");
    }
    for (const std::string& name : page->names) {
      if (name.size() >= store_prefix.size() && name.compare(0, store_prefix.size(), store_prefix) == 0) {
        names.push_back(name.substr(store_prefix.size()));
      }
    }
    const std::string& next = page->next_token;
    if (!next.empty() && next == token) {
      throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                              "list of '" + get_uri(prefix) + "' failed: the server sent the same page token twice");
    }
    token = next;
  } while (!token.empty());
  std::sort(names.begin(), names.end());
  return names;
}

void GcsStore::delete_object(const std::string& object_name, const cairn::ProgressFn&) {
  GcsCall call{"delete", object_name, "DELETE", client_.metadata_url(object_name)};
  client_.send(call);  // 404: NotFoundError
}

void check_uploaded_size(const GcsClient& client, const std::string& object_name, const std::string& answer,
                         uint64_t expected) {
  const std::optional<ObjectInfo> info = parse_object_metadata(answer);
  if (!info) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, "upload of '" + client.uri_of(object_name) +
                                                               "' failed: the answer is not the object's metadata");
  }
  const uint64_t stored = info->size;
  if (stored != expected) {
    throw cairn::TransientError("upload of '" + client.uri_of(object_name) + "' failed: GCS holds " +
                                std::to_string(stored) + " bytes where " + std::to_string(expected) + " were sent");
  }
}

}  // namespace gcsstore
