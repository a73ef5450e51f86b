// x400/ber.hpp
//
// Basic Encoding Rules (X.690 sections 8.1 to 8.23): a bounded reader over
// a span and a writer. Sans-I/O: bytes in, values or an error out.
//
//   identifier  = class(2 bits) P/C(1 bit) number(5 bits | 11111 + base-128)
//   length      = short form | long form (0x81..0x84 + octets) | 0x80 (indefinite)
//   contents    = octets | nested elements [ 00 00 if indefinite ]
//
// The reader never throws on input, never allocates more than the input it
// was given, and never follows nesting deeper than `limits::max_depth`: the
// first problem becomes an `error` with the byte offset (from the start of
// the whole input) and a reason, and every later read fails at once. It
// accepts what X.690 lets a sender choose (indefinite lengths, long-form
// lengths, constructed strings at any depth, high tag numbers) and refuses
// what X.690 forbids (indefinite primitives, length octets 0xFF, tag
// numbers written with leading zero septets, missing end-of-contents).
// The writer emits definite lengths in their shortest form and primitive
// strings (the DER choices, which every BER reader accepts).
//
// It knows nothing of X.411 or X.420; the schemas live in p1.* and p22.*.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace x400gw::x400::ber {

using bytes = std::span<std::uint8_t const>;

enum class tag_class : std::uint8_t { universal = 0, application = 1, context = 2, private_use = 3 };

struct tag {
    tag_class cls = tag_class::universal;
    std::uint32_t number = 0;
    friend bool operator==(tag const&, tag const&) = default;
};

constexpr tag universal(std::uint32_t n) { return {tag_class::universal, n}; }
constexpr tag application(std::uint32_t n) { return {tag_class::application, n}; }
constexpr tag context(std::uint32_t n) { return {tag_class::context, n}; }

// Universal tag numbers used here (X.680 section 8.6).
namespace u {
inline constexpr std::uint32_t boolean = 1, integer = 2, bit_string = 3, octet_string = 4, null = 5,
                               object_identifier = 6, object_descriptor = 7, external = 8, enumerated = 10,
                               utf8_string = 12, sequence = 16, set = 17, numeric_string = 18,
                               printable_string = 19, teletex_string = 20, videotex_string = 21,
                               ia5_string = 22, utc_time = 23, generalized_time = 24, graphic_string = 25,
                               visible_string = 26, general_string = 27, universal_string = 28,
                               bmp_string = 30;
}

// Every bound the reader enforces. The defaults fit any X.400 message a
// gateway should accept (X.411 ub-content-length is unbounded; 64 MiB is
// our own choice) and stop hostile nesting long before the stack notices.
struct limits {
    std::size_t max_depth = 64;                  // nested constructed elements
    std::size_t max_elements = 1'000'000;        // headers read, in total
    std::size_t max_size = 64 * 1024 * 1024;     // octets of input
};

struct error {
    std::size_t offset = 0;                      // from the start of the whole input
    std::string reason;
};

// One element as read. `content` excludes the end-of-contents octets of an
// indefinite length; `end` is just past them.
struct element {
    ber::tag tag;
    bool constructed = false;
    bool indefinite = false;
    std::size_t offset = 0;                      // of the identifier octet
    std::size_t content_offset = 0;
    bytes content;
    std::size_t end = 0;
    bool is(ber::tag t) const noexcept { return tag == t; }
};

// The state one decode shares: the whole input, the limits, the count of
// elements read and the first error. Every reader and value function
// reports into it; once `failed()`, every read returns nothing.
class session {
public:
    explicit session(bytes input, ber::limits const& l = {});
    bool failed() const noexcept { return failed_; }
    ber::error const& failure() const noexcept { return error_; }
    // Records the first failure only; returns false so callers can `return fail(...)`.
    bool fail(std::size_t offset, std::string reason);
    bool count_element(std::size_t offset);
    ber::limits const& limits() const noexcept { return limits_; }
    bytes input() const noexcept { return input_; }
    std::size_t offset_of(std::uint8_t const* p) const noexcept
    {
        return static_cast<std::size_t>(p - input_.data());
    }

private:
    bytes input_;
    ber::limits limits_;
    std::size_t elements_ = 0;
    bool failed_ = false;
    ber::error error_;
};

// Reads the elements that follow one another in a span (the whole input,
// or the contents of a constructed element).
class reader {
public:
    reader(session& s, bytes span, std::size_t depth = 0);
    // A reader over the contents of `e`, which must be constructed.
    reader enter(element const& e);

    bool at_end() const noexcept { return pos_ >= span_.size() || s_->failed(); }
    // The next element, or nullopt at the end or on error (see session).
    std::optional<element> next();
    // Is the next element tagged `t`?
    bool next_is(tag t);
    // Fails unless nothing is left: "unexpected element".
    bool expect_end(char const* where);
    session& s() const noexcept { return *s_; }
    std::size_t depth() const noexcept { return depth_; }
    std::size_t offset() const noexcept;

private:
    std::optional<element> read_header(std::size_t& pos);
    session* s_;
    bytes span_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
};

