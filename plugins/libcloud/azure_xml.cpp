#include "azure_xml.h"

#include "s3_xml.h"

namespace libcloud {

BlobListPage parse_blob_list_page(std::string_view document) {
  s3store::XmlValues values =
      s3store::read_xml_values(document, {"EnumerationResults/Blobs/Blob/Name", "EnumerationResults/NextMarker"});
  if (values.root != "EnumerationResults") {
    throw s3store::XmlError("the answer's root element is <" + values.root +
                            "> where Azure's List Blobs sends <EnumerationResults>");
  }
  BlobListPage page;
  page.names = std::move(values.values[0]);
  if (!values.values[1].empty()) page.next_marker = values.values[1].front();
  return page;
}

std::string block_list_body(const std::vector<std::string>& block_ids) {
  std::string body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  // Block ids are base64 text: nothing in them needs escaping.
  for (const auto& id : block_ids) body += "<Latest>" + id + "</Latest>";
  return body + "</BlockList>";
}

}  // namespace libcloud
