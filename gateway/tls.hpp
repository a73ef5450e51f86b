// gateway/tls.hpp
//
// The server's TLS context (RFC 3207 STARTTLS, RFC 8314 implicit TLS):
// TLS 1.2 and 1.3 only, OpenSSL 3's default ciphers, the configured chain
// and key (and a second pair of another key type, if configured: OpenSSL
// then signs with the one the client's signature algorithms prefer), and,
// when asked for, a client certificate that is requested and logged but
// never required. A context is built whole or refused with the
// reason, so SIGHUP can swap in a new one or keep the old.
#pragma once

#include "gateway/config/config.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace x400gw::gateway {

// The context, or nullptr with `why` set ("certificate /x.pem: no such
// file", "key does not match the certificate").
std::shared_ptr<boost::asio::ssl::context> make_server_tls(tls_settings const& s, std::string& why);

// A client context: TLS 1.2 and 1.3; with a CA file, the chain is checked
// against it (the caller sets the name to check on each connection).
// nullptr with `why` when the CA file cannot be read.
std::shared_ptr<boost::asio::ssl::context> make_client_tls(std::string const& ca_file, std::string& why);

// "TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 certificate_key=EC" for a log
// line, from a live connection: the key type of the certificate this side
// presented (the server's: RSA or EC when it has two), and the client's
// certificate subject when one was sent.
std::string describe_tls(void* native_ssl);

} // namespace x400gw::gateway
