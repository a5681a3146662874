// The one translation unit that compiles Asio, Asio's TLS layer, Beast and Boost.URL. Every other
// file sees only declarations (BOOST_*_SEPARATE_COMPILATION), which keeps a 2-core build fast.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/url/src.hpp>
