// The providers the libcloud store knows, by libcloud's driver names, and how
// each is opened:
//
//   local           LocalContainerStore (libcloud's LocalStorageDriver layout)
//   azure_blobs     AzureBlobStore (Shared Key)
//   s3, minio       the s3 plugin's S3Store, at provider_kwargs host/port/secure
//   google_storage  S3Store against GCS's XML API (storage.googleapis.com)
//                   with an HMAC key and secret
#pragma once

#include <memory>
#include <string>

#include "cairn/object_store.h"
#include "libcloud_settings.h"

namespace libcloud {

bool is_known_provider(const std::string& provider);
// "local, azure_blobs, s3, minio, google_storage"
std::string known_provider_list();

// The store for `settings`. ConfigError when the provider lacks what it
// needs (a key, a secret, a host), naming where it is read from.
std::unique_ptr<cairn::ObjectStore> open_provider(const LibcloudSettings& settings);

}  // namespace libcloud
