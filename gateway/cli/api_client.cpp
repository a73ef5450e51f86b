// gateway/cli/api_client.cpp
#include "gateway/cli/api_client.hpp"

#include "addressing/or_address.hpp"
#include "addressing/text_lines.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace x400gw::cli {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// How long the client waits: to connect and finish a TLS handshake, and
// between two reads or writes that move something. A wedged or black-holed
// gateway gives a script an error, never a process that waits for ever.
constexpr auto connect_deadline = std::chrono::seconds(10);
constexpr auto idle_deadline = std::chrono::seconds(60);

api_reply reply_of(http::response<http::string_body> const& res)
{
    api_reply out;
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string(res[http::field::content_type]);
    out.body = res.body();
    if (out.status >= 400) {
        boost::system::error_code ec;
        auto v = boost::json::parse(out.body, ec);
        if (!ec && v.is_object() && v.as_object().contains("detail") && v.at("detail").is_string())
            out.error = std::string(v.at("detail").as_string());
        else
            out.error = "HTTP " + std::to_string(out.status) + " " + std::string(http::obsolete_reason(res.result())) +
                        " with no problem document (is --url the gateway's admin port?)";
    }
    return out;
}

// The request and its answer over a connected stream (and handshaken, for
// TLS); a failure throws system_error, as the caller reports every one.
template <class Stream>
asio::awaitable<api_reply> exchange(Stream& stream, http::request<http::string_body>& req)
{
    auto& lowest = beast::get_lowest_layer(stream);
    http::request_serializer<http::string_body> sr{req};
    while (!sr.is_done()) {
        lowest.expires_after(idle_deadline);
        co_await http::async_write_some(stream, sr, asio::use_awaitable);
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 31);   // a raw 50 MB message fits
    while (!parser.is_done()) {
        lowest.expires_after(idle_deadline);
        co_await http::async_read_some(stream, buffer, parser, asio::use_awaitable);
    }
    co_return reply_of(parser.get());
}

asio::awaitable<api_reply> over_tcp(beast::tcp_stream& stream, tcp::resolver::results_type endpoints,
                                    http::request<http::string_body>& req)
{
    stream.expires_after(connect_deadline);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    co_return co_await exchange(stream, req);
}

asio::awaitable<api_reply> over_tls(beast::ssl_stream<beast::tcp_stream>& stream,
                                    tcp::resolver::results_type endpoints, http::request<http::string_body>& req)
{
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(connect_deadline);
    co_await lowest.async_connect(endpoints, asio::use_awaitable);
    lowest.expires_after(connect_deadline);
    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    co_return co_await exchange(stream, req);
}

// Runs one of the above to its end on `io`, rethrowing what it threw.
api_reply run(asio::io_context& io, asio::awaitable<api_reply> work)
{
    auto done = asio::co_spawn(io, std::move(work), asio::use_future);
    io.run();
    return done.get();
}

// An error as an operator reads it: Boost adds its category and the
// source location of the throw ("[system:111 at .../reactive_socket_service.hpp...]").
std::string reason(std::exception const& e)
{
    std::string what = e.what();
    if (auto const cut = what.rfind(" ["); cut != std::string::npos && what.back() == ']')
        what.resize(cut);
    auto const* se = dynamic_cast<boost::system::system_error const*>(&e);
    if (se && se->code().category() == http::make_error_code(http::error::bad_version).category())
        what = "the answer is not HTTP (" + what + ")";
    if (se && se->code() == beast::error::timeout)
        what = "timed out (" + std::to_string(connect_deadline.count()) + " s to connect, " +
               std::to_string(idle_deadline.count()) + " s with nothing sent or received)";
    return what;
}

} // namespace

std::string load_token(api_options const& o, std::string& why)
{
    std::string token;
    if (!o.token_file.empty()) {
        std::ifstream in(o.token_file);
        if (!in) {
            why = "cannot read the token file " + o.token_file;
            return {};
        }
        std::getline(in, token);
    } else if (char const* env = std::getenv("X400GW_TOKEN")) {
        token = env;
    }
    // A token file saved by a Windows editor: its BOM and CR are not the token's.
    token = std::string(addressing::without_bom(token));
    while (!token.empty() && (token.back() == '\r' || token.back() == ' '))
        token.pop_back();
    if (token.empty())
        why = "no API token: set X400GW_TOKEN or pass --token-file (x400gwctl token create makes one)";
    return token;
}

