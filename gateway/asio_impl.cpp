// gateway/asio_impl.cpp: Asio's compiled part, once for the whole program
// (BOOST_ASIO_SEPARATE_COMPILATION), so that no other translation unit pays
// for it.
#include <boost/asio/impl/src.hpp>
