// x400/p1.hpp
//
// The P1 transfer PDUs of X.411 (1999 edition, section 12 and annex A:
// MTAAbstractService, MTSAbstractService) as values, and their BER
// decoding and encoding: MTS-APDU (message, probe, report), the envelopes,
// per-recipient fields, trace and internal trace, MTS identifiers, priority,
// indicators, content types, encoded information types and extensions.
//
// O/R names are addressing::or_address, the project's one O/R address
// type (X.411 18.5 attributes; see or_name.hpp for what it does not hold).
// Extensions that x400gw models are read into typed fields; every other
// extension (and any extension whose value does not match its type) is
// kept as it arrived and written back unchanged, with its criticality, so
// a relay loses nothing it did not understand (X.411 12.2.1.1.1.15 and
// 12.3.1.1.1.7). `critical_unsupported` says whether one of those carries
// the criticality bit that forbids going on without understanding it.
//
// The content is an OCTET STRING here; p22.* reads interpersonal messages.
// Nothing in this module touches a socket or an association (RTSE, ACSE).
#pragma once

#include "addressing/or_address.hpp"
#include "x400/ber.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace x400gw::x400::p1 {

// ORName: an O/R address and an optional directory name (X.411 18.1).
// The Teletex forms of attributes (teletex-common-name, -organization-name,
// -personal-name, -organizational-unit-names, -domain-defined-attributes)
// are read into or_address values as RFC 2156 3.3.4 writes them
// ("printable*teletex", the Teletex octets as {ddd} where they are not
// PrintableString characters) and written back as both attributes; a PSAP
// address (extended-network-address psap-address) becomes NET-PSAP in
// RFC 1278 text ('p'H/'s'H/'t'H/NS+hex). Extension attributes that
// or_address cannot hold (the universal forms of X.411 (1999), see below,
// unknown types, values not of their type) are kept encoded in
// `opaque_attributes` and written back unchanged.
struct or_name {
    addressing::or_address address;
    std::vector<std::string> opaque_attributes;     // ExtensionAttribute TLVs
    std::optional<std::string> directory_name;      // the Name element inside [0], encoded
    friend bool operator==(or_name const&, or_name const&) = default;
};

// The universal forms of O/R address attributes (X.411 (1999) extension
// attributes 24 to 40: universal-common-name, -organization-name,
// -personal-name, -organizational-unit-names, -domain-defined-attributes
// and the universal postal attributes), whose values are ISO 10646
// (UniversalOrBMPString). addressing::or_address has no place for them and
// RFC 2156 no key, so an or_name keeps them in opaque_attributes, written
// back unchanged; read_universal_attribute gives their values, for
// describe and for the mapping to say what is not carried.
struct universal_value {
    std::string text;                                // UTF-8
    bool four_octets = false;                        // UniversalString, else BMPString
    std::optional<std::string> language;             // iso-639-language-code
    friend bool operator==(universal_value const&, universal_value const&) = default;
};
struct universal_attribute {
    std::int64_t type = 0;                           // 24..40
    // Each value with the RFC 2156 key of the attribute it is the
    // universal form of (CN, O, S, G, I, GQ, OU, PD-*), or "type" and
    // "value" for a domain-defined attribute.
    std::vector<std::pair<std::string, universal_value>> values;
    friend bool operator==(universal_attribute const&, universal_attribute const&) = default;
};
// An ExtensionAttribute TLV (as in opaque_attributes) that is a universal
// form, read; nullopt for any other attribute or a value not of its type.
std::optional<universal_attribute> read_universal_attribute(std::string_view encoded);
std::string encode_universal_attribute(universal_attribute const& a);
std::string_view universal_attribute_name(std::int64_t type) noexcept;
// Whether `text` is a NET-PSAP value p1 can encode ('p'H/'s'H/'t'H/NS+hex,
// selectors optional, NSAPs separated by ",").
bool valid_psap_text(std::string_view text);

struct global_domain_identifier {
    std::string country;                             // CountryName (numeric or printable)
    std::string admd;                                // AdministrationDomainName
    std::optional<std::string> prmd;                 // PrivateDomainIdentifier
    friend bool operator==(global_domain_identifier const&, global_domain_identifier const&) = default;
};

struct mts_identifier {
    global_domain_identifier domain;
    std::string local;                               // LocalIdentifier, IA5String SIZE(1..32)
    friend bool operator==(mts_identifier const&, mts_identifier const&) = default;
};

// BuiltInEncodedInformationTypes bit numbers (X.411 12.2.1.1.1.3).
namespace eit {
inline constexpr std::size_t unknown = 0, ia5_text = 2, g3_facsimile = 3, g4_class_1 = 4, teletex = 5,
                             videotex = 6, voice = 7, sfd = 8, mixed_mode = 9;
}

