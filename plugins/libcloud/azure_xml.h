// The XML documents of the Blob service that the Azure store reads and
// writes: a List Blobs page (EnumerationResults) and the Put Block List body.
// Read with the s3 plugin's expat reader (s3_xml.h), by element path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace libcloud {

struct BlobListPage {
  std::vector<std::string> names;  // Blobs/Blob/Name, in document order
  std::string next_marker;         // NextMarker; "" on the last page
};

// s3store::XmlError unless `document` is an EnumerationResults.
BlobListPage parse_blob_list_page(std::string_view document);

// <BlockList><Latest>id</Latest>...</BlockList>: the blocks, in order, that
// make up the blob.
std::string block_list_body(const std::vector<std::string>& block_ids);

}  // namespace libcloud
