// GCS_KEY + GCS_SECRET: Composer's HMAC mode. GCS's S3-compatible XML API at
// storage.googleapis.com (or the store's api_endpoint), through the s3
// plugin's store, signed with AWS Signature Version 4 (region "auto"), with
// the gcs store's bucket, prefix, transfer sizes, timeout and retries.
#pragma once

#include <cstdlib>
#include <memory>

#include "cairn/object_store.h"
#include "gcs_settings.h"

namespace gcsstore {

// Whether both GCS_KEY and GCS_SECRET are set (Composer's test: both, or neither counts).
bool hmac_keys_set();

std::unique_ptr<cairn::ObjectStore> open_hmac_store(const cairn::Uri& location, const GcsSettings& settings);

}  // namespace gcsstore
