// One signed Object Storage request, sent with retries (Cairn::http), its
// failure mapped onto the SDK's error kinds as Composer's _reraise_oci_errors
// maps OCI's: ObjectNotFound -> NotFoundError, BucketNotFound -> a StoreError
// saying so (not "object absent"), 401/403 -> AuthenticationError naming the
// bucket, object, operation and profile, retries exhausted -> TransientError.
// The store's operations are built from these calls.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cairn/http/client.h"
#include "cairn/http/retry.h"
#include "oci_settings.h"

namespace ocistore {

// Which resource a call addresses (paths of Object Storage's API).
enum class Resource {
  kNamespace,  // /n/
  kBucket,     // /n/{ns}/b/{bucket}/
  kObjects,    // /n/{ns}/b/{bucket}/o          (listing)
  kObject,     // /n/{ns}/b/{bucket}/o/{name}
  kUploads,    // /n/{ns}/b/{bucket}/u          (create a multipart upload)
  kUpload,     // /n/{ns}/b/{bucket}/u/{name}   (parts, commit, abort)
};

struct OciCall {
  std::string operation;  // "upload", "download", ... (for messages)
  std::string object;     // the object name relative to the store's prefix
  std::string method = "GET";
  Resource resource = Resource::kObject;
  std::vector<std::pair<std::string, std::string>> query;  // raw names and values
  cairn::http::Headers headers;                            // extra headers (Range)
  cairn::http::RequestBody body;
  // A JSON body (memory only), signed with content-length, content-type and
  // x-content-sha256, as OCI requires for POST. Object bytes are not signed.
  bool json_body = false;
  cairn::http::ResponseSink sink;
  int64_t expected_body_bytes = -1;  // a 2xx with another body length fails (and is retried)
  bool ranged = false;               // a 200 to a ranged GET fails
};

class OciClient {
 public:
  explicit OciClient(OciSettings settings);

  const OciSettings& settings() const { return settings_; }
  // "oci://bucket/prefix/name": the prefix is part of it (Composer forgot it).
  std::string uri_of(const std::string& object_name) const;
  std::string key_of(const std::string& object_name) const { return settings_.prefix + object_name; }

  // Sends `call` with retries and maps its final failure (see above).
  cairn::http::Response send(const OciCall& call, const std::function<void(uint64_t)>& on_bytes = {}) const;

  // The request as it goes on the wire, signed with `date` (for tests).
  cairn::http::Request build_request(const OciCall& call, const std::string& date) const;

  // The namespace: configured, or asked once with GET /n/ and kept.
  std::string namespace_name() const;

  // " (the bucket 'b' of namespace 'n' does not exist, ...)": Composer's
  // "Bucket specified in <uri> not found".
  std::string missing_bucket_note() const;

  // Removes this store's secrets and credential-looking text.
  std::string scrub(const std::string& text) const;

 private:
  std::string path_of(const OciCall& call) const;

  OciSettings settings_;
  cairn::http::Client http_;
  cairn::http::ResponseRules rules_;
  mutable std::mutex namespace_lock_;
  mutable std::string namespace_;
};

// OCI's error answer {"code": ..., "message": ...}, or for a body that is not
// one (a proxy's page, a HEAD), the status and a short excerpt.
cairn::http::ServiceError parse_oci_error(const cairn::http::Response& response);

}  // namespace ocistore
