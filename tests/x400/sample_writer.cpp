// x400_sample_writer DIR: writes the P1 samples of samples.hpp as BER
// files into DIR (each also with indefinite lengths and with strings in
// segments) and the P22 samples as bare contents (*.p22), for the oracle
// test to hand to tshark and @wildboar/x400.
#include "samples.hpp"

#include "addressing/std_or.hpp"
#include "mime/codec.hpp"
#include "x400/mapping.hpp"

#include <cstdio>
#include <string>

namespace samples = x400gw::x400::samples;
namespace p1 = x400gw::x400::p1;

namespace {

bool write(std::string const& path, std::string const& data)
{
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f)
        return false;
    bool const ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
    return std::fclose(f) == 0 && ok;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: x400_sample_writer DIR\n");
        return 2;
    }
    std::string const dir = argv[1];
    struct sample {
        char const* name;
        p1::mts_apdu apdu;
    };
    auto ipn_message = [](x400gw::x400::p22::information_object const& c) {
        auto m = samples::minimal_message();
        m.content = x400gw::x400::p22::encode(c);
        return m;
    };
    x400gw::addressing::gateway_identity gw;
    gw.domain = "gw.example";
    gw.address = *x400gw::addressing::parse_std_or("/PRMD=Gateway/ADMD= /C=XX/");
    x400gw::addressing::mapper const map(*x400gw::addressing::make_mapping_state(gw, {}));
    // What from-mime writes for MIME that is not well formed: a false
    // base64 label on the multipart, a heading address with no O/R
    // address, an empty attachment (no data value) and one over a line of
    // base64.
    auto const from_mime = [&map] {
        std::string pdf = "%PDF-1.4\n";
        for (int i = 0; i < 200; ++i)
            pdf += static_cast<char>(i);
        std::string b64;
        x400gw::mime::encode_base64(pdf, b64);
        std::string const text =
            "From: Ann Lee <ann@a.example>\r\nTo: bob@b.example, eryq\r\nSubject: from MIME\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
            "--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
            "--b1\r\nContent-Type: application/pdf; name=\"q.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            b64 + "--b1\r\nContent-Type: application/octet-stream; name=\"empty.bin\"\r\n\r\n"
                  "--b1--\r\n";
        return x400gw::x400::from_mime({text, "ann@a.example", {"bob@b.example"}, 1796385600, "from-mime-1"}, map);
    }();
    if (!from_mime) {
        std::fprintf(stderr, "x400_sample_writer: from-mime refused its sample: %s\n", from_mime.failure().why.c_str());
        return 1;
    }
    sample const all[] = {
        {"message-from-mime", *from_mime},
        {"message-ipn-receipt", ipn_message(samples::receipt_notification())},
        {"message-ipn-non-receipt", ipn_message(samples::non_receipt_notification())},
        {"message-full", samples::full_message()},
        {"message-intl", samples::intl_message()},
        {"message-minimal", samples::minimal_message()},
        {"probe", samples::sample_probe()},
        {"report", samples::sample_report()},
        {"report-probe-answer", [&map] {
             // The report answering an IPM probe: a delivery report.
             auto p = samples::sample_probe();
             p.type = p1::content_type{p1::content_types::p22_1988, std::nullopt};
             return p1::mts_apdu{*x400gw::x400::answer_probe(p, map, 1796385600, "answer-1")};
         }()},
    };
    for (auto const& s : all) {
        auto const wire = p1::encode(s.apdu);
        auto const indefinite = samples::rewrite(wire, false);
        auto const segments = samples::rewrite(wire, true);
        if (!indefinite || !segments || !write(dir + "/" + s.name + ".ber", wire) ||
            !write(dir + "/" + s.name + ".indefinite.ber", *indefinite) ||
            !write(dir + "/" + s.name + ".segments.ber", *segments)) {
            std::fprintf(stderr, "x400_sample_writer: cannot write %s\n", s.name);
            return 1;
        }
    }
    struct content {
        char const* name;
        x400gw::x400::p22::information_object value;
    };
    content const contents[] = {
        {"ipm-full", samples::full_ipm()},
        {"ipm-intl", samples::intl_ipm()},
        {"ipn-receipt", samples::receipt_notification()},
        {"ipn-non-receipt", samples::non_receipt_notification()},
    };
    for (auto const& c : contents) {
        if (!write(dir + "/" + c.name + ".p22", x400gw::x400::p22::encode(c.value))) {
            std::fprintf(stderr, "x400_sample_writer: cannot write %s\n", c.name);
            return 1;
        }
    }
    if (!write(dir + "/ipm-from-mime.p22", std::get<p1::message>(*from_mime).content)) {
        std::fprintf(stderr, "x400_sample_writer: cannot write ipm-from-mime\n");
        return 1;
    }
    return 0;
}
