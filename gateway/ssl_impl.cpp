// gateway/ssl_impl.cpp: Asio's SSL compiled part, once for the whole
// program (BOOST_ASIO_SEPARATE_COMPILATION).
#include <boost/asio/ssl/impl/src.hpp>
