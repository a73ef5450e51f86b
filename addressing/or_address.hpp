// addressing/or_address.hpp
//
// The X.400 O/R address as a value (X.402 section 18, X.411 standard and
// domain-defined attributes, as RFC 2156 section 4.1.1 lists them), plus the
// small result and refusal types every part of addressing/ returns.
//
// Absent, present-but-empty and blank are three different states, because
// RFC 2156 gives them three meanings: an absent PRMD is part of the address
// (it must not match a table entry that names one, spec note section 8), an
// empty ADMD is legal in 1988 (SIZE 0..16), and a blank ADMD (`ADMD= `) is
// what F.401 and RFC 2156 section 4.1.3 write for "no ADMD". So every single
// valued attribute is std::optional<std::string>: nullopt is absent, "" is
// present-but-empty, " " is blank. Values keep their case and spaces exactly
// as written; normalisation is done only for comparison (normalise_value).
//
// This header knows nothing of text forms, tables or SMTP.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace x400gw::addressing {

// A domain-defined attribute (X.411 BuiltInDomainDefinedAttribute).
// The MIXER DDA has type "RFC-822" (compared case-insensitively).
struct dda {
    std::string type;
    std::string value;
    friend bool operator==(dda const&, dda const&) = default;
};

// An attribute with no field of its own (T-TY, the postal PD-* attributes,
// NET-*): kept so it round-trips and so the mapping knows the address is not
// of the mnemonic form. `key` is the RFC 2156 generation key in upper case.
struct other_attribute {
    std::string key;
    std::string value;
    friend bool operator==(other_attribute const&, other_attribute const&) = default;
};

struct or_address {
    std::optional<std::string> c;           // country-name
    std::optional<std::string> admd;        // administration-domain-name, may be "" or " "
    std::optional<std::string> prmd;        // private-domain-name
    std::optional<std::string> o;           // organization-name
    std::vector<std::string> ou;            // OU1 first (the most significant)
    std::optional<std::string> surname;     // S
    std::optional<std::string> given;       // G
    std::optional<std::string> initials;    // I
    std::optional<std::string> generation;  // GQ
    std::optional<std::string> common_name; // CN
    std::optional<std::string> x121;        // network-address
    std::optional<std::string> ua_id;       // numeric-user-identifier (N-ID)
    std::optional<std::string> t_id;        // terminal-identifier
    std::vector<other_attribute> other;     // T-TY, PD-*, NET-*, in input order
    std::vector<dda> ddas;                  // first = most significant

    friend bool operator==(or_address const&, or_address const&) = default;

    bool has_personal_name() const noexcept
    {
        return surname || given || initials || generation;
    }
    // Attributes that the mnemonic form does not allow (X.402 18.5): an
    // address carrying any of them is never mapped through an MCGAM.
    bool has_non_mnemonic() const noexcept { return x121 || ua_id || t_id || !other.empty(); }
    bool empty() const noexcept { return *this == or_address{}; }
};

enum class value_state { absent, empty, blank, value };
value_state state_of(std::optional<std::string> const& v) noexcept;

// The hierarchy used by MCGAMs (RFC 2156 section 4.2): C, ADMD, PRMD, O,
// OU1..OU4. level_count is the number of levels.
inline constexpr std::size_t level_count = 8;
enum class level : unsigned char { c, admd, prmd, o, ou1, ou2, ou3, ou4 };
std::string_view level_key(std::size_t level) noexcept; // "C", "ADMD", "PRMD", "O", "OU"

// The value at a hierarchy level (nullopt when absent).
std::optional<std::string_view> level_value(or_address const& a, std::size_t level) noexcept;
void set_level(or_address& a, std::size_t level, std::string value);

// Comparison form of a value (spec note section 0 item 10; RFC 2156 4.3.5
// step 1, App. F section 4): trimmed, inner runs of spaces collapsed, ASCII
// lower case. `admd` turns an empty or all-blank value into a single space,
// since a zero-length ADMD is looked up as a blank one.
std::string normalise_value(std::string_view v, bool admd = false);
// The same, appended to `out` (no allocation of its own: lookups build
// their keys with it).
void append_normalised(std::string& out, std::string_view v, bool admd = false);

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b) noexcept;
// A character as an error message names it: 'x' when it is visible ASCII,
// "octet 0xEF" otherwise, so no message carries a raw control or 8-bit octet.
std::string describe_char(char ch);
// A text as an error message quotes it: 'text', with every octet outside
// visible ASCII and the space written \xHH and a backslash as \\ (a raw CR
// would hide the start of the message, a BOM would not show at all).
std::string quoted(std::string_view text);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

// Why something was refused. `offset` is a byte offset into the input when
// the reason is about one place in it.
struct error {
    std::string why;
    std::size_t offset = npos;
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

// What the SMTP side answers when a mapping is refused: the reply code, the
// RFC 3463 enhanced status as text ("5.1.3") and the reason. Kept free of
// gateway/smtp types so addressing/ links nothing else; the session turns it
// into its own reply value.
struct refusal {
    int code = 0;
    std::string status;
    std::string why;
};

// A value or the reason there is none. Minimal stand-in for C++23
// std::expected, which g++ 12 and clang 14 do not offer in C++20 mode.
template <class T, class E = error>
class result {
public:
    result(T v) : v_(std::in_place_index<0>, std::move(v)) {}
    result(E e) : v_(std::in_place_index<1>, std::move(e)) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    T& value() & { return std::get<0>(v_); }
    T const& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    T const& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    T const* operator->() const { return &value(); }
    E const& failure() const { return std::get<1>(v_); }

private:
    std::variant<T, E> v_;
};

} // namespace x400gw::addressing
