// Reading S3's XML responses with expat, a maintained XML parser: values are
// taken by their element path from the root ("ListBucketResult/Contents/Key"),
// so CDATA, entities, namespace prefixes and same-named elements elsewhere in
// the document are read as XML says, not as a text search happens to find them.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace s3store {

// The body is not well-formed XML, or not the document that was expected.
// The message says which, without quoting the body.
class XmlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The texts of the elements at `paths` (local names from the root, joined by
// '/': "ListBucketResult/Contents/Key"), per path in document order, and the
// root element's local name. Only an element's own text counts (CDATA and
// references decoded), not that of its children. Any XML answer may be read
// this way (Azure Blob's EnumerationResults too). XmlError when `document`
// is not well-formed.
struct XmlValues {
  std::string root;
  std::vector<std::vector<std::string>> values;
};
XmlValues read_xml_values(std::string_view document, const std::vector<std::string>& paths);

// One page of a ListObjectsV2 answer (ListBucketResult).
struct ListPage {
  std::vector<std::string> keys;  // Contents/Key, in document order
  bool truncated = false;         // IsTruncated
  std::string next_token;         // NextContinuationToken ("" when absent)
};

// S3's <Error> document (also inside an <ErrorResponse>, as some
// S3-compatible servers wrap it).
struct ErrorDocument {
  std::string code;
  std::string message;
};

// XmlError unless `document` is a ListBucketResult.
ListPage parse_list_page(std::string_view document);
// The UploadId of an InitiateMultipartUploadResult ("" when it has none);
// XmlError unless `document` is one.
std::string parse_upload_id(std::string_view document);
// The error an error document describes; nullopt when `document` is not one
// (empty, not XML, or XML with another root), never an exception.
std::optional<ErrorDocument> parse_error_document(std::string_view document);

std::string xml_escape(std::string_view text);

}  // namespace s3store