namespace {

// Why `url` cannot be the admin port's URL, or nothing. The scheme in any
// case (RFC 3986 3.1); a path is a prefix (a proxy in front); user
// information would not be used (the token is the credential), nor would a
// query or a fragment.
std::optional<std::string> url_trouble(std::string const& url)
{
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || !(addressing::iequals(parsed->scheme(), "http") || addressing::iequals(parsed->scheme(), "https")) ||
        parsed->host_address().empty())
        return "must be http://HOST:PORT or https://HOST:PORT, not " + url;
    if (parsed->has_userinfo())
        return "user information is not used (the API token is the credential): " + url;
    if (parsed->has_query() || parsed->has_fragment())
        return "a query or a fragment is not used: " + url;
    if (parsed->has_port()) {
        auto const text = parsed->port();
        unsigned port = 0;
        auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port == 0 || port > 65535)
            return "the port must be 1 to 65535: " + url;
    }
    return std::nullopt;
}

} // namespace

api_reply call_api(api_options const& o, std::string const& token, std::string const& method,
                   std::string const& path, std::string const& body, std::string const& content_type)
{
    api_reply out;
    if (auto why = url_trouble(o.url)) {
        out.error = "--url " + *why;
        return out;
    }
    auto const parsed = *boost::urls::parse_absolute_uri(o.url);
    bool const tls = addressing::iequals(parsed.scheme(), "https");
    // The address without an IPv6 literal's brackets, to connect to and to
    // check the certificate against; the Host field as written, with the port.
    std::string const host = parsed.host_address();
    std::string const port = parsed.has_port() ? std::string(parsed.port()) : (tls ? "443" : "80");
    std::string prefix = parsed.path();
    while (!prefix.empty() && prefix.back() == '/')
        prefix.pop_back();

    http::request<http::string_body> req{http::string_to_verb(method), prefix + path, 11};
    req.set(http::field::host, parsed.encoded_host_and_port());
    req.set(http::field::user_agent, "x400gwctl");
    req.set(http::field::authorization, "Bearer " + token);
    req.set(http::field::connection, "close");
    if (!body.empty() || method == "PUT") {
        req.set(http::field::content_type, content_type);
        req.body() = body;
    }
    req.prepare_payload();
    try {
        asio::io_context io;
        tcp::resolver resolver(io);
        auto const endpoints = resolver.resolve(host, port);
        if (!tls) {
            beast::tcp_stream stream(io);
            return run(io, over_tcp(stream, endpoints, req));
        }
        asio::ssl::context ctx(asio::ssl::context::tls_client);
        ctx.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
        if (o.ca_file.empty())
            ctx.set_default_verify_paths();
        else
            ctx.load_verify_file(o.ca_file);
        ctx.set_verify_mode(asio::ssl::verify_peer);
        beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
        // The name (or address) in the URL is what the certificate must name.
        boost::system::error_code not_ip;
        (void)asio::ip::make_address(host, not_ip);
        if (not_ip) {
            SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
            SSL_set1_host(stream.native_handle(), host.c_str());
        } else {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream.native_handle()), host.c_str());
        }
        return run(io, over_tls(stream, endpoints, req));
    } catch (std::exception const& e) {
        out.status = 0;
        out.error = "cannot reach " + o.url + ": " + reason(e);
        return out;
    }
}

std::string url_encode(std::string const& s)
{
    return boost::urls::encode(s, boost::urls::unreserved_chars);
}

void add_api_options(CLI::App* cmd, api_options& o)
{
    cmd->add_option("--url", o.url, "The gateway's admin port (default http://127.0.0.1:8025)")
        ->check([](std::string const& url) { return url_trouble(url).value_or(std::string()); });
    cmd->add_option("--token-file", o.token_file, "File whose first line is the API token (default $X400GW_TOKEN)");
    cmd->add_option("--ca-file", o.ca_file, "CA certificates for an https --url (default the system's)");
}

std::optional<api_reply> call_with_token(api_options const& o, std::string const& method, std::string const& path,
                                         std::string const& body, std::string const& content_type)
{
    std::string why;
    auto const token = load_token(o, why);
    if (token.empty()) {
        std::fprintf(stderr, "x400gwctl: %s\n", why.c_str());
        return std::nullopt;
    }
    return call_api(o, token, method, path, body, content_type);
}

std::string json_text(boost::json::value const& v, std::string_view null_text)
{
    if (v.is_string())
        return std::string(v.as_string());
    if (v.is_null())
        return std::string(null_text);
    return boost::json::serialize(v);
}

std::optional<boost::json::value> call_json(api_options const& o, std::string const& method, std::string const& path,
                                            std::string const& body)
{
    auto const reply = call_with_token(o, method, path, body);
    if (!reply)
        return std::nullopt;
    auto const& r = *reply;
    if (r.status < 200 || r.status > 299) {
        std::fprintf(stderr, "x400gwctl: %s\n", r.error.c_str());
        return std::nullopt;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (ec) {
        std::fprintf(stderr, "x400gwctl: the server's answer is not JSON\n");
        return std::nullopt;
    }
    return v;
}

} // namespace x400gw::cli
