#include "s3_xml.h"

#include <expat.h>

#include <climits>
#include <memory>

namespace s3store {

namespace {

// Deeper than any S3 answer; bounds what a hostile server can make us hold.
constexpr size_t kMaxDepth = 32;

// Expat reports a namespaced name as "<uri>|<local>"; '|' is not a name
// character, so what follows the last one is the local name.
constexpr char kNamespaceSeparator = '|';

struct Reader {
  Reader(XML_Parser the_parser, const std::vector<std::string>& wanted) : parser(the_parser), paths(wanted) {
    out.values.resize(wanted.size());
  }

  XML_Parser parser;
  const std::vector<std::string>& paths;
  XmlValues out;
  std::string path;                 // of the innermost open element
  std::vector<size_t> path_length;  // path.size() before each open element
  std::vector<int> capture;         // per open element: its index in `paths`, or -1
  std::string failure;

  static void on_start(void* self, const XML_Char* name, const XML_Char**) {
    static_cast<Reader*>(self)->start(name);
  }
  static void on_end(void* self, const XML_Char*) { static_cast<Reader*>(self)->end(); }
  static void on_text(void* self, const XML_Char* text, int length) {
    auto& reader = *static_cast<Reader*>(self);
    if (!reader.capture.empty() && reader.capture.back() >= 0) {
      reader.out.values[static_cast<size_t>(reader.capture.back())].back().append(text, static_cast<size_t>(length));
    }
  }

  void start(std::string_view name) {
    if (path_length.size() == kMaxDepth) {
      failure = "elements nested more than " + std::to_string(kMaxDepth) + " deep";
      XML_StopParser(parser, XML_FALSE);
      return;
    }
    const size_t separator = name.rfind(kNamespaceSeparator);
    const std::string_view local = separator == std::string_view::npos ? name : name.substr(separator + 1);
    path_length.push_back(path.size());
    if (!path.empty()) path += '/';
    path += local;
    if (path_length.size() == 1) out.root = std::string(local);
    int index = -1;
    for (size_t i = 0; i < paths.size() && index < 0; ++i) {
      if (paths[i] == path) index = static_cast<int>(i);
    }
    if (index >= 0) out.values[static_cast<size_t>(index)].emplace_back();
    capture.push_back(index);
  }

  void end() {
    path.resize(path_length.back());
    path_length.pop_back();
    capture.pop_back();
  }
};

}  // namespace

XmlValues read_xml_values(std::string_view document, const std::vector<std::string>& paths) {
  // S3 may send white space ahead of the document to keep a slow request's
  // connection alive (CompleteMultipartUpload); XML allows none before "<?xml".
  const size_t start = document.find_first_not_of(" \t\r\n");
  document.remove_prefix(start == std::string_view::npos ? document.size() : start);
  if (document.empty()) throw XmlError("the answer has no XML document (empty body)");
  if (document.size() > INT_MAX) throw XmlError("the XML answer is too large to parse");

  std::unique_ptr<XML_ParserStruct, void (*)(XML_Parser)> parser(XML_ParserCreateNS(nullptr, kNamespaceSeparator),
                                                                  XML_ParserFree);
  if (!parser) throw std::bad_alloc();
  Reader reader(parser.get(), paths);
  XML_SetUserData(parser.get(), &reader);
  XML_SetElementHandler(parser.get(), Reader::on_start, Reader::on_end);
  XML_SetCharacterDataHandler(parser.get(), Reader::on_text);
  if (XML_Parse(parser.get(), document.data(), static_cast<int>(document.size()), XML_TRUE) != XML_STATUS_OK) {
    const std::string what = !reader.failure.empty() ? reader.failure : XML_ErrorString(XML_GetErrorCode(parser.get()));
    throw XmlError("the answer is not well-formed XML: " + what + " (line " +
                   std::to_string(XML_GetCurrentLineNumber(parser.get())) + ", column " +
                   std::to_string(XML_GetCurrentColumnNumber(parser.get())) + ")");
  }
  return std::move(reader.out);
}

namespace {

XmlValues read_document(std::string_view document, const std::string& root, const std::vector<std::string>& paths) {
  XmlValues extract = read_xml_values(document, paths);
  if (extract.root != root) {
    throw XmlError("the answer's root element is <" + extract.root + "> where S3 sends <" + root + ">");
  }
  return extract;
}

const std::string& first_or_empty(const std::vector<std::string>& values) {
  static const std::string kEmpty;
  return values.empty() ? kEmpty : values.front();
}

std::string_view trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

ListPage parse_list_page(std::string_view document) {
  XmlValues extract = read_document(document, "ListBucketResult",
                                  {"ListBucketResult/Contents/Key", "ListBucketResult/IsTruncated",
                                   "ListBucketResult/NextContinuationToken"});
  ListPage page;
  page.keys = std::move(extract.values[0]);
  // xs:boolean: "true" or "1", with white space around it allowed.
  const std::string_view truncated = trimmed(first_or_empty(extract.values[1]));
  page.truncated = truncated == "true" || truncated == "1";
  page.next_token = first_or_empty(extract.values[2]);
  return page;
}

std::string parse_upload_id(std::string_view document) {
  const XmlValues extract =
      read_document(document, "InitiateMultipartUploadResult", {"InitiateMultipartUploadResult/UploadId"});
  return first_or_empty(extract.values[0]);
}

std::optional<ErrorDocument> parse_error_document(std::string_view document) {
  try {
    const XmlValues extract = read_xml_values(document, {"Error/Code", "Error/Message", "ErrorResponse/Error/Code",
                                                "ErrorResponse/Error/Message"});
    if (extract.root == "Error") return ErrorDocument{first_or_empty(extract.values[0]), first_or_empty(extract.values[1])};
    if (extract.root == "ErrorResponse") {
      return ErrorDocument{first_or_empty(extract.values[2]), first_or_empty(extract.values[3])};
    }
  } catch (const XmlError&) {
  }
  return std::nullopt;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace s3store