struct encoded_information_types {
    ber::bit_string built_in;
    std::optional<ber::bit_string> g3_facsimile;     // [1] G3FacsimileNonBasicParameters
    std::optional<std::string> teletex;              // [2] TeletexNonBasicParameters, encoded
    std::vector<ber::oid> extended;                  // [4] ExtendedEncodedInformationTypes
    friend bool operator==(encoded_information_types const&, encoded_information_types const&) = default;
};

// ContentType: built-in INTEGER or an OBJECT IDENTIFIER (X.411 12.2.1.1.1.4).
namespace content_types {
inline constexpr std::int64_t unidentified = 0, external = 1, p2_1984 = 2, p22_1988 = 22, edi = 35, voice = 40;
}
struct content_type {
    std::optional<std::int64_t> built_in;
    std::optional<ber::oid> extended;
    friend bool operator==(content_type const&, content_type const&) = default;
};

enum class priority : std::int64_t { normal = 0, non_urgent = 1, urgent = 2 };

// PerMessageIndicators bit numbers.
namespace pmi {
inline constexpr std::size_t disclosure_of_other_recipients = 0, implicit_conversion_prohibited = 1,
                             alternate_recipient_allowed = 2, content_return_request = 3, service_message = 7;
}
// PerRecipientIndicators bit numbers.
namespace pri {
inline constexpr std::size_t responsibility = 0, originating_mta_report = 1, originating_mta_non_delivery_report = 2,
                             originator_report = 3, originator_non_delivery_report = 4;
}

enum class routing_action : std::int64_t { relayed = 0, rerouted = 1 };

struct trace_element {
    global_domain_identifier domain;
    ber::time_value arrival_time;                    // [0]
    routing_action action = routing_action::relayed; // [2]
    std::optional<global_domain_identifier> attempted_domain;
    std::optional<ber::time_value> deferred_time;    // [1]
    std::optional<encoded_information_types> converted;
    std::optional<ber::bit_string> other_actions;    // [3] redirected(0), dl-operation(1)
    friend bool operator==(trace_element const&, trace_element const&) = default;
};

struct internal_trace_element {
    global_domain_identifier domain;
    std::string mta_name;                            // MTAName, IA5String
    ber::time_value arrival_time;
    routing_action action = routing_action::relayed;
    std::optional<std::string> attempted_mta;        // attempted: CHOICE mta | domain
    std::optional<global_domain_identifier> attempted_domain;
    std::optional<ber::time_value> deferred_time;
    std::optional<encoded_information_types> converted;
    std::optional<ber::bit_string> other_actions;
    friend bool operator==(internal_trace_element const&, internal_trace_element const&) = default;
};

// Standard extension numbers used by name (X.411 annex A).
namespace ext {
inline constexpr std::int64_t recipient_reassignment_prohibited = 1, originator_requested_alternate_recipient = 2,
                              dl_expansion_prohibited = 3, conversion_with_loss_prohibited = 4,
                              latest_delivery_time = 5, originator_return_address = 13, content_correlator = 23,
                              internal_trace_information = 38, reporting_mta_name = 39;
}
// Criticality bit numbers.
namespace crit {
inline constexpr std::size_t for_submission = 0, for_transfer = 1, for_delivery = 2;
}

// An extension x400gw keeps as it arrived.
struct extension_field {
    std::optional<std::int64_t> standard;            // [0] standard-extension
    std::optional<ber::oid> private_type;            // [3] private-extension
    ber::bit_string criticality;                     // [1], empty when absent
    std::string value;                               // the value's TLV inside [2]; empty: DEFAULT NULL
    friend bool operator==(extension_field const&, extension_field const&) = default;
};

// ContentCorrelator ::= CHOICE { ia5text IA5String, octets OCTET STRING }
struct content_correlator {
    bool ia5 = true;
    std::string value;
    friend bool operator==(content_correlator const&, content_correlator const&) = default;
};

// The extensions of an envelope: the modelled ones by name, the others kept.
struct extensions {
    std::optional<bool> recipient_reassignment_prohibited;
    std::optional<bool> dl_expansion_prohibited;
    std::optional<bool> conversion_with_loss_prohibited;
    std::optional<ber::time_value> latest_delivery_time;
    std::optional<or_name> originator_return_address;           // an ORAddress (no directory name)
    std::optional<or_name> originator_requested_alternate_recipient;
    std::optional<content_correlator> content_correlator_value;
    std::vector<internal_trace_element> internal_trace;
    bool has_internal_trace = false;
    std::optional<std::string> reporting_mta_name;                  // ReportingMTAName without
    std::optional<global_domain_identifier> reporting_mta_domain;   //   a directory name
    std::vector<extension_field> other;
    friend bool operator==(extensions const&, extensions const&) = default;

    bool empty() const { return *this == extensions{}; }
    // An extension kept opaque whose criticality has `bit` set (crit::*):
    // X.411 says the MTA must not go on (non-delivery, critical function
    // unsupported). The first such one, or nullptr.
    extension_field const* critical_unsupported(std::size_t bit) const;
};

