// Reading S3's XML responses: flat documents (Error, ListBucketResult,
// InitiateMultipartUploadResult) whose fields are found by element name. Not
// a general XML parser: no namespaces prefixes, attributes or CDATA, which S3
// does not send in these responses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace s3store {

// The text of every <tag>...</tag> (or <tag .../>: "") in document order, with
// the five XML entities and numeric character references decoded.
std::vector<std::string> xml_values(std::string_view document, std::string_view tag);
// The first such text, or "" when there is none.
std::string xml_value(std::string_view document, std::string_view tag);
// Whether the document's root element is <Error>.
bool xml_is_error(std::string_view document);

std::string xml_escape(std::string_view text);
std::string xml_unescape(std::string_view text);

}  // namespace s3store
