// tests/mime/linear_test.cpp
//
// Linear time on every pathological shape: the parser and the sanitizer get
// an input of size n and one of size 4n, and 4n may cost at most 8 times as
// much (a generous bound: quadratic growth would be 16 times). Best of three
// runs each, so a busy machine does not make the test flaky.
#include "mime/parser.hpp"
#include "mime/sanitizer.hpp"

#include <gtest/gtest.h>

#include <ctime>

#include <chrono>
#include <functional>
#include <string>

namespace m = x400gw::mime;

namespace {

using shape = std::function<std::string(std::size_t)>;

std::string hdr() { return "MIME-Version: 1.0\r\n"; }

std::string long_line(std::size_t n) { return hdr() + "Content-Type: text/plain\r\n\r\n" + std::string(n, 'x') + "\r\n"; }

std::string many_headers(std::size_t n)
{
    std::string s = hdr();
    for (std::size_t i = 0; s.size() < n; ++i)
        s += "X-F" + std::to_string(i) + ": v\r\n";
    return s + "\r\nbody\r\n";
}

std::string many_parts(std::size_t n)
{
    std::string s = hdr() + "Content-Type: multipart/mixed; boundary=s\r\n\r\n";
    while (s.size() < n)
        s += "--s\r\nContent-Type: text/plain\r\n\r\np\r\n";
    return s + "--s--\r\n";
}

std::string deep_nesting(std::size_t n)
{
    std::string s = hdr();
    for (std::size_t i = 0; s.size() < n; ++i)
        s += "Content-Type: multipart/mixed; boundary=\"n" + std::to_string(i) + "\"\r\n\r\n--n" +
             std::to_string(i) + "\r\n";
    return s;
}

std::string near_miss_delimiters(std::size_t n)
{
    std::string s = hdr();
    for (int i = 0; i < 90; ++i)
        s += "Content-Type: multipart/mixed; boundary=\"level" + std::to_string(i) + "\"\r\n\r\n--level" +
             std::to_string(i) + "\r\n";
    s += "Content-Type: text/plain\r\n\r\n";
    while (s.size() < n)
        s += "--level--not-quite\r\n--lev\r\n";
    return s;
}

std::string folded_field(std::size_t n)
{
    std::string s = hdr() + "Content-Type: text/plain;";
    while (s.size() < n)
        s += "\r\n p=v;";
    return s + "\r\n\r\nx\r\n";
}

std::string many_params(std::size_t n)
{
    std::string s = hdr() + "Content-Type: text/plain";
    for (std::size_t i = 0; s.size() < n; ++i)
        s += "; n*" + std::to_string(i) + "*=%41";
    return s + "\r\n\r\nx\r\n";
}

std::string bare_cr_header(std::size_t n)
{
    std::string s = hdr() + "Subject: ";
    while (s.size() < n)
        s += "a\r";
    return s + "\r\n\r\nx\r\n";
}

std::string short_bare_lf_lines(std::size_t n)
{
    std::string s = hdr() + "Content-Type: text/plain\n\n";
    while (s.size() < n)
        s += "l\n\n\r";
    return s;
}

std::string bad_base64(std::size_t n)
{
    std::string s = hdr() + "Content-Transfer-Encoding: base64\r\n\r\n";
    while (s.size() < n)
        s += "QU*JD=\xff" + std::string(100, 'Q') + "\r\n";
    return s;
}

std::string many_rfc822(std::size_t n)
{
    std::string s;
    while (s.size() < n)
        s += "Content-Type: message/rfc822\r\n\r\n";
    return s;
}

// This thread's CPU time, not the wall clock: other processes on a busy
// machine (a parallel build, CI neighbours) then cannot make a linear
// parser look quadratic.
double thread_cpu_seconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double best_of_three(std::function<void()> const& f)
{
    double best = 1e9;
    for (int i = 0; i < 3; ++i) {
        auto const t0 = thread_cpu_seconds();
        f();
        best = std::min(best, thread_cpu_seconds() - t0);
    }
    return best;
}

void expect_linear(char const* name, shape const& make, std::size_t n)
{
    auto small = make(n);
    auto large = make(4 * n);
    m::sanitize_options o;
    o.seven_bit = true;
    double p1 = best_of_three([&] { (void)m::parse(small); });
    double p4 = best_of_three([&] { (void)m::parse(large); });
    double s1 = best_of_three([&] { (void)m::sanitize(small, o); });
    double s4 = best_of_three([&] { (void)m::sanitize(large, o); });
    // Linear growth is 4x, quadratic 16x: 10x with 2 ms of slack tells
    // them apart without failing on cache effects.
    EXPECT_LT(p4, 10 * p1 + 0.002) << name << " parse: " << p1 << " s for n, " << p4 << " s for 4n";
    EXPECT_LT(s4, 10 * s1 + 0.002) << name << " sanitize: " << s1 << " s for n, " << s4 << " s for 4n";
}

} // namespace

TEST(Linear, EveryPathologicalShape)
{
    std::size_t const n = 128 * 1024;
    expect_linear("long line", long_line, n);
    expect_linear("many headers", many_headers, n);
    expect_linear("many parts", many_parts, n);
    expect_linear("deep nesting", deep_nesting, n / 4);
    expect_linear("near-miss delimiters", near_miss_delimiters, n);
    expect_linear("folded field", folded_field, n);
    expect_linear("many parameters", many_params, n);
    expect_linear("bare CR header", bare_cr_header, n);
    expect_linear("short bare LF lines", short_bare_lf_lines, n);
    expect_linear("bad base64", bad_base64, n);
    expect_linear("nested message/rfc822", many_rfc822, n / 4);
}

TEST(Linear, PartsBeyondTheDefaultLimitStayLinear)
{
    // With the part limit raised, the tree itself grows: still linear.
    m::limits l;
    l.max_parts = 10'000'000;
    auto small = many_parts(128 * 1024);
    auto large = many_parts(512 * 1024);
    double p1 = best_of_three([&] { (void)m::parse(small, l); });
    double p4 = best_of_three([&] { (void)m::parse(large, l); });
    EXPECT_LT(p4, 8 * p1 + 0.002) << p1 << " vs " << p4;
}
