// gateway/tls.cpp
#include "gateway/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace x400gw::gateway {
namespace {

std::string openssl_reason()
{
    unsigned long const e = ERR_get_error();
    ERR_clear_error();
    if (e == 0)
        return "unknown OpenSSL error";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

} // namespace

std::shared_ptr<boost::asio::ssl::context> make_server_tls(tls_settings const& s, std::string& why)
{
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    ERR_clear_error();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(native, s.certificate.c_str()) != 1) {
        why = "certificate " + s.certificate + ": " + openssl_reason();
        return nullptr;
    }
    if (SSL_CTX_use_PrivateKey_file(native, s.key.c_str(), SSL_FILETYPE_PEM) != 1) {
        why = "key " + s.key + ": " + openssl_reason();
        return nullptr;
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        why = "key " + s.key + " does not match certificate " + s.certificate;
        ERR_clear_error();
        return nullptr;
    }
    if (s.request_client_certificate) {
        // Asked for, so that it can be logged; any certificate, or none,
        // is accepted (authorisation is not by certificate here).
        SSL_CTX_set_verify(native, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    }
    return ctx;
}

std::shared_ptr<boost::asio::ssl::context> make_client_tls(std::string const& ca_file, std::string& why)
{
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX* native = ctx->native_handle();
    ERR_clear_error();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (!ca_file.empty() && SSL_CTX_load_verify_locations(native, ca_file.c_str(), nullptr) != 1) {
        why = "CA file " + ca_file + ": " + openssl_reason();
        return nullptr;
    }
    return ctx;
}

std::string describe_tls(void* native_ssl)
{
    auto* ssl = static_cast<SSL*>(native_ssl);
    std::string out = SSL_get_version(ssl);
    out += " cipher=";
    out += SSL_get_cipher_name(ssl);
    if (X509* peer = SSL_get1_peer_certificate(ssl)) {
        char subject[256] = {};
        X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof subject - 1);
        out += " client_certificate=";
        for (char const* p = subject; *p; ++p)
            out += (*p > ' ' && *p < 127) ? *p : '_';
        X509_free(peer);
    }
    return out;
}

} // namespace x400gw::gateway
