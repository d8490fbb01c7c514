// S3's XML answers read with a real parser: the documents a tag search reads
// wrongly (CDATA, namespace prefixes, same-named elements elsewhere, markup in
// comments), and answers that are not what the call expects, through the store.
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "fake_s3_server.h"
#include "s3_store.h"
#include "s3_test_support.h"
#include "s3_xml.h"
#include "test_text.h"

using cairn::test::contains;
using s3test::Reply;
using s3test::ReceivedRequest;

namespace {

const char* const kDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const char* const kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

std::vector<std::string> keys_of(const std::string& document) { return s3store::parse_list_page(document).keys; }

}  // namespace

BOOST_AUTO_TEST_SUITE(s3_xml)

BOOST_AUTO_TEST_CASE(escaped_markup_in_a_key_is_text) {
  const auto page = s3store::parse_list_page(
      std::string(kDeclaration) + "<ListBucketResult xmlns=\"" + kS3Namespace +
      "\"><Contents><Key>a&lt;Key&gt;b&lt;/Key&gt;&amp;c&#x65E5;&#26412;</Key><Size>1</Size></Contents>"
      "<IsTruncated>false</IsTruncated></ListBucketResult>");
  BOOST_TEST(page.keys == (std::vector<std::string>{"a<Key>b</Key>&c日本"}), boost::test_tools::per_element());
  BOOST_TEST(!page.truncated);
}

BOOST_AUTO_TEST_CASE(cdata_is_read_as_text) {
  // Inside CDATA, "</Key>" is text: a tag search stops there.
  BOOST_TEST(keys_of("<ListBucketResult><Contents><Key><![CDATA[x</Key>y & <z>]]></Key></Contents></ListBucketResult>") ==
                 (std::vector<std::string>{"x</Key>y & <z>"}),
             boost::test_tools::per_element());
  BOOST_TEST(s3store::parse_upload_id("<InitiateMultipartUploadResult><UploadId>up-<![CDATA[&1]]></UploadId>"
                                      "</InitiateMultipartUploadResult>") == "up-&1");
}

BOOST_AUTO_TEST_CASE(namespace_prefixes_are_resolved) {
  const std::string ns = std::string(" xmlns:s3=\"") + kS3Namespace + "\"";
  const auto page = s3store::parse_list_page("<s3:ListBucketResult" + ns +
                                             "><s3:IsTruncated>true</s3:IsTruncated>"
                                             "<s3:NextContinuationToken>t+/=</s3:NextContinuationToken>"
                                             "<s3:Contents><s3:Key>a.bin</s3:Key></s3:Contents>"
                                             "<s3:Contents><s3:Key>b.bin</s3:Key></s3:Contents></s3:ListBucketResult>");
  BOOST_TEST(page.keys == (std::vector<std::string>{"a.bin", "b.bin"}), boost::test_tools::per_element());
  BOOST_TEST(page.truncated);
  BOOST_TEST(page.next_token == "t+/=");
  const auto error = s3store::parse_error_document("<s3:Error" + ns + "><s3:Code>NoSuchKey</s3:Code><s3:Message>gone</s3:Message></s3:Error>");
  BOOST_REQUIRE(error.has_value());
  BOOST_TEST(error->code == "NoSuchKey");
  BOOST_TEST(error->message == "gone");
}

