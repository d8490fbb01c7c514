#define BOOST_TEST_MODULE callbacks
#include <boost/test/unit_test.hpp>
