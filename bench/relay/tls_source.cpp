// bench/relay/tls_source.cpp: smtp-source's job over STARTTLS.
//
// Postfix's smtp-source speaks no TLS, so the STARTTLS cells of the relay
// bench use this instead. Like smtp-source without -d, each message has
// its own connection: 220, EHLO, STARTTLS, a full TLS handshake (no
// session resumption), EHLO again, MAIL, RCPT, DATA, the message, QUIT.
// Each session is a thread with blocking sockets. The certificate is not
// checked: the bench measures the servers, and both get the same client.
//
// It does in C with OpenSSL what bench/relay/tls_source.py does in Python,
// for a fraction of the CPU: the Python client spent 2.0 to 2.3 ms of CPU
// per message, more than either server, on two CPUs it shares with them.
//
//   x400gw_tls_source -s SESSIONS -m MESSAGES -l OCTETS HOST:PORT
//
// Exits 0 when every message got its 250, 1 otherwise (the first failure
// on stderr), 2 on bad arguments.
#include <netdb.h>
#include <netinet/in.h>
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

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string openssl_error(const char* what) {
  char buf[256];
  unsigned long e = ERR_get_error();
  ERR_error_string_n(e, buf, sizeof buf);
  return std::string(what) + ": " + (e ? buf : "connection closed");
}

/// One connection: plain until start_tls(), then TLS. Replies are read
/// through a small buffer, a line at a time.
class Connection {
 public:
  explicit Connection(const addrinfo& ai) {
    fd_ = ::socket(ai.ai_family, SOCK_STREAM, 0);
    if (fd_ < 0) throw Failure(std::string("socket: ") + std::strerror(errno));
    timeval tv{60, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd_, ai.ai_addr, ai.ai_addrlen) != 0) {
      int e = errno;
      ::close(fd_);
      throw Failure(std::string("connect: ") + std::strerror(e));
    }
  }
  ~Connection() {
    if (ssl_) SSL_free(ssl_);
    ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start_tls(SSL_CTX* ctx) {
    ssl_ = SSL_new(ctx);
    if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) throw Failure(openssl_error("SSL_new"));
    if (SSL_connect(ssl_) != 1) throw Failure(openssl_error("TLS handshake"));
    have_ = used_ = 0;
  }

  void send(std::string_view data) {
    while (!data.empty()) {
      long n;
      if (ssl_) {
        n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
        if (n <= 0) throw Failure(openssl_error("SSL_write"));
      } else {
        n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) throw Failure(std::string("send: ") + std::strerror(errno));
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  /// Reads one reply (all its lines) and throws unless its code is `code`.
  void expect(int code) {
    for (;;) {
      std::string line = read_line();
      if (line.size() < 3) throw Failure("short reply: " + line);
      if (line.size() > 3 && line[3] == '-') continue;
      if (std::atoi(line.substr(0, 3).c_str()) != code)
        throw Failure("expected " + std::to_string(code) + ", got " + line);
      return;
    }
  }

 private:
  std::string read_line() {
    std::string line;
    for (;;) {
      while (used_ < have_) {
        char c = buf_[used_++];
        line.push_back(c);
        if (c == '\n') return line;
      }
      long n;
      if (ssl_) {
        n = SSL_read(ssl_, buf_, sizeof buf_);
        if (n <= 0) throw Failure(openssl_error("SSL_read"));
      } else {
        n = ::recv(fd_, buf_, sizeof buf_, 0);
        if (n < 0) throw Failure(std::string("recv: ") + std::strerror(errno));
        if (n == 0) throw Failure("connection closed");
      }
      have_ = static_cast<size_t>(n);
      used_ = 0;
    }
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  char buf_[4096];
  size_t have_ = 0, used_ = 0;
};

void one_message(const addrinfo& ai, SSL_CTX* ctx, const std::string& body) {
  Connection c(ai);
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
  c.send(body);
  c.expect(250);
  c.send("QUIT\r\n");
  c.expect(221);
}

/// The same message as tls_source.py's: three header fields, 78-octet
/// lines up to the size, the end of data.
std::string make_body(long size) {
  std::string body = "From: bench@source.example\r\nTo: sink@sink.example\r\nSubject: tls bench\r\n\r\n";
  const std::string line = std::string(76, 'x') + "\r\n";
  long lines = (size - static_cast<long>(body.size())) / static_cast<long>(line.size());
  for (long i = 0; i < lines; ++i) body += line;
  return body + ".\r\n";
}

int usage() {
  std::fprintf(stderr, "usage: x400gw_tls_source [-s SESSIONS] [-m MESSAGES] [-l OCTETS] HOST:PORT\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  long sessions = 1, messages = 1, size = 1024;
  int opt;
  while ((opt = ::getopt(argc, argv, "s:m:l:")) != -1) {
    long v = std::atol(optarg);
    if (v < 1) return usage();
    if (opt == 's') sessions = v;
    else if (opt == 'm') messages = v;
    else if (opt == 'l') size = v;
    else return usage();
  }
  if (optind + 1 != argc) return usage();
  std::string target = argv[optind];
  auto colon = target.rfind(':');
  if (colon == std::string::npos) return usage();
  std::string host = target.substr(0, colon), port = target.substr(colon + 1);

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* ai = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &ai); rc != 0) {
    std::fprintf(stderr, "tls_source: %s: %s\n", target.c_str(), gai_strerror(rc));
    return 1;
  }

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  const std::string body = make_body(size);

  std::atomic<long> sent{0};
  std::mutex failure_lock;
  std::string failure;
  std::vector<std::thread> threads;
  sessions = std::min(sessions, messages);
  for (long i = 0; i < sessions; ++i) {
    long share = messages / sessions + (i < messages % sessions ? 1 : 0);
    threads.emplace_back([&, share] {
      try {
        for (long n = 0; n < share; ++n) {
          one_message(*ai, ctx, body);
          ++sent;
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(failure_lock);
        if (failure.empty()) failure = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  SSL_CTX_free(ctx);
  ::freeaddrinfo(ai);
  if (!failure.empty()) std::fprintf(stderr, "tls_source: %s\n", failure.c_str());
  return sent == messages ? 0 : 1;
}
