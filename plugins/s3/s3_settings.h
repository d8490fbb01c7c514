// Everything an S3 store needs to know, gathered from its JSON config, the
// environment and the AWS shared files, in boto3's precedence: the config
// first, then AWS_* / S3_* environment variables, then the AWS_PROFILE
// profile (default "default") of ~/.aws/credentials and ~/.aws/config.
//
// Config keys (Composer's S3ObjectStore arguments; botocore / boto3 names
// inside client_config and transfer_config):
//   bucket, prefix, region_name, endpoint_url, aws_access_key_id,
//   aws_secret_access_key, aws_session_token, acl, verify (false or a CA bundle),
//   client_config: {connect_timeout, read_timeout, retries: {max_attempts,
//                   total_max_attempts, mode, deadline}, s3: {addressing_style}}
//   transfer_config: {multipart_threshold, multipart_chunksize, max_concurrency}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cairn/http/client.h"
#include "cairn/http/retry.h"
#include "cairn/http/sigv4.h"
#include "cairn/http/url.h"

namespace cairn {
struct Uri;
}

namespace s3store {

struct TransferSettings {
  uint64_t multipart_threshold = 8ull << 20;  // boto3 TransferConfig defaults
  uint64_t multipart_chunksize = 8ull << 20;
  int max_concurrency = 10;
};

struct S3Settings {
  std::string scheme = "s3";  // what get_uri writes: "s3" or "gs"
  std::string store_name = "s3";
  std::string bucket;
  std::string prefix;  // "" or ending in '/'
  std::string region = "us-east-1";
  cairn::http::Endpoint endpoint;  // where requests go
  bool path_style = false;         // "/bucket/key" instead of "bucket.host/key"
  cairn::http::sigv4::Credentials credentials;
  std::string canned_acl;  // x-amz-acl on uploads; "" = none
  TransferSettings transfer;
  cairn::RetryPolicy retry = cairn::http::default_retry_policy();
  // HTTP statuses retried on top of 408, 429 and 5xx: the libcloud plugin's
  // S3 providers add the 409 and 425 of libcloud's transient-error rule.
  std::vector<long> extra_retryable_statuses;
  cairn::http::ClientOptions http;
};

// `location` is the URI the store is opened for (its bucket), or empty when
// opened by name; the config's bucket must then be given. ConfigError for
// anything missing or malformed, naming the key and what to do.
S3Settings resolve_s3_settings(const cairn::Uri& location, const nlohmann::json& config);

// gs:// through GCS's S3-compatible XML API with HMAC keys from GCS_KEY and
// GCS_SECRET (the gcs plugin's HMAC mode). ConfigError when they are not set.
S3Settings resolve_gcs_settings(const cairn::Uri& location, const nlohmann::json& config);

}  // namespace s3store
