#define BOOST_TEST_MODULE bad_input_tests
#include <boost/test/unit_test.hpp>