BOOST_AUTO_TEST_CASE(only_elements_at_their_path_count) {
  // Same-named elements elsewhere, nested ones first, and markup in a comment.
  const auto page = s3store::parse_list_page(
      "<ListBucketResult><!-- <Key>ghost</Key> -->"
      "<Contents><Key>real<Key>nested</Key></Key><Owner><Key>owner</Key></Owner>"
      "<IsTruncated>true</IsTruncated></Contents>"
      "<CommonPrefixes><Prefix>dir/</Prefix><Key>prefix-key</Key></CommonPrefixes>"
      "<IsTruncated> false </IsTruncated></ListBucketResult>");
  BOOST_TEST(page.keys == (std::vector<std::string>{"real"}), boost::test_tools::per_element());
  BOOST_TEST(!page.truncated);
  const auto error = s3store::parse_error_document(
      "<Error><Details><Code>Inner</Code><Message>inner</Message></Details>"
      "<Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
  BOOST_REQUIRE(error.has_value());
  BOOST_TEST(error->code == "SlowDown");
  BOOST_TEST(error->message == "Please reduce your request rate.");
}

BOOST_AUTO_TEST_CASE(error_documents_and_what_is_not_one) {
  // S3 keeps a slow CompleteMultipartUpload alive with white space before the document.
  const auto padded = s3store::parse_error_document(std::string(" \r\n  ") + kDeclaration +
                                                    "<Error><Code>InternalError</Code><Message>retry</Message></Error>");
  BOOST_REQUIRE(padded.has_value());
  BOOST_TEST(padded->code == "InternalError");
  const auto wrapped = s3store::parse_error_document(
      "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>");
  BOOST_REQUIRE(wrapped.has_value());
  BOOST_TEST(wrapped->code == "AccessDenied");
  for (const std::string not_error : {"", "<html><body><h1>502 Bad Gateway</h1></body></html>", "<Error><Code>x</Code>",
                                      "<CompleteMultipartUploadResult><Error>no</Error></CompleteMultipartUploadResult>"}) {
    BOOST_TEST(!s3store::parse_error_document(not_error).has_value(), not_error);
  }
}

BOOST_AUTO_TEST_CASE(malformed_or_unexpected_documents_are_errors) {
  const auto message = [](const std::string& document) {
    return cairn::test::error_text<s3store::XmlError>([&] { s3store::parse_list_page(document); });
  };
  BOOST_TEST(contains(message("<ListBucketResult><Contents><Key>a</Contents></ListBucketResult>"), "not well-formed XML"));
  BOOST_TEST(contains(message("<ListBucketResult><Contents>"), "not well-formed XML"));
  BOOST_TEST(contains(message("<Error><Code>x</Code></Error>"), "root element is <Error> where S3 sends <ListBucketResult>"));
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  BOOST_TEST(contains(message(deep), "nested more than"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(s3_xml_answers)

// A 200 carrying an error document is a failure with S3's code, for every call
// whose answer is read; before, a listing read it as empty.
BOOST_AUTO_TEST_CASE(error_documents_with_200_fail_the_call) {
  const std::string error =
      std::string(kDeclaration) + "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
  s3test::FakeS3Server server([&](const ReceivedRequest&) { return Reply{200, error}; });
  auto settings = s3test::loopback_settings(server.endpoint(), "bkt", "AKIDFAKE", "secret");
  settings.transfer.multipart_threshold = 5 << 20;
  s3store::S3Store store(settings);

  const auto listing = cairn::test::error_text<cairn::AuthenticationError>([&] { store.list_objects("ckpt/"); });
  BOOST_TEST(contains(listing, "list of 's3://bkt/ckpt/' failed: HTTP 200 AccessDenied: Access Denied"), listing);

  s3test::TempDir dir;
  s3test::write_file(dir / "big.bin", s3test::random_bytes(6 << 20, 3));
  const auto upload = cairn::test::error_text<cairn::AuthenticationError>([&] { store.upload_object("big.bin", dir / "big.bin"); });
  BOOST_TEST(contains(upload, "upload (create multipart upload) of 's3://bkt/big.bin' failed: HTTP 200 AccessDenied"), upload);
}

BOOST_AUTO_TEST_CASE(listing_reads_cdata_and_prefixed_names_across_pages) {
  const std::string ns = std::string(" xmlns:s3=\"") + kS3Namespace + "\"";
  s3test::FakeS3Server server([&](const ReceivedRequest& r) {
    if (!contains(r.target, "continuation-token=")) {
      return Reply{200, "<s3:ListBucketResult" + ns + "><s3:Contents><s3:Key><![CDATA[p/a</Key>.bin]]></s3:Key></s3:Contents>"
                        "<s3:IsTruncated>true</s3:IsTruncated><s3:NextContinuationToken>page&amp;2</s3:NextContinuationToken>"
                        "</s3:ListBucketResult>"};
    }
    BOOST_TEST(contains(r.target, "continuation-token=page%262"), r.target);
    return Reply{200, "<ListBucketResult><Contents><Key>p/b&lt;Key&gt;.bin</Key></Contents>"
                      "<IsTruncated>false</IsTruncated></ListBucketResult>"};
  });
  auto settings = s3test::loopback_settings(server.endpoint(), "bkt", "AKIDFAKE", "secret");
  settings.prefix = "p/";
  s3store::S3Store store(settings);
  BOOST_TEST(store.list_objects() == (std::vector<std::string>{"a</Key>.bin", "b<Key>.bin"}), boost::test_tools::per_element());
  BOOST_TEST(server.requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_answer_that_is_not_xml_fails_the_listing) {
  s3test::FakeS3Server server([](const ReceivedRequest&) { return Reply{200, "<ListBucketResult><Contents><Key>a</Key>"}; });
  s3store::S3Store store(s3test::loopback_settings(server.endpoint(), "bkt", "AKIDFAKE", "secret"));
  const auto text = cairn::test::error_text<cairn::StoreError>([&] { store.list_objects("x/"); });
  BOOST_TEST(contains(text, "list of 's3://bkt/x/' failed: the answer is not well-formed XML"), text);
}

BOOST_AUTO_TEST_SUITE_END()
