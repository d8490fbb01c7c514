// Application Default Credentials, in the order Google's client libraries
// look for them (google.auth.default()), after the two cases Composer's
// GCSObjectStore and Google's libraries settle first:
//   1. STORAGE_EMULATOR_HOST is the endpoint: no credentials (the emulator
//      checks none), unless the config names a credentials_file;
//   2. the config's credentials_file;
//   3. GOOGLE_APPLICATION_CREDENTIALS: a service_account key file (RS256 JWT
//      grant at its token_uri) or an authorized_user file (refresh grant);
//   4. gcloud's application_default_credentials.json, in $CLOUDSDK_CONFIG or
//      ~/.config/gcloud (written by `gcloud auth application-default login`);
//   5. the metadata server (GCE_METADATA_HOST, default 169.254.169.254), if
//      one answers: on Google Cloud VMs, GKE, Cloud Run.
// (GCS_KEY + GCS_SECRET, HMAC keys, come before all of these; gcs_plugin.cpp
// routes them to the S3-compatible XML API.)
//
// A file named by the config or GOOGLE_APPLICATION_CREDENTIALS that is
// missing or malformed is a ConfigError (google-auth does not fall through
// either); so is finding nothing at all, with every place that was tried.
#pragma once

#include <memory>

#include "gcs_settings.h"
#include "token_source.h"

namespace gcsstore {

std::unique_ptr<TokenSource> find_credentials(const GcsSettings& settings);

// The token source a key file describes (type service_account or
// authorized_user). `origin` says where its path came from, for messages.
std::unique_ptr<TokenSource> credentials_from_file(const std::string& path, const std::string& origin,
                                                   const GcsSettings& settings);

}  // namespace gcsstore
