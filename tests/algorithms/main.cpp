#define BOOST_TEST_MODULE algorithms
#include <boost/test/unit_test.hpp>
