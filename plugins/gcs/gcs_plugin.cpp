// Entry point of the "gcs" plugin: object store "gcs" for gs:// URIs, on
// Google Cloud Storage's JSON API with Application Default Credentials, or,
// when GCS_KEY and GCS_SECRET are set, its S3-compatible XML API with those
// HMAC keys (Composer's GCSObjectStore checks them first too).
#include <nlohmann/json.hpp>

#include "cairn/plugin.h"
#include "gcs_store.h"

namespace {

void register_gcs_store(cairn::Registrar& registrar) {
  registrar.add_object_store("gcs", {"gs"}, &gcsstore::open_store,
                             "Google Cloud Storage (JSON API with Application Default Credentials, or HMAC keys)");
  registrar.describe_config(
      "object_store", "gcs",
      {{"bucket", "string", "\"\"", "the bucket, when not given by the URI"},
       {"prefix", "string", "\"\"", "a folder inside the bucket that every object name is under"},
       {"project", "string", "\"\"", "the project billed for requests (x-goog-user-project); empty: the credentials' quota project"},
       {"credentials_file", "string", "\"\"", "a service_account or authorized_user JSON key file; empty: GOOGLE_APPLICATION_CREDENTIALS, gcloud's, the metadata server"},
       {"api_endpoint", "string", "\"\"", "the JSON API's root (and the XML API's with HMAC keys); empty: STORAGE_EMULATOR_HOST, then https://storage.googleapis.com", "\"http://127.0.0.1:9199\""},
       {"chunk_size", "int", "104857600", "bytes per resumable-upload chunk, a multiple of 262144 (256 KiB)"},
       {"resumable_threshold", "int", "8388608", "files of this many bytes or more go through a resumable upload"},
       {"download_chunk_size", "int", "33554432", "larger downloads are ranged GETs of this many bytes, run concurrently"},
       {"max_concurrency", "int", "8", "ranged GETs in flight"},
       {"timeout", "float", "60", "seconds to connect, and without a byte moving"},
       {"ca_bundle", "string", "\"\"", "a PEM file of the certificates TLS trusts; empty: AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, SSL_CERT_FILE, then the system's"},
       {"retry", "object", "{}", "google.api_core.retry's: initial, maximum, deadline (seconds), and max_attempts (10)"}});
}

}  // namespace

CAIRN_PLUGIN("gcs", "1.0.0", "Google Cloud Storage over its JSON API (OAuth2) or XML API (HMAC keys)", register_gcs_store)
