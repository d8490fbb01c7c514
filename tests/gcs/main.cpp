#define BOOST_TEST_MODULE cairn_gcs
#include <boost/test/unit_test.hpp>
#include <curl/curl.h>

// The process initialises libcurl once, as the engine's plugin host does.
struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};
BOOST_TEST_GLOBAL_FIXTURE(CurlGlobal);
