// bench/relay/tls_source.cpp
//
//   x400gw_tls_source [-s SESSIONS] [-m MESSAGES] [-l OCTETS] HOST:PORT
//
// smtp-source's job over STARTTLS, for the STARTTLS cells of the relay
// bench (Postfix's smtp-source speaks no TLS). Like smtp-source without -d,
// each message has its own connection: 220, EHLO, STARTTLS, a full TLS
// handshake (no session resumption), EHLO again, MAIL, RCPT, DATA, the
// message, QUIT. Each session is a thread with blocking sockets. The
// certificate is not checked: the bench measures the servers, and both
// get the same client.
//
// Written in C++ because the client shares the two CPUs with the systems
// it measures: its Python predecessor (tls_source.py, until 52a79f2) spent
// 2.0 to 2.3 ms of CPU a message, more than either server.
//
// Exits 0 when every message got its 250, 1 otherwise (the first failure
// on stderr), 2 on bad arguments.
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string openssl_error(char const* what)
{
    char text[256];
    unsigned long const e = ERR_get_error();
    ERR_error_string_n(e, text, sizeof text);
    return std::string(what) + ": " + (e ? text : "connection closed");
}

std::string system_error(char const* what) { return std::string(what) + ": " + std::strerror(errno); }

// One connection: plain until start_tls(), then TLS. Replies are read
// through a small buffer, a line at a time.
class connection {
public:
    explicit connection(addrinfo const& ai)
    {
        fd_ = ::socket(ai.ai_family, SOCK_STREAM, 0);
        if (fd_ < 0)
            throw failure(system_error("socket"));
        timeval const limit{60, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        if (::connect(fd_, ai.ai_addr, ai.ai_addrlen) != 0) {
            auto const why = system_error("connect");
            ::close(fd_);
            throw failure(why);
        }
    }
    ~connection()
    {
        if (ssl_)
            SSL_free(ssl_);
        ::close(fd_);
    }
    connection(connection const&) = delete;
    connection& operator=(connection const&) = delete;

    void start_tls(SSL_CTX* ctx)
    {
        ssl_ = SSL_new(ctx);
        if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1)
            throw failure(openssl_error("SSL_new"));
        if (SSL_connect(ssl_) != 1)
            throw failure(openssl_error("TLS handshake"));
        have_ = used_ = 0;
    }

    void send(std::string_view data)
    {
        while (!data.empty()) {
            long n;
            if (ssl_) {
                n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
                if (n <= 0)
                    throw failure(openssl_error("SSL_write"));
            } else {
                n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
                if (n < 0)
                    throw failure(system_error("send"));
            }
            data.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    // Reads one reply, all its lines, and throws unless its code is `code`.
    void expect(int code)
    {
        for (;;) {
            std::string const line = read_line();
            if (line.size() < 3)
                throw failure("short reply: " + line);
            if (line.size() > 3 && line[3] == '-')
                continue;
            if (std::atoi(line.substr(0, 3).c_str()) != code)
                throw failure("expected " + std::to_string(code) + ", got " + line);
            return;
        }
    }

private:
    std::string read_line()
    {
        std::string line;
        for (;;) {
            while (used_ < have_) {
                char const c = buffer_[used_++];
                line.push_back(c);
                if (c == '\n')
                    return line;
            }
            long n;
            if (ssl_) {
                n = SSL_read(ssl_, buffer_, sizeof buffer_);
                if (n <= 0)
                    throw failure(openssl_error("SSL_read"));
            } else {
                n = ::recv(fd_, buffer_, sizeof buffer_, 0);
                if (n < 0)
                    throw failure(system_error("recv"));
                if (n == 0)
                    throw failure("connection closed");
            }
            have_ = static_cast<std::size_t>(n);
            used_ = 0;
        }
    }

    int fd_ = -1;
    SSL* ssl_ = nullptr;
    char buffer_[4096];
    std::size_t have_ = 0;
    std::size_t used_ = 0;
};

void one_message(addrinfo const& ai, SSL_CTX* ctx, std::string const& message)
{
    connection c(ai);
    c.expect(220);
    c.send("EHLO tls-source.example\r\n");
    c.expect(250);
    c.send("STARTTLS\r\n");
    c.expect(220);
    c.start_tls(ctx);
    c.send("EHLO tls-source.example\r\n");
    c.expect(250);
    c.send("MAIL FROM:<bench@source.example>\r\n");
    c.expect(250);
    c.send("RCPT TO:<sink@sink.example>\r\n");
    c.expect(250);
    c.send("DATA\r\n");
    c.expect(354);
    c.send(message);
    c.expect(250);
    c.send("QUIT\r\n");
    c.expect(221);
}

// Three header fields, then lines of 76 octets up to about `size`, then
// the end of data.
std::string make_message(long size)
{
    std::string m = "From: bench@source.example\r\nTo: sink@sink.example\r\nSubject: tls bench\r\n\r\n";
    std::string const line = std::string(76, 'x') + "\r\n";
    long const lines = (size - static_cast<long>(m.size())) / static_cast<long>(line.size());
    for (long i = 0; i < lines; ++i)
        m += line;
    return m + ".\r\n";
}

int usage()
{
    std::fprintf(stderr, "usage: x400gw_tls_source [-s SESSIONS] [-m MESSAGES] [-l OCTETS] HOST:PORT\n");
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    long sessions = 1;
    long messages = 1;
    long size = 1024;
    for (int opt; (opt = ::getopt(argc, argv, "s:m:l:")) != -1;) {
        long const v = std::atol(optarg);
        if (v < 1)
            return usage();
        if (opt == 's')
            sessions = v;
        else if (opt == 'm')
            messages = v;
        else if (opt == 'l')
            size = v;
        else
            return usage();
    }
    if (optind + 1 != argc)
        return usage();
    std::string const target = argv[optind];
    auto const colon = target.rfind(':');
    if (colon == std::string::npos)
        return usage();
    std::string const host = target.substr(0, colon);
    std::string const port = target.substr(colon + 1);

    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* ai = nullptr;
    if (int const rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &ai); rc != 0) {
        std::fprintf(stderr, "x400gw_tls_source: %s: %s\n", target.c_str(), gai_strerror(rc));
        return 1;
    }
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    std::string const message = make_message(size);

    std::atomic<long> sent{0};
    std::mutex lock;
    std::string first_failure;
    std::vector<std::thread> threads;
    sessions = std::min(sessions, messages);
    for (long i = 0; i < sessions; ++i) {
        long const share = messages / sessions + (i < messages % sessions ? 1 : 0);
        threads.emplace_back([&, share] {
            try {
                for (long n = 0; n < share; ++n) {
                    one_message(*ai, ctx, message);
                    ++sent;
                }
            } catch (std::exception const& e) {
                std::lock_guard hold(lock);
                if (first_failure.empty())
                    first_failure = e.what();
            }
        });
    }
    for (auto& t : threads)
        t.join();
    SSL_CTX_free(ctx);
    ::freeaddrinfo(ai);
    if (!first_failure.empty())
        std::fprintf(stderr, "x400gw_tls_source: %s\n", first_failure.c_str());
    return sent == messages ? 0 : 1;
}
