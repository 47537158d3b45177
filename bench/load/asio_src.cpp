// Asio compiled once, here (BOOST_ASIO_SEPARATE_COMPILATION), as the server does; hashchat-load
// does not use Beast.
#include <boost/asio/impl/src.hpp>
