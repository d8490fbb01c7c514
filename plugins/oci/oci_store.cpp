#include "oci_store.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/http/response_checks.h"

namespace ocistore {

namespace http = cairn::http;

std::optional<ListPage> parse_list_page(const std::string& body) {
  try {
    const auto json = nlohmann::json::parse(body);
    ListPage page;
    for (const auto& object : json.at("objects")) page.names.push_back(object.at("name").get<std::string>());
    if (json.contains("nextStartWith") && !json["nextStartWith"].is_null()) {
      page.next_start = json["nextStartWith"].get<std::string>();
    }
    return page;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

OciStore::OciStore(OciSettings settings)
    : client_(std::move(settings)),
      upload_parts_(client_.settings().transfer.parallel_process_count),
      download_parts_(client_.settings().transfer.num_parts) {}

std::string OciStore::get_uri(const std::string& object_name) const { return client_.uri_of(object_name); }

uint64_t OciStore::get_object_size(const std::string& object_name, const cairn::ProgressFn&) {
  return size_for("size query", object_name);
}

uint64_t OciStore::size_for(const std::string& operation, const std::string& object_name) const {
  http::Response response;
  try {
    response = client_.send(OciCall{operation, object_name, "HEAD", Resource::kObject});
  } catch (const cairn::NotFoundError&) {
    // A HEAD's 404 has no body to say whether the bucket or the object is
    // missing: a HEAD of the bucket tells (BucketNotFound is not "absent").
    try {
      client_.send(OciCall{operation + " (bucket check)", "", "HEAD", Resource::kBucket});
    } catch (const cairn::NotFoundError&) {
      throw cairn::StoreError(cairn::StoreErrorKind::kOther, operation + " of '" + get_uri(object_name) +
                                                                 "' failed: HTTP 404 BucketNotFound" + client_.missing_bucket_note());
    }
    throw;
  }
  return http::content_length_of(response, operation + " of '" + get_uri(object_name) + "'");
}

std::vector<std::string> OciStore::list_objects(const std::string& prefix, const cairn::ProgressFn&) {
  const std::string& store_prefix = client_.settings().prefix;
  std::vector<std::string> names;
  std::string start;
  do {
    OciCall call{"list", prefix, "GET", Resource::kObjects};
    call.query = {{"prefix", store_prefix + prefix}, {"fields", "name,size"}};
    if (!start.empty()) call.query.emplace_back("start", start);
    const http::Response response = client_.send(call);
    const std::string what = "list of '" + get_uri(prefix) + "' failed: ";
    const std::optional<ListPage> page = parse_list_page(response.body);
    if (!page) {
      throw cairn::StoreError(cairn::StoreErrorKind::kOther, what + "the answer is not a ListObjects JSON document");
    }
    for (const std::string& name : page->names) {
      if (name.compare(0, store_prefix.size(), store_prefix) == 0) names.push_back(name.substr(store_prefix.size()));
    }
    const std::string& next = page->next_start;
    if (!next.empty() && next <= start) {
      // A server that sends the same page again would keep us here forever.
      throw cairn::StoreError(cairn::StoreErrorKind::kOther, what + "the listing's nextStartWith does not advance");
    }
    start = next;
  } while (!start.empty());
  std::sort(names.begin(), names.end());
  return names;
}

void OciStore::delete_object(const std::string& object_name, const cairn::ProgressFn&) {
  // OCI answers 404 ObjectNotFound for a missing object: NotFoundError.
  client_.send(OciCall{"delete", object_name, "DELETE", Resource::kObject});
}

}  // namespace ocistore
