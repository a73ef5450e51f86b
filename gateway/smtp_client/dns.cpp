// gateway/smtp_client/dns.cpp
#include "gateway/smtp_client/dns.hpp"

#include "gateway/routes.hpp"
#include "mime/header_codec.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include <idn2.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

namespace x400gw::gateway {
namespace {

// RFC 5890: a domain with U-labels (an SMTPUTF8 recipient's) is looked up
// by its A-labels; nullopt when it is no valid IDN.
std::optional<std::string> a_labels(std::string const& domain)
{
    if (!mime::has_8bit_octet(domain))
        return domain;
    char* ascii = nullptr;
    if (idn2_to_ascii_8z(domain.c_str(), &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
        return std::nullopt;
    std::string out(ascii);
    idn2_free(ascii);
    return out;
}

// One resolver state per lookup: res_n* functions are safe on threads
// that do not share it.
class resolver {
public:
    explicit resolver(std::string const& server)
    {
        if (res_ninit(&state_) != 0) {
            why_ = "cannot initialise the resolver";
            return;
        }
        open_ = true;
        if (!server.empty()) {
            std::string host;
            std::uint16_t port = 0;
            sockaddr_in a{};
            in6_addr a6{};
            bool const split = split_host_port(server, host, port);
            bool const v4 = split && inet_pton(AF_INET, host.c_str(), &a.sin_addr) == 1;
            if (!v4 && !(split && inet_pton(AF_INET6, host.c_str(), &a6) == 1)) {
                why_ = "dns_server " + server + " is not an IP address and port";
                return;
            }
            // Ours alone: an IPv6 server from resolv.conf sits in the
            // extension array and would be asked instead.
            for (auto*& ext : state_._u._ext.nsaddrs) {
                std::free(ext);
                ext = nullptr;
            }
            state_.nscount = 1;
            if (v4) {
                a.sin_family = AF_INET;
                a.sin_port = htons(port);
                state_.nsaddr_list[0] = a;
            } else {
                // glibc's own form of an IPv6 server (res_init): the
                // address in the extension array, allocated with malloc
                // (res_nclose frees it), and a family of 0 in the list.
                auto* six = static_cast<sockaddr_in6*>(std::calloc(1, sizeof(sockaddr_in6)));
                if (six == nullptr) {
                    why_ = "cannot initialise the resolver";
                    return;
                }
                six->sin6_family = AF_INET6;
                six->sin6_port = htons(port);
                six->sin6_addr = a6;
                state_._u._ext.nsaddrs[0] = six;
                state_.nsaddr_list[0] = sockaddr_in{};
                state_.nsaddr_list[0].sin_family = 0;
            }
        }
        state_.retrans = 2;   // seconds before a retry, and two tries: a dead server costs 4 s, not 30
        state_.retry = 2;
        ready_ = true;
    }
    ~resolver()
    {
        if (open_)
            res_nclose(&state_);
    }
    resolver(resolver const&) = delete;
    resolver& operator=(resolver const&) = delete;

    std::string const& why() const noexcept { return why_; }

    // The answer section's records of `type` (their RDATA's offset in the
    // message kept by `parse`), or the status when there are none.
    dns_status query(std::string const& name, int type, std::string& why)
    {
        if (!ready_) {
            why = why_;
            return dns_status::failed;
        }
        length_ = 0;
        auto const ascii = a_labels(name);
        if (!ascii)
            return dns_status::no_domain;
        buffer_.resize(65536);
        length_ = res_nquery(&state_, ascii->c_str(), ns_c_in, type, buffer_.data(), static_cast<int>(buffer_.size()));
        if (length_ >= 0) {
            if (ns_initparse(buffer_.data(), length_, &message_) < 0) {
                why = "a malformed answer for " + name;
                return dns_status::failed;
            }
            return dns_status::ok;
        }
        length_ = 0;
        switch (state_.res_h_errno) {
        case HOST_NOT_FOUND: return dns_status::no_domain;
        case NO_DATA: return dns_status::ok;   // the name exists, without such records
        case TRY_AGAIN: why = "no answer for " + name + " (server failure or time-out)"; return dns_status::failed;
        default: why = "lookup of " + name + " failed"; return dns_status::failed;
        }
    }

    template <class F>
    void each(int type, F f)
    {
        if (length_ == 0)
            return;
        for (int i = 0; i < ns_msg_count(message_, ns_s_an); ++i) {
            ns_rr rr;
            if (ns_parserr(&message_, ns_s_an, i, &rr) < 0 || ns_rr_type(rr) != type)
                continue;
            f(rr);
        }
    }

    ns_msg const& message() const noexcept { return message_; }

private:
    struct __res_state state_ {};
    bool open_ = false;
    bool ready_ = false;
    std::string why_;
    std::vector<unsigned char> buffer_;
    int length_ = 0;
    ns_msg message_{};
};

} // namespace

mx_answer order_mx(std::vector<std::pair<int, std::string>> records, std::mt19937& rng)
{
    mx_answer out;
    out.status = dns_status::ok;
    if (records.size() == 1 && (records[0].second.empty() || records[0].second == ".")) {
        out.status = dns_status::null_mx;
        return out;
    }
    std::shuffle(records.begin(), records.end(), rng);
    std::stable_sort(records.begin(), records.end(), [](auto const& a, auto const& b) { return a.first < b.first; });
    for (auto& [preference, host] : records) {
        while (!host.empty() && host.back() == '.')
            host.pop_back();
        if (!host.empty() && std::find(out.hosts.begin(), out.hosts.end(), host) == out.hosts.end())
            out.hosts.push_back(std::move(host));
    }
    return out;
}

mx_answer lookup_mx(std::string const& domain, std::string const& server, std::uint32_t seed)
{
    mx_answer out;
    resolver r(server);
    out.status = r.query(domain, ns_t_mx, out.why);
    if (out.status != dns_status::ok)
        return out;
    std::vector<std::pair<int, std::string>> records;
    r.each(ns_t_mx, [&](ns_rr const& rr) {
        if (ns_rr_rdlen(rr) < 3)
            return;
        char name[NS_MAXDNAME];
        auto const& m = r.message();
        if (ns_name_uncompress(ns_msg_base(m), ns_msg_end(m), ns_rr_rdata(rr) + 2, name, sizeof name) < 0)
            return;
        records.emplace_back(ns_get16(ns_rr_rdata(rr)), name);
    });
    std::mt19937 rng(seed);
    return order_mx(std::move(records), rng);
}

address_answer lookup_addresses(std::string const& host, std::string const& server)
{
    address_answer out;
    resolver r(server);
    bool exists = false;
    for (int const type : {int(ns_t_a), int(ns_t_aaaa)}) {
        std::string why;
        auto const s = r.query(host, type, why);
        if (s == dns_status::failed && out.why.empty())
            out.why = why;
        if (s != dns_status::ok)
            continue;
        exists = true;
        r.each(type, [&](ns_rr const& rr) {
            char text[INET6_ADDRSTRLEN];
            auto const family = type == ns_t_a ? AF_INET : AF_INET6;
            auto const size = type == ns_t_a ? 4 : 16;
            if (ns_rr_rdlen(rr) == size && inet_ntop(family, ns_rr_rdata(rr), text, sizeof text))
                out.addresses.emplace_back(text);
        });
    }
    out.status = !out.addresses.empty() ? dns_status::ok
                 : !out.why.empty()     ? dns_status::failed
                 : exists               ? dns_status::ok
                                        : dns_status::no_domain;
    return out;
}

} // namespace x400gw::gateway
