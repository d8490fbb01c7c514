// The XML answers of the S3 and Azure Blob services as the s3 and libcloud
// plugins read them (with expat): any document by element path, a
// ListObjectsV2 page, InitiateMultipartUpload, an S3 <Error>, an Azure List
// Blobs page. Oracles: only XmlError escapes the strict parsers,
// parse_error_document never throws, and xml_escape'd text reads back as
// itself.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "azure_xml.h"
#include "fuzz_check.h"
#include "s3_xml.h"

namespace {

template <typename Read>
void expect_xml_errors_only(Read read) {
  try {
    read();
  } catch (const s3store::XmlError& e) {
    FUZZ_CHECK(is_one_line(e.what()), e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view document(reinterpret_cast<const char*>(data), size);
  expect_xml_errors_only([&] {
    const auto values = s3store::read_xml_values(document, {"ListBucketResult/Contents/Key", "Error/Code", "a/b"});
    FUZZ_CHECK(values.values.size() == 3, "one list of values per path");
  });
  expect_xml_errors_only([&] { (void)s3store::parse_list_page(document); });
  expect_xml_errors_only([&] { (void)s3store::parse_upload_id(document); });
  expect_xml_errors_only([&] { (void)libcloud::parse_blob_list_page(document); });
  (void)s3store::parse_error_document(document);

  // Object names go into XML bodies (multi-object delete): escaped text must
  // read back unchanged. XML 1.0 has no form for control characters, so
  // only printable ASCII is held to this.
  if (std::all_of(document.begin(), document.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; })) {
    const std::string wrapped = "<Key>" + s3store::xml_escape(document) + "</Key>";
    const auto values = s3store::read_xml_values(wrapped, {"Key"});
    FUZZ_CHECK(values.values[0].size() == 1 && values.values[0][0] == document, wrapped);
  }
  return 0;
}
