// URI parsing (scenario 2, Composer's parse_uri table).
#include <boost/test/unit_test.hpp>

#include "cairn/object_store.h"

BOOST_AUTO_TEST_CASE(parse_uri_table) {
  struct Row {
    const char *text, *scheme, *bucket, *path;
  };
  for (const Row& r : {Row{"backend://bucket@namespace/path", "backend", "bucket", "path"},
                       Row{"a/long/path", "", "", "a/long/path"}, Row{"/a/long/path", "", "", "/a/long/path"},
                       Row{"backend://bucket/", "backend", "bucket", ""}, Row{"backend://", "backend", "", ""},
                       Row{"S3://my-bucket/run/ckpt.pt", "s3", "my-bucket", "run/ckpt.pt"},
                       Row{"./relative:colon/file.pt", "", "", "./relative:colon/file.pt"}}) {
    const auto u = cairn::Uri::parse(r.text);
    BOOST_TEST(u.scheme == r.scheme, r.text);
    BOOST_TEST(u.bucket == r.bucket, r.text);
    BOOST_TEST(u.path == r.path, r.text);
    BOOST_TEST(u.is_local() == (std::string(r.scheme).empty()), r.text);
  }
}
