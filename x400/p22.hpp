// x400/p22.hpp
//
// Interpersonal messaging content (X.420 1999 section 7 and annex E,
// module IPMSInformationObjects; the 1984 P2 is the same syntax with fewer
// body parts): the InformationObject that a P1 message with content type
// 2 or 22 carries, an IPM (heading and body) or an IPN (receipt and
// non-receipt notification), as values, with their BER decoding and
// encoding.
//
// Modelled: every heading field; the basic body parts ia5-text, teletex,
// g3-facsimile, bilaterally-defined, nationally-defined and message (a
// nested IPM, bounded by the reader's depth limit); the extended body parts
// general-text (X.420 annex E, character sets and GeneralString data) and
// file-transfer (its FTAM parameters kept encoded, its data octets read
// when they are one octet-aligned EXTERNAL); any other body part is kept
// encoded and written back unchanged. Heading extensions and the IPN's
// extensions are kept encoded too. No mapping here: see mapping.hpp.
#pragma once

#include "x400/ber.hpp"
#include "x400/p1.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace x400gw::x400::p22 {

// IPMIdentifier ::= [APPLICATION 11] SET { user ORName OPTIONAL,
//                                          user-relative-identifier LocalIPMIdentifier }
struct ipm_identifier {
    std::optional<p1::or_name> user;
    std::string user_relative_identifier;            // PrintableString SIZE (0..64)
    friend bool operator==(ipm_identifier const&, ipm_identifier const&) = default;
};

// ORDescriptor ::= SET { formal-name ORName OPTIONAL, free-form-name [0] FreeFormName OPTIONAL,
//                        telephone-number [1] TelephoneNumber OPTIONAL }
struct or_descriptor {
    std::optional<p1::or_name> formal_name;
    std::optional<std::string> free_form_name;       // TeletexString, octets as received
    std::optional<std::string> telephone_number;     // PrintableString
    friend bool operator==(or_descriptor const&, or_descriptor const&) = default;
};

// NotificationRequests bits.
namespace notification {
inline constexpr std::size_t rn = 0, nrn = 1, ipm_return = 2, an_supported = 3, suppress_an = 4;
}

struct recipient_specifier {
    or_descriptor recipient;                         // [0]
    ber::bit_string notification_requests;           // [1] DEFAULT {}
    bool reply_requested = false;                    // [2] DEFAULT FALSE
    std::optional<std::string> recipient_extensions; // [3], encoded
    friend bool operator==(recipient_specifier const&, recipient_specifier const&) = default;
};

enum class importance : std::int64_t { low = 0, normal = 1, high = 2 };
enum class sensitivity : std::int64_t { personal = 1, private_ = 2, company_confidential = 3 };

struct heading_extension {
    ber::oid type;
    std::string value;                               // the value's TLV; empty: DEFAULT NULL
    friend bool operator==(heading_extension const&, heading_extension const&) = default;
};

struct heading {
    ipm_identifier this_ipm;
    std::optional<or_descriptor> originator;                     // [0]
    std::vector<or_descriptor> authorizing_users;                // [1]
    std::vector<recipient_specifier> primary_recipients;         // [2]
    std::vector<recipient_specifier> copy_recipients;            // [3]
    std::optional<std::vector<recipient_specifier>> blind_copy_recipients; // [4]
    std::optional<ipm_identifier> replied_to_ipm;                // [5]
    std::vector<ipm_identifier> obsoleted_ipms;                  // [6]
    std::vector<ipm_identifier> related_ipms;                    // [7]
    std::optional<std::string> subject;                          // [8] EXPLICIT TeletexString
    std::optional<ber::time_value> expiry_time;                  // [9]
    std::optional<ber::time_value> reply_time;                   // [10]
    std::optional<std::vector<or_descriptor>> reply_recipients;  // [11]
    p22::importance importance = p22::importance::normal;        // [12]
    std::optional<p22::sensitivity> sensitivity;                 // [13]
    bool auto_forwarded = false;                                 // [14]
    std::vector<heading_extension> extensions;                   // [15]
    friend bool operator==(heading const&, heading const&) = default;
};