// Values of primitive types. Each takes an element already read, checks
// its form (primitive or constructed as X.690 allows) and reports into the
// session on failure.
std::optional<bool> read_boolean(session& s, element const& e);
std::optional<std::int64_t> read_integer(session& s, element const& e);
bool read_null(session& s, element const& e);

// Octets of an OCTET STRING or any restricted character string, whether
// primitive or constructed (segments are OCTET STRINGs, X.690 8.23.6).
std::optional<std::string> read_octets(session& s, element const& e, std::size_t depth = 0);

// A character string of the given universal type, checked against its
// character set where X.680 section 41 defines one (Numeric, Printable,
// IA5, Visible) or its form (BMP: even length, Universal: a multiple of
// four, UTF-8: well formed). Octets are returned unconverted.
std::optional<std::string> read_string(session& s, element const& e, std::uint32_t universal_type,
                                       std::size_t depth = 0);

struct bit_string {
    std::string octets;
    std::uint8_t unused = 0;                    // 0..7 bits unused in the last octet
    std::size_t size() const noexcept { return octets.size() * 8 - unused; }
    bool test(std::size_t bit) const noexcept;
    void set(std::size_t bit, bool on = true);
    friend bool operator==(bit_string const&, bit_string const&) = default;
};
std::optional<bit_string> read_bit_string(session& s, element const& e, std::size_t depth = 0);

struct oid {
    std::vector<std::uint64_t> arcs;
    std::string to_string() const;
    static std::optional<oid> parse(std::string_view dotted);
    friend bool operator==(oid const&, oid const&) = default;
    friend auto operator<=>(oid const&, oid const&) = default;
};
std::optional<oid> read_oid(session& s, element const& e);

// UTCTime (X.680 47) and GeneralizedTime (46) keep their text, so what
// arrives is what is written back; `time_point` reads it.
struct time_value {
    std::string text;
    bool generalized = false;
    friend bool operator==(time_value const&, time_value const&) = default;
};
std::optional<time_value> read_time(session& s, element const& e, bool generalized);
// Seconds since 1970-01-01T00:00:00Z, or nullopt when the text is not a
// valid time. UTCTime years 50..99 are 1950..1999 (X.509 and RFC 5280 use).
std::optional<std::int64_t> time_point(time_value const& t);
time_value utc_time_from(std::int64_t seconds_since_epoch);

// EXTERNAL (X.690 8.18, 1990 form).
struct external {
    std::optional<oid> direct_reference;
    std::optional<std::int64_t> indirect_reference;
    std::optional<std::string> data_value_descriptor;
    enum class encoding { single_asn1_type, octet_aligned, arbitrary } kind = encoding::octet_aligned;
    std::string data;                            // single-ASN1-type: the whole TLV; else the octets
    std::uint8_t unused_bits = 0;                // arbitrary only
    friend bool operator==(external const&, external const&) = default;
};
std::optional<external> read_external(session& s, element const& e);

// The raw encoding of an element (identifier to end), as a string.
std::string raw(session const& s, element const& e);

// Character-set conversions for display and mapping (not for the wire).
std::string bmp_to_utf8(std::string_view ucs2);
std::string universal_to_utf8(std::string_view ucs4);
bool valid_utf8(std::string_view s) noexcept;
bool is_printable_char(char c) noexcept;     // X.680 41.4 PrintableString

// The writer. Constructed elements nest: `begin` returns a mark that the
// matching `end` takes; lengths are filled in by `end`.
class writer {
public:
    std::size_t begin(tag t);                    // constructed
    void end(std::size_t mark);
    void primitive(tag t, std::string_view content);
    void raw(std::string_view encoded);          // an element already encoded
    void boolean(tag t, bool v);
    void integer(tag t, std::int64_t v);
    void null(tag t = universal(u::null));
    void bits(tag t, bit_string const& b);
    void object_id(tag t, oid const& o);
    void octets(tag t, std::string_view v) { primitive(t, v); }
    void time(tag t, time_value const& v) { primitive(t, v.text); }
    void ext(tag t, external const& x);
    std::string const& data() const noexcept { return out_; }
    std::string take() { return std::move(out_); }

private:
    void identifier(tag t, bool constructed);
    std::string out_;
    std::vector<std::size_t> open_;
};

// Identifier and length octets alone, for tests and the writer.
std::string encode_identifier(tag t, bool constructed);
std::string encode_length(std::size_t n);

// Error reasons shared by the P1 and P22 decoders. tag_text renders a tag
// as X.680 writes it ("[APPLICATION 7]"); unexpected and missing record the
// first failure at an offset and return false, for `return unexpected(...)`.
std::string tag_text(tag t);
bool unexpected(reader& r, element const& e, char const* where);
bool missing(reader& r, std::size_t offset, char const* what, char const* where);

} // namespace x400gw::x400::ber
