#include "azure_store.h"

#include <algorithm>

#include "azure_xml.h"
#include "cairn/errors.h"
#include "cairn/http/response_checks.h"
#include "s3_xml.h"

namespace libcloud {

namespace http = cairn::http;

AzureBlobStore::AzureBlobStore(AzureSettings settings)
    : client_(std::move(settings)), parts_(client_.settings().transfer.max_concurrency) {}

std::string AzureBlobStore::get_uri(const std::string& object_name) const { return client_.uri_of(object_name); }

uint64_t AzureBlobStore::get_object_size(const std::string& object_name, const cairn::ProgressFn&) {
  return size_for("size query", object_name);
}

uint64_t AzureBlobStore::size_for(const std::string& operation, const std::string& blob) const {
  AzureCall call{operation, blob, "HEAD"};
  const http::Response response = client_.send(call);
  return http::content_length_of(response, operation + " of '" + get_uri(blob) + "'");
}

std::vector<std::string> AzureBlobStore::list_objects(const std::string& prefix, const cairn::ProgressFn&) {
  std::vector<std::string> names;
  std::string marker;
  do {
    AzureCall call{"list", prefix, "GET", /*container_level=*/true};
    call.query = {{"restype", "container"}, {"comp", "list"}, {"maxresults", std::to_string(client_.settings().list_page_size)}};
    if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
    if (!marker.empty()) call.query.emplace_back("marker", marker);
    const http::Response response = client_.send(call);
    BlobListPage page;
    try {
      page = parse_blob_list_page(response.body);
    } catch (const s3store::XmlError& e) {
      throw cairn::StoreError(cairn::StoreErrorKind::kOther, "list of '" + get_uri(prefix) + "' failed: " + e.what());
    }
    if (!page.next_marker.empty() && page.next_marker == marker) {
      throw cairn::StoreError(cairn::StoreErrorKind::kOther, "list of '" + get_uri(prefix) +
                                                                 "' failed: the server sent the same NextMarker twice");
    }
    for (auto& name : page.names) names.push_back(std::move(name));
    marker = page.next_marker;
  } while (!marker.empty());
  std::sort(names.begin(), names.end());
  return names;
}

void AzureBlobStore::delete_object(const std::string& object_name, const cairn::ProgressFn&) {
  AzureCall call{"delete", object_name, "DELETE"};
  client_.send(call);  // 404 BlobNotFound: NotFoundError
}

}  // namespace libcloud