// Repertoire of ia5-text: ita2(2), ia5(5).
struct ia5_text {
    std::int64_t repertoire = 5;
    std::string text;                                // IA5String
    friend bool operator==(ia5_text const&, ia5_text const&) = default;
};

struct teletex {
    std::optional<std::int64_t> number_of_pages;
    bool telex_compatible = false;
    std::optional<std::string> non_basic_parameters;     // [1], encoded
    std::vector<std::string> pages;                      // SEQUENCE OF TeletexString
    friend bool operator==(teletex const&, teletex const&) = default;
};

struct g3_facsimile {
    std::optional<std::int64_t> number_of_pages;
    std::optional<ber::bit_string> non_basic_parameters;
    std::vector<ber::bit_string> pages;                  // SEQUENCE OF BIT STRING
    friend bool operator==(g3_facsimile const&, g3_facsimile const&) = default;
};

struct bilaterally_defined {
    std::string octets;
    friend bool operator==(bilaterally_defined const&, bilaterally_defined const&) = default;
};

struct nationally_defined {
    std::string value;                                   // the TLV inside [7]
    friend bool operator==(nationally_defined const&, nationally_defined const&) = default;
};

// X.420 annex E: general-text. Parameters: the ISO 2375 registration
// numbers of the character sets (GeneralTextParameters ::= SET OF
// CharacterSetRegistration); data: GeneralString.
struct general_text {
    std::vector<std::int64_t> character_sets;
    std::string text;
    friend bool operator==(general_text const&, general_text const&) = default;
};

// The FileTransferParameters RFC 2157 and RFC 2183 have a place for:
// contents-type's document type, and of file-attributes the pathname (its
// last element), permitted-actions, the dates of creation, last
// modification and last read access, and object-size (each the
// actual-values choice; no-value-available reads as absent).
struct file_attributes {
    std::optional<std::string> file_name;                // GraphicString
    std::optional<ber::oid> document_type;               // contents-type [1] document-type [0]
    std::optional<ber::bit_string> permitted_actions;    // [1] ISO 8571 Permitted-Actions
    std::optional<ber::time_value> creation_time;        // [4] date-and-time-of-creation
    std::optional<ber::time_value> modification_time;    // [5] date-and-time-of-last-modification
    std::optional<ber::time_value> read_time;            // [6] date-and-time-of-last-read-access
    std::optional<std::int64_t> size;                    // [13] object-size
    friend bool operator==(file_attributes const&, file_attributes const&) = default;
    bool empty() const { return *this == file_attributes{}; }
};

// The file transfer body part (X.420 annex E, FileTransferParameters and
// FileTransferData ::= SEQUENCE OF EXTERNAL). The parameters are kept as
// they arrived (written back unchanged); `attributes` is what x400gw reads
// of them, and `other_parameters` whether they hold anything more
// (related-stored-file, environment, compression, other file attributes,
// extensions).
struct file_transfer {
    std::optional<std::string> parameters;               // FileTransferParameters, encoded
    std::optional<std::string> file_name;                // = attributes.file_name
    file_attributes attributes;
    bool other_parameters = false;
    std::vector<ber::external> data;
    friend bool operator==(file_transfer const&, file_transfer const&) = default;
};

// A body part x400gw keeps as it arrived (videotex, encrypted, mixed-mode,
// other extended types, ...). `kind` names it for the describe output.
struct opaque_body_part {
    std::string kind;
    std::string encoded;
    friend bool operator==(opaque_body_part const&, opaque_body_part const&) = default;
};

struct ipm;