struct per_domain_bilateral_information {
    std::string encoded;                             // kept as it arrived
    friend bool operator==(per_domain_bilateral_information const&, per_domain_bilateral_information const&) = default;
};

struct message_recipient {
    or_name name;
    std::int64_t originally_specified_number = 1;    // [0]
    ber::bit_string indicators;                      // [1] PerRecipientIndicators
    std::optional<std::int64_t> explicit_conversion; // [2]
    extensions ext;                                  // [3]
    friend bool operator==(message_recipient const&, message_recipient const&) = default;
};

struct message_envelope {
    mts_identifier message_id;
    or_name originator;
    std::optional<encoded_information_types> original_eits;
    content_type type;
    std::optional<std::string> content_identifier;   // PrintableString SIZE(1..16)
    p1::priority priority = p1::priority::normal;
    ber::bit_string indicators;                      // PerMessageIndicators
    std::optional<ber::time_value> deferred_delivery_time;
    std::vector<per_domain_bilateral_information> bilateral;
    std::vector<trace_element> trace;
    extensions ext;
    std::vector<message_recipient> recipients;
    friend bool operator==(message_envelope const&, message_envelope const&) = default;
};

struct message {
    message_envelope envelope;
    std::string content;
    friend bool operator==(message const&, message const&) = default;
};

struct probe_recipient {
    or_name name;
    std::int64_t originally_specified_number = 1;
    ber::bit_string indicators;
    std::optional<std::int64_t> explicit_conversion;
    extensions ext;
    friend bool operator==(probe_recipient const&, probe_recipient const&) = default;
};

struct probe {
    mts_identifier probe_id;
    or_name originator;
    std::optional<encoded_information_types> original_eits;
    content_type type;
    std::optional<std::string> content_identifier;
    std::optional<std::int64_t> content_length;      // [0]
    ber::bit_string indicators;
    std::vector<per_domain_bilateral_information> bilateral;
    std::vector<trace_element> trace;
    extensions ext;
    std::vector<probe_recipient> recipients;
    friend bool operator==(probe const&, probe const&) = default;
};

// X.411 12.3.1.1.1: a delivery or non-delivery report for one recipient.
struct delivery_report {
    ber::time_value message_delivery_time;           // [0]
    std::int64_t type_of_mts_user = 0;               // [1] DEFAULT public(0)
    friend bool operator==(delivery_report const&, delivery_report const&) = default;
};
struct non_delivery_report {
    std::int64_t reason = 0;                         // [0] NonDeliveryReasonCode
    std::optional<std::int64_t> diagnostic;          // [1] NonDeliveryDiagnosticCode
    friend bool operator==(non_delivery_report const&, non_delivery_report const&) = default;
};

struct report_recipient {
    or_name actual_recipient;                        // [0]
    std::int64_t originally_specified_number = 1;    // [1]
    ber::bit_string indicators;                      // [2]
    ber::time_value arrival_time;                    // [3] last-trace-information
    std::optional<encoded_information_types> converted;
    std::variant<delivery_report, non_delivery_report> report;
    std::optional<or_name> originally_intended_recipient; // [4]
    std::optional<std::string> supplementary_information; // [5] PrintableString
    extensions ext;                                  // [6]
    friend bool operator==(report_recipient const&, report_recipient const&) = default;
};

struct report {
    mts_identifier report_id;
    or_name destination;                             // report-destination-name
    std::vector<trace_element> trace;
    extensions ext;                                  // envelope [1]
    mts_identifier subject_id;
    std::vector<trace_element> subject_intermediate_trace;
    bool has_subject_intermediate_trace = false;
    std::optional<encoded_information_types> original_eits;
    std::optional<content_type> type;
    std::optional<std::string> content_identifier;
    std::optional<std::string> returned_content;     // [1]
    std::optional<std::string> additional_information; // [2], the value's TLV
    extensions content_ext;                          // content [3]
    std::vector<report_recipient> recipients;        // [0]
    friend bool operator==(report const&, report const&) = default;
};

using mts_apdu = std::variant<message, probe, report>;

// Decoding: the whole input must be one MTS-APDU.
addressing::result<mts_apdu, ber::error> decode(ber::bytes input, ber::limits const& limits = {});
std::string encode(mts_apdu const& apdu);

// The pieces, for p22 (which carries O/R names) and tests.
std::optional<or_name> read_or_name(ber::reader& parent, ber::element const& e, bool with_directory_name = true);
void write_or_name(ber::writer& w, ber::tag t, or_name const& n, bool with_directory_name = true);
// The ORAddress SEQUENCE contents alone (no directory name), for p22's
// ORDescriptor and the originator-return-address extension.
std::optional<or_name> read_or_address(ber::reader& parent, ber::element const& e);
void write_or_address(ber::writer& w, ber::tag t, or_name const& n);

std::string_view priority_name(priority p) noexcept;
std::string_view content_type_name(content_type const& t);

} // namespace x400gw::x400::p1
