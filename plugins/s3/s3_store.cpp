#include "s3_store.h"

#include <algorithm>

#include "cairn/errors.h"
#include "cairn/http/response_checks.h"
#include "s3_xml.h"

namespace s3store {

namespace http = cairn::http;

S3Store::S3Store(S3Settings settings)
    : client_(std::move(settings)), parts_(client_.settings().transfer.max_concurrency) {}

std::string S3Store::get_uri(const std::string& object_name) const { return client_.uri_of(object_name); }

uint64_t S3Store::get_object_size(const std::string& object_name, const cairn::ProgressFn&) {
  return size_for("size query", object_name);
}

uint64_t S3Store::size_for(const std::string& operation, const std::string& object_name) const {
  S3Call call{operation, object_name, "HEAD"};
  const http::Response response = client_.send(call);
  return http::content_length_of(response, operation + " of '" + get_uri(object_name) + "'");
}

std::vector<std::string> S3Store::list_objects(const std::string& prefix, const cairn::ProgressFn&) {
  const std::string& store_prefix = client_.settings().prefix;
  std::vector<std::string> names;
  std::string token;
  do {
    S3Call call{"list", prefix, "GET", /*bucket_level=*/true};
    call.query = {{"list-type", "2"}, {"prefix", store_prefix + prefix}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    // An answer that is not a listing must not read as an empty one.
    call.error_may_come_with_200 = true;
    const http::Response response = client_.send(call);
    ListPage page;
    try {
      page = parse_list_page(response.body);
    } catch (const XmlError& e) {
      throw cairn::StoreError(cairn::StoreErrorKind::kOther, "list of '" + get_uri(prefix) + "' failed: " + e.what());
    }
    for (auto& key : page.keys) {
      if (key.size() >= store_prefix.size() && key.compare(0, store_prefix.size(), store_prefix) == 0) {
        names.push_back(key.substr(store_prefix.size()));
      }
    }
    if (page.truncated && page.next_token.empty()) {
      throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                              "list of '" + get_uri(prefix) + "' failed: the server said the listing is truncated but sent no continuation token");
    }
    token = page.truncated ? page.next_token : "";
  } while (!token.empty());
  std::sort(names.begin(), names.end());
  return names;
}

void S3Store::delete_object(const std::string& object_name, const cairn::ProgressFn&) {
  size_for("delete", object_name);  // NotFoundError when absent
  S3Call call{"delete", object_name, "DELETE"};
  client_.send(call);
}

}  // namespace s3store
