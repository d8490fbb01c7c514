// One Shared-Key-signed Azure Blob request, sent with retries, its failure
// mapped onto the SDK's error kinds. The Azure store's operations are built
// from these calls, as the s3 store's are from S3Client's.
//
// Retried (libcloud's transient-error rule, on top of the HTTP library's
// 408, 429 and 5xx): 409, 425, Azure's ServerBusy / OperationTimedOut /
// InternalError codes, connection resets and timeouts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/http/client.h"
#include "cairn/http/retry.h"
#include "cairn/http/url.h"
#include "s3_settings.h"

namespace libcloud {

struct AzureSettings {
  std::string uri_scheme = "azure";  // what get_uri writes: "azure" or "azure_blobs"
  std::string account;
  std::string account_key;  // raw bytes (decoded from the base64 text users hold)
  std::string account_key_text;  // the base64 text, kept only to scrub it from messages
  // Where the account's blob service is: "https://acct.blob.core.windows.net",
  // or an emulator's "http://127.0.0.1:10000/devstoreaccount1" (path-style).
  cairn::http::Endpoint endpoint;
  std::string container;
  std::string api_version = "2021-08-06";  // x-ms-version
  // Puts below multipart_threshold are one Put Blob; larger files are blocks
  // of multipart_chunksize (grown to stay within 50,000 blocks), sent
  // max_concurrency at a time, then a Put Block List. Downloads likewise.
  s3store::TransferSettings transfer;
  int list_page_size = 5000;  // maxresults of a List Blobs page (5000 is Azure's maximum)
  cairn::RetryPolicy retry = cairn::http::default_retry_policy();
  cairn::http::ClientOptions http;
};

struct AzureCall {
  std::string operation;  // "upload", "download", ... (for messages)
  std::string blob;       // the blob's name in the container ("" for container calls)
  std::string method = "GET";
  bool container_level = false;
  std::vector<std::pair<std::string, std::string>> query;  // raw
  cairn::http::Headers headers;                            // extra headers, all signed
  cairn::http::RequestBody body;
  cairn::http::ResponseSink sink;
  int64_t expected_body_bytes = -1;  // a 2xx with another body length fails (and is retried)
  bool ranged = false;               // a 200 to a ranged GET fails
};

class AzureClient {
 public:
  explicit AzureClient(AzureSettings settings);

  const AzureSettings& settings() const { return settings_; }
  // "azure://container/name"
  std::string uri_of(const std::string& blob) const;

  // Sends `call` with retries. Throws NotFoundError, AuthenticationError,
  // TransientError (retries exhausted) or StoreError(kOther), each naming the
  // operation, the blob's URI, the status, Azure's error code and message.
  cairn::http::Response send(const AzureCall& call, const std::function<void(uint64_t)>& on_bytes = {}) const;

  // The request as it goes on the wire, signed for `date` (exposed for tests).
  cairn::http::Request build_request(const AzureCall& call, const std::string& date) const;

  // Removes the account key and any credential-looking text.
  std::string scrub(const std::string& text) const;

 private:
  AzureSettings settings_;
  cairn::http::Client http_;
};

// Whether an Azure error is transient beyond 408, 429 and 5xx: libcloud's
// 409 and 425, and Azure's busy / timed-out codes.
bool is_retryable_azure_error(long status, const std::string& code);

}  // namespace libcloud
