#pragma once
/// \file
/// `weft::tls`: TLS over any weft byte stream, on OpenSSL 3 (docs/tls.md). Not part of
/// `weft/weft.hpp`: include this header and link the `weft::tls` CMake target.

#include "weft/tls/config.hpp"
#include "weft/tls/connector.hpp"
#include "weft/tls/error.hpp"
#include "weft/tls/tls_stream.hpp"