struct message_body_part {
    std::optional<ber::time_value> delivery_time;        // parameters [0]
    std::optional<std::string> delivery_envelope;        // parameters [1], encoded
    std::vector<struct ipm> data;                         // exactly one IPM (a vector for the recursion)
    friend bool operator==(message_body_part const&, message_body_part const&);
};

using body_part = std::variant<ia5_text, teletex, g3_facsimile, bilaterally_defined, nationally_defined,
                               general_text, file_transfer, message_body_part, opaque_body_part>;

struct ipm {
    p22::heading heading;
    std::vector<body_part> body;
    friend bool operator==(ipm const&, ipm const&) = default;
};

inline bool operator==(message_body_part const& a, message_body_part const& b)
{
    return a.delivery_time == b.delivery_time && a.delivery_envelope == b.delivery_envelope && a.data == b.data;
}

// IPN (X.420 7.3).
enum class non_receipt_reason : std::int64_t { ipm_discarded = 0, ipm_auto_forwarded = 1 };
enum class discard_reason : std::int64_t { ipm_expired = 0, ipm_obsoleted = 1, user_subscription_terminated = 2 };

struct non_receipt_fields {
    std::int64_t reason = 0;                             // [0]
    std::optional<std::int64_t> discard;                 // [1]
    std::optional<std::string> auto_forward_comment;     // [2] PrintableString
    std::optional<std::string> returned_ipm;             // [3], encoded (an IPM)
    friend bool operator==(non_receipt_fields const&, non_receipt_fields const&) = default;
};

struct receipt_fields {
    ber::time_value receipt_time;                        // [0]
    std::int64_t acknowledgment_mode = 0;                // [1] manual(0) DEFAULT, automatic(1)
    std::optional<std::string> supplementary_information; // [2]
    friend bool operator==(receipt_fields const&, receipt_fields const&) = default;
};

struct ipn {
    ipm_identifier subject_ipm;
    std::optional<or_descriptor> ipn_originator;         // [1]
    std::optional<or_descriptor> ipm_intended_recipient; // [2]
    std::optional<p1::encoded_information_types> conversion_eits;
    std::optional<std::string> notification_extensions;  // [3], encoded
    std::variant<non_receipt_fields, receipt_fields, std::string> fields; // string: other-notification-type-fields, encoded
    friend bool operator==(ipn const&, ipn const&) = default;
};

// InformationObject ::= CHOICE { ipm [0] IPM, ipn [1] IPN }
using information_object = std::variant<ipm, ipn>;

addressing::result<information_object, ber::error> decode(ber::bytes input, ber::limits const& limits = {});
// FileTransferParameters naming one file (file-attributes, incomplete pathname).
std::string file_transfer_parameters(std::string_view file_name);
// FileTransferParameters with the given attributes (contents-type only
// when a document type is given; file-attributes when any other is).
std::string file_transfer_parameters(file_attributes const& a);
// Reads FileTransferParameters; `other` is set when they hold more than
// file_attributes has a place for. nullopt when they are not a SEQUENCE.
std::optional<file_attributes> read_file_transfer_parameters(std::string_view encoded, bool& other,
                                                             ber::limits const& limits = {});
inline constexpr char const* oid_ftam_unstructured_text = "1.0.8571.5.1";   // FTAM-1
inline constexpr char const* oid_ftam_unstructured_binary = "1.0.8571.5.3"; // FTAM-3
std::string encode(information_object const& content);

inline constexpr char const* oid_general_text_data = "2.6.1.4.11";    // id-et-general-text
inline constexpr char const* oid_general_text_parameters = "2.6.1.11.11"; // id-ep-general-text
inline constexpr char const* oid_file_transfer_data = "2.6.1.4.12";    // id-et-file-transfer
inline constexpr char const* oid_file_transfer_parameters = "2.6.1.11.12"; // id-ep-file-transfer

std::string_view importance_name(importance i) noexcept;
std::string_view sensitivity_name(sensitivity s) noexcept;

} // namespace x400gw::x400::p22
