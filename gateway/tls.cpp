// gateway/tls.cpp
#include "gateway/tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <memory>

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

std::string key_type(X509* cert)
{
    EVP_PKEY* k = cert ? X509_get0_pubkey(cert) : nullptr;
    char const* name = k ? EVP_PKEY_get0_type_name(k) : nullptr;
    return name ? name : "unknown";
}

// The key type of a PEM chain's first certificate; "" when it cannot be
// read (use_pair then says why).
std::string leaf_key_type(std::string const& path)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_file(path.c_str(), "r"), &BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> leaf(in ? PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr)
                                                         : nullptr,
                                                     &X509_free);
    ERR_clear_error();
    return leaf ? key_type(leaf.get()) : "";
}

// A chain and its key, for the key type of the chain's leaf.
bool use_pair(SSL_CTX* native, std::string const& certificate, std::string const& key, std::string& why)
{
    if (SSL_CTX_use_certificate_chain_file(native, certificate.c_str()) != 1) {
        why = "certificate " + certificate + ": " + openssl_reason();
        return false;
    }
    X509* const leaf = SSL_CTX_get0_certificate(native);
    if (SSL_CTX_use_PrivateKey_file(native, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        why = "key " + key + ": " + openssl_reason();
        return false;
    }
    // A key of another type goes to that type's certificate (and would
    // leave this one without a key): the current one must still be ours.
    if (SSL_CTX_get0_certificate(native) != leaf || SSL_CTX_check_private_key(native) != 1) {
        why = "key " + key + " does not match certificate " + certificate;
        ERR_clear_error();
        return false;
    }
    return true;
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
    // One TLS 1.3 session ticket, not OpenSSL's default two: an MTA client
    // keeps one session per next hop. It is still sent right after the
    // handshake: its segment also acknowledges the client's Finished, which
    // a client with Nagle on waits for before sending EHLO.
    SSL_CTX_set_num_tickets(native, 1);
    // The chain sent is the certificate file's, leaf first, as written.
    // Without this, OpenSSL tries to complete a chain the file does not
    // carry from the context's certificate store (empty on a server) on
    // every handshake: a verification of the leaf for nothing.
    SSL_CTX_set_mode(native, SSL_MODE_NO_AUTO_CHAIN);
    if (!use_pair(native, s.certificate, s.key, why))
        return nullptr;
    if (!s.second_certificate.empty()) {
        // OpenSSL holds one certificate per key type; a second of the same
        // type would silently take the first one's place.
        std::string const first = key_type(SSL_CTX_get0_certificate(native));
        std::string const second = leaf_key_type(s.second_certificate);
        if (second == first) {
            why = "second_certificate " + s.second_certificate + " has the same key type (" + first +
                  ") as certificate " + s.certificate + "; it must be of another (ECDSA beside RSA)";
            return nullptr;
        }
        if (!use_pair(native, s.second_certificate, s.second_key, why))
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
    if (X509* own = SSL_get_certificate(ssl))   // which of the server's certificates signed
        out += " certificate_key=" + key_type(own);
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
