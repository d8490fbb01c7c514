// The JSON answers of GCS's JSON API as the gcs plugin reads them: object
// metadata, a page of objects.list, Google's error document
// (parse_google_error), and the checks every store applies to an answer's
// headers and body (cairn::http response_checks). The input is the body; its
// first byte picks the status.
// Oracles: none of these throws except content_length_of's StoreError, and
// a body excerpt is one line.
#include <cstdint>
#include <string>

#include "cairn/errors.h"
#include "cairn/http/response_checks.h"
#include "fuzz_check.h"
#include "gcs_client.h"
#include "gcs_store.h"
#include "response_fuzzing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const cairn::http::Response response = fuzz_response(data, size);
  const cairn::http::ServiceError error = gcsstore::parse_google_error(response);
  FUZZ_CHECK(error.status == response.status, "the status is kept");
  (void)gcsstore::parse_object_metadata(response.body);
  (void)gcsstore::parse_list_page(response.body);
  check_response_helpers(response);
  return 0;
}
