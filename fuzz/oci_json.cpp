// The JSON answers of OCI Object Storage as the oci plugin reads them: a
// ListObjects page, its error document (parse_oci_error), and the checks
// every store applies to an answer (cairn::http response_checks). The input
// is the body; its first byte picks the status.
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "oci_client.h"
#include "oci_store.h"
#include "response_fuzzing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const cairn::http::Response response = fuzz_response(data, size);
  const cairn::http::ServiceError error = ocistore::parse_oci_error(response);
  FUZZ_CHECK(error.status == response.status, "the status is kept");
  (void)ocistore::parse_list_page(response.body);
  check_response_helpers(response);
  return 0;
}
