#!/usr/bin/python3
"""Generates the MIME test corpus's torture cases.

  gen_cases.py small DIR     the small defect cases (committed under cases/)
  gen_cases.py torture DIR   the huge ones, written at test time, never committed

Each case is named after the defect it shows. Line ends are written
explicitly, so the file's bytes are exactly what the case is about.
"""
import base64
import os
import sys

CRLF = b"\r\n"


def msg(*lines, eol=CRLF, final=True):
    out = eol.join(l if isinstance(l, bytes) else l.encode() for l in lines)
    return out + (eol if final else b"")


def small_cases():
    c = {}
    top = ["From: Ann Lee <ann@example.com>", "To: bob@example.org", "Subject: test",
           "Date: Mon, 23 Nov 2026 10:00:00 +0000", "Message-ID: <case@example.com>"]
    mv = "MIME-Version: 1.0"

    # The Exchange connector incident: a part with nothing after the colon.
    c["empty-content-type"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="b1"', "",
                                  "--b1", "Content-Type: text/plain; charset=us-ascii", "", "first part",
                                  "--b1", "Content-Type:", "", "second part, empty Content-Type",
                                  "--b1--")
    c["empty-content-type-top"] = msg(*top, mv, "Content-Type:   ", "", "body")
    c["whitespace-content-type-folded"] = msg(*top, mv, "Content-Type:", " ", "", "body")
    c["clean-text"] = msg(*top, mv, "Content-Type: text/plain; charset=us-ascii", "",
                          *["A clean line of text number %d." % i for i in range(20)])
    c["clean-multipart"] = msg(*top, mv, 'Content-Type: multipart/alternative; boundary="alt"', "",
                               "This is a multi-part message in MIME format.",
                               "--alt", "Content-Type: text/plain; charset=utf-8",
                               "Content-Transfer-Encoding: quoted-printable", "", "caf=C3=A9",
                               "--alt", "Content-Type: text/html; charset=utf-8",
                               "Content-Transfer-Encoding: base64", "",
                               "PGh0bWw+PGJvZHk+Y2Fmw6k8L2JvZHk+PC9odG1sPg==", "--alt--", "")
    c["no-mime-headers"] = msg(*top, "", "Plain RFC 5322 message without MIME fields.")
    c["bare-lf"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="lf"', "", "--lf",
                       "Content-Type: text/plain", "", "line one", "line two", "--lf--", eol=b"\n")
    c["bare-cr"] = msg(*top, mv, "Content-Type: text/plain", "", "old mac line one", "line two",
                       eol=b"\r")
    c["mixed-line-ends"] = (b"Subject: mixed\r\nMIME-Version: 1.0\nContent-Type: text/plain\r\n\r\n"
                            b"crlf\r\nlf\ncr\rend")
    c["missing-boundary"] = msg(*top, mv, "Content-Type: multipart/mixed", "",
                                "--x", "Content-Type: text/plain", "", "the whole body is one part", "--x--")
    c["boundary-not-found"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="nothere"', "",
                                  "--other", "Content-Type: text/plain", "", "text", "--other--")
    c["unterminated-multipart"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="u"', "",
                                      "--u", "Content-Type: text/plain", "", "one", "--u",
                                      "Content-Type: text/plain", "", "two, and then the end")
    # Truncated after a delimiter, with no line end: no part follows it
    # (IMAP servers read it so), and the multipart is closed.
    c["delimiter-at-end-of-input"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="t"', "",
                                         "--t", "Content-Type: text/plain", "", "the only part", "--t",
                                         final=False)
    c["empty-multipart"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="e"', "", "--e--")
    c["header-no-colon"] = msg("From: a@example.com", "This line has no colon", "Subject: x", mv,
                               "Content-Type: text/plain", "", "body")
    c["header-space-before-colon"] = msg("From : a@example.com", "Subject\t: spaced", mv,
                                         "Content-Type : text/plain", "", "body")
    c["header-starts-with-space"] = msg(" leading continuation", "From: a@example.com", mv,
                                        "Content-Type: text/plain", "", "body")
    c["duplicate-content-type"] = msg(*top, mv, "Content-Type: text/plain; charset=utf-8",
                                      "Content-Type: text/html", "", "the first wins")
    c["duplicate-cte"] = msg(*top, mv, "Content-Type: text/plain", "Content-Transfer-Encoding: base64",
                             "Content-Transfer-Encoding: 7bit", "", "aGVsbG8=")
    c["unknown-cte"] = msg(*top, mv, "Content-Type: application/octet-stream",
                           "Content-Transfer-Encoding: x-uuencode", "", "begin 644 a.txt",
                           "#:&5L;&\\*", "`", "end")
    c["binary-cte"] = msg(*top, mv, "Content-Type: application/octet-stream",
                          "Content-Transfer-Encoding: binary", "", b"\x00\x01\x02\xff binary\nbare lf")
    c["invalid-base64"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="b"', "", "--b",
                              "Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "",
                              "SGVsbG8*gd29y!bGQ=extra", "--b", "Content-Type: text/plain",
                              "Content-Transfer-Encoding: base64", "", "VHJ1bmNhdGVk", "VHJ", "--b--")
    c["invalid-qp"] = msg(*top, mv, "Content-Type: text/plain; charset=iso-8859-1",
                          "Content-Transfer-Encoding: quoted-printable", "",
                          "bad =ZZ escape, lower =e9 hex, trailing space ", "soft break at end=",
                          final=False)
    c["long-base64-lines"] = msg(*top, mv, "Content-Type: application/octet-stream",
                                 "Content-Transfer-Encoding: base64", "", "QUJD" * 60)
    c["nul-octets"] = msg(*top, b"X-Nul: a\x00b", mv, "Content-Type: text/plain", "",
                          b"text with \x00 NUL", b"and more\x00")
    c["eight-bit-everywhere"] = msg(b"From: J\xc3\xbcrgen <j@example.com>",
                                    b"Subject: Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln", "To: x@example.org", mv,
                                    b'Content-Type: text/plain; charset=utf-8; name="r\xc3\xa9sum\xc3\xa9.txt"',
                                    b'Content-Disposition: attachment; filename="r\xc3\xa9sum\xc3\xa9.txt"',
                                    "", b"caf\xc3\xa9 cr\xc3\xa8me", b"na\xefve latin-1")
    c["eight-bit-labelled-8bit"] = msg(*top, mv, "Content-Type: text/plain; charset=utf-8",
                                       "Content-Transfer-Encoding: 8bit", "", b"\xc3\xa9t\xc3\xa9")
    c["rfc2231-params"] = msg(*top, mv, 'Content-Type: application/octet-stream;',
                              " name*1=\"-part-two\"; name*0=\"part-one\";",
                              " title*=us-ascii'en'This%20is%20%2A%2A%2Afun%2A%2A%2A;",
                              " gap*0=a; gap*2=c",
                              'Content-Disposition: attachment; filename*=utf-8\'\'%C3%A9t%C3%A9.txt',
                              "", "data")
    c["rfc2047-in-param"] = msg(*top, mv, 'Content-Type: text/plain; name="=?utf-8?B?w6l0w6kudHh0?="',
                                "", "data")
    c["comments-in-content-type"] = msg(*top, mv,
                                        "Content-Type: text/plain (plain (nested) text); charset=us-ascii (ascii)",
                                        "", "data")
    c["content-type-garbage"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="g"', "",
                                    "--g", "Content-Type: text", "", "no subtype",
                                    "--g", "Content-Type: /plain", "", "no type",
                                    "--g", "Content-Type: ??? garbage ???", "", "garbage",
                                    "--g", b"Content-Type: t\xe9xt/plain", "", "8-bit type",
                                    "--g", "Content-Type: text/plain; charset=\"unterminated", "", "unterminated quote",
                                    "--g--")
    # An invalid type's parameters stay with the RFC 2045 default: the
    # charset of the text, the name of an attachment.
    c["content-type-invalid-params"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="g"', "",
                                           "--g", "Content-Type: text; charset=iso-8859-1", "",
                                           b"caf\xe9 cr\xe8me",
                                           "--g", 'Content-Type: BINARY; name="report.bin"',
                                           "Content-Transfer-Encoding: base64", "", "AAECAwQF",
                                           "--g", 'Content-Type: application-x-gzip; name="document.xml.gz"', "",
                                           "blah blah blah",
                                           "--g--")
    c["nested-prefix-boundary"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="outer"', "",
                                      "--outer", 'Content-Type: multipart/alternative; boundary="outer-inner"', "",
                                      "--outer-inner", "Content-Type: text/plain", "", "inner one",
                                      "--outer-inner", "Content-Type: text/plain", "", "inner two, never closed",
                                      "--outer", "Content-Type: text/plain", "", "outer two", "--outer--")
    c["same-boundary-nested"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="same"', "",
                                    "--same", 'Content-Type: multipart/alternative; boundary="same"', "",
                                    "--same", "Content-Type: text/plain", "", "inner", "--same--",
                                    "--same", "Content-Type: text/plain", "", "after", "--same--")
    c["boundary-junk-and-padding"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="p"', "",
                                         "--p   \t", "Content-Type: text/plain", "", "padded",
                                         "--p junk after", "Content-Type: text/plain", "", "junk",
                                         "--p--  ")
    c["invalid-boundary"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="bad<>boundary' + "x" * 80 + '"',
                                "", "--bad<>boundary" + "x" * 80, "Content-Type: text/plain", "", "text",
                                "--bad<>boundary" + "x" * 80 + "--")
    c["message-rfc822"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="m"', "",
                              "--m", "Content-Type: text/plain", "", "see attached",
                              "--m", "Content-Type: message/rfc822", "",
                              'From: "Lee, Carol" <carol@example.net>, dave@example.net',
                              "To: undisclosed-recipients:;", "Cc: team: eve@example.net, frank@example.net;",
                              "Subject: inner", "Message-ID: <inner@example.net>", "MIME-Version: 1.0",
                              "Content-Type: text/plain", "", "inner body", "--m--")
    c["message-rfc822-base64"] = msg(*top, mv, "Content-Type: message/rfc822",
                                     "Content-Transfer-Encoding: base64", "",
                                     "U3ViamVjdDogaW5uZXINCg0KaW5uZXIgYm9keQ0K")
    c["multipart-base64"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="z"',
                                "Content-Transfer-Encoding: base64", "", "LS16DQoNCmhpDQotLXotLQ0K")
    c["digest-defaults"] = msg(*top, mv, 'Content-Type: multipart/digest; boundary="d"', "",
                               "--d", "", "Subject: one", "", "first digest entry",
                               "--d", "Content-Type:", "", "Subject: two", "", "second, empty Content-Type",
                               "--d--")
    c["long-lines"] = msg(*top, "X-Long: " + " ".join(["word"] * 400), "X-Unbreakable: " + "y" * 1500, mv,
                          "Content-Type: text/plain", "", "z" * 2500, "short")
    c["empty"] = b""
    c["headers-only-no-separator"] = msg("Subject: only headers", "From: a@example.com", final=False)
    c["body-without-header"] = b"\r\njust a body, no header at all\r\n"
    c["nested-message-in-digest"] = msg(*top, mv, 'Content-Type: multipart/digest; boundary="dd"', "",
                                        "--dd", "", 'Content-Type: multipart/mixed; boundary="in"', "Subject: n", "",
                                        "--in", "Content-Type: text/plain", "", "deep", "--in--", "--dd--")
    c["qp-8bit-raw"] = msg(*top, mv, "Content-Type: text/plain; charset=iso-8859-1",
                           "Content-Transfer-Encoding: quoted-printable", "", b"raw \xe9 in qp", "ok=3D")
    c["mime-version-wrong"] = msg("Subject: v", "MIME-Version: 2.0", "MIME-Version: 1.0",
                                  "Content-Type: text/plain", "", "x")
    c["too-many-params"] = msg(*top, mv, "Content-Type: text/plain; " + "; ".join("p%d=v" % i for i in range(100)),
                               "", "x")
    c["dsn-multipart-report"] = msg("From: MAILER-DAEMON@gw.example", "To: a@example.com",
                                    "Subject: Undelivered Mail Returned to Sender", mv,
                                    'Content-Type: multipart/report; report-type=delivery-status; boundary="r"', "",
                                    "--r", "Content-Type: text/plain; charset=us-ascii", "",
                                    "Your message could not be delivered.",
                                    "--r", "Content-Type: message/delivery-status", "",
                                    "Reporting-MTA: dns; gw.example", "", "Final-Recipient: rfc822; x@example.org",
                                    "Action: failed", "Status: 5.1.1",
                                    "--r", "Content-Type: text/rfc822-headers", "",
                                    "From: a@example.com", "Subject: original",
                                    "--r--")
    c["message-unknown-subtype-base64"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="u"', "",
                                              "--u", "Content-Type: message/partial; id=x; number=1",
                                              "Content-Transfer-Encoding: base64", "", "U3ViamVjdDogcGFydGlhbA0KDQpib2R5",
                                              "--u--")
    fidelity_cases(c, top, mv)
    return c


def b64(data, width=76):
    e = base64.b64encode(data).decode()
    return [e[i:i + width] for i in range(0, len(e), width)] or [""]


def fidelity_cases(c, top, mv):
    """Issue 12's four classes and their neighbours: message/* leaves keep
    their type; a 7-bit downgrade leaves no 8-bit octet whatever the tree;
    no body line starts with a boundary of an enclosing multipart;
    base64 or quoted-printable on a composite keeps the nested content."""
    report = 'Content-Type: multipart/report; report-type=delivery-status; boundary="rep"'
    status = ["Reporting-MTA: dns; mx.example.org", "Arrival-Date: Mon, 23 Nov 2026 10:00:00 +0000", "",
              "Final-Recipient: rfc822; bob@example.org", "Action: failed", "Status: 5.1.1",
              "Diagnostic-Code: smtp; 550 5.1.1 user unknown"]

    # 1. message/* leaves keep their type.
    c["dsn-bare-lf"] = msg("From: MAILER-DAEMON@example.org", "To: ann@example.com", "Subject: failure", mv,
                           report, "", "--rep", "Content-Type: text/plain", "", "could not deliver",
                           "--rep", "Content-Type: message/delivery-status", "", *status,
                           "--rep", "Content-Type: text/rfc822-headers", "", "Subject: original",
                           "--rep--", eol=b"\n")
    c["dsn-status-part-bare-lf"] = msg(*top, mv, report, "", "--rep", "Content-Type: text/plain", "", "failed",
                                       "--rep", "Content-Type: message/delivery-status", "",
                                       "\n".join(status) + "\n", "--rep--")
    leaves = ["delivery-status", "disposition-notification", "partial; id=\"p1@x\"; number=1; total=2",
              "external-body; access-type=local-file; name=\"/tmp/x\"", "rfc822-headers", "global-headers",
              "global-delivery-status", "global-disposition-notification", "feedback-report", "x-unknown"]
    for name, eol in (("lf", "\n"), ("cr", "\r")):
        lines = [mv, 'Content-Type: multipart/mixed; boundary="ml"', ""]
        for sub in leaves:
            lines += ["--ml", "Content-Type: message/" + sub, "",
                      eol.join(["Field-One: value one", "Field-Two: " + sub.split(";")[0], ""])]
        lines.append("--ml--")
        c["message-leaves-bare-" + name] = msg(*top, *lines)
    c["message-leaf-no-final-eol"] = msg(*top, mv, "Content-Type: message/delivery-status", "",
                                         "Reporting-MTA: dns; mx.example.org", "",
                                         "Final-Recipient: rfc822; bob@example.org", "Action: failed",
                                         final=False)
    c["message-leaf-unterminated"] = msg(*top, mv, report, "", "--rep", "Content-Type: text/plain", "", "x",
                                         "--rep", "Content-Type: message/disposition-notification", "",
                                         "Final-Recipient: rfc822; bob@example.org",
                                         "Disposition: manual-action/MDN-sent-manually; displayed", final=False)
    c["message-leaf-long-lines"] = msg(*top, mv, report, "", "--rep", "Content-Type: message/delivery-status", "",
                                       "Reporting-MTA: dns; mx.example.org", "",
                                       "Final-Recipient: rfc822; bob@example.org", "Action: failed",
                                       "Diagnostic-Code: smtp; 550 " + " ".join(["word%d" % i for i in range(300)]),
                                       "--rep", "Content-Type: message/delivery-status", "",
                                       "Diagnostic-Code: x-unbroken; " + "z" * 1200,
                                       "--rep", "Content-Type: message/external-body; access-type=x-long", "",
                                       "Content-Type: text/plain", "", "q" * 1100,
                                       "--rep--")
    # UTF-8 recipients in a report's 7-bit form (RFC 6533 utf-8-addr-xtext):
    # the type stays with --7bit; 8-bit text elsewhere still makes it opaque.
    c["dsn-utf8-recipients"] = msg(*top, mv, report, "", "--rep", "Content-Type: text/plain", "", "failed",
                                   "--rep", "Content-Type: message/delivery-status", "",
                                   "Reporting-MTA: dns; mx.example.org", "",
                                   b"Original-Recipient: utf-8; j\xc3\xbcrgen+x=y@b\xc3\xbccher.example",
                                   b"Final-Recipient: rfc822; \xe8\xaa\xac\xe6\x98\x8e@example.org",
                                   "Action: failed", "Status: 5.1.1", "",
                                   b"Final-Recipient: utf-8; ann\\x{E9}@example.org", "Action: delivered",
                                   "--rep", "Content-Type: message/disposition-notification", "",
                                   b"Final-Recipient: rfc822; j\xc3\xbcrgen@example.org",
                                   "Disposition: manual-action/MDN-sent-manually; displayed",
                                   "--rep", "Content-Type: message/delivery-status", "",
                                   b"Final-Recipient: utf-8; j\xc3\xbcrgen@example.org", "Action: failed",
                                   b"Diagnostic-Code: smtp; 550 Benutzer unbekannt: J\xc3\xbcrgen",
                                   "--rep--")
    # Text in UTF-16 and UTF-32 is octets: its 0D and 0A are halves of
    # characters, never line ends.
    c["text-wide-charset"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="w"', "",
                                 "--w", "Content-Type: text/plain; charset=utf-16le",
                                 "Content-Transfer-Encoding: binary", "",
                                 "Test\nmessage\r\n".encode("utf-16-le"),
                                 "--w", 'Content-Type: text/plain; charset="utf-16"', "",
                                 "Gr\u00fc\u00dfe\n".encode("utf-16"),
                                 "--w", "Content-Type: text/plain; charset=UTF-32BE",
                                 "Content-Transfer-Encoding: 8bit", "",
                                 "a\rb\r\n".encode("utf-32-be"),
                                 "--w--")
    # RFC 2231's charset on a later segment than the first: a prefix.
    c["rfc2231-late-charset"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="r"', "",
                                    "--r", "Content-Type: text/plain", "", "see the attachment",
                                    "--r", 'Content-Type: image/gif; name*1="about "; name*0="Book ";',
                                    "              name*2*=utf-8''%e2%98%95 tables.gif",
                                    "Content-Transfer-Encoding: base64", "",
                                    "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "--r--")
    # Written as application/octet-stream, a part keeps its name.
    c["opaque-keeps-name"] = msg(*top, mv, report, "", "--rep", "Content-Type: text/plain", "", "failed",
                                 "--rep", 'Content-Type: message/delivery-status; name="status.txt"', "",
                                 b"Reporting-MTA: dns; mx\x00.example.org", "",
                                 "Final-Recipient: rfc822; bob@example.org", "Action: failed",
                                 "--rep", 'Content-Type: message/rfc822; name="returned.eml"',
                                 "Content-Transfer-Encoding: x-uuencode", "",
                                 "begin 644 returned.eml", "`", "end",
                                 "--rep--")
    # Nested messages without MIME-Version (RFC 2045 4): a multipart, an
    # HTML one, a second and a wrong MIME-Version, and 8-bit text that a
    # 7-bit hop gets in base64. Each leaves saying MIME-Version: 1.0 once;
    # a body part that says another version says 1.0.
    c["nested-message-no-mime-version"] = msg(
        *top, mv, 'Content-Type: multipart/mixed; boundary="o"', "",
        "--o", "Content-Type: message/rfc822", "",
        "Subject: a forwarded multipart", 'Content-Type: multipart/alternative; boundary="i"', "",
        "--i", "Content-Type: text/plain", "", "plain", "--i", "Content-Type: text/html", "", "<p>html</p>", "--i--",
        "--o", "Content-Type: message/rfc822", "",
        "Subject: html", "Content-Type: text/html; charset=utf-8", "", "<p>only html</p>",
        "--o", "Content-Type: message/rfc822", "",
        "Subject: twice", "MIME-Version: 1.0", "MIME-Version: 1.0", "", "two MIME-Version fields",
        "--o", "Content-Type: message/rfc822", "",
        "Subject: wrong", "MIME-Version: 2.0", "", "a version that is not 1.0",
        "--o", "Content-Type: message/rfc822", "",
        "Subject: 8-bit", "", b"Gr\xfc\xdfe aus K\xf6ln",
        "--o", "Content-Type: text/html", "MIME-Version: 2.0", "", "<p>a body part's own version</p>",
        "--o--")
    c["message-leaf-8bit"] = msg(*top, mv, report, "", "--rep", "Content-Type: message/delivery-status", "",
                                 "Reporting-MTA: dns; mx.example.org", "",
                                 b"Final-Recipient: rfc822; bob@example.org", b"Action: failed",
                                 b"Diagnostic-Code: smtp; 550 Benutzer unbekannt: J\xc3\xbcrgen",
                                 "--rep", "Content-Type: message/global-delivery-status", "",
                                 b"Final-Recipient: utf-8; j\xc3\xbcrgen@example.org", b"Action: failed",
                                 "--rep", "Content-Type: message/global-headers", "",
                                 b"Subject: Gr\xc3\xbc\xc3\x9fe",
                                 "--rep", "Content-Type: message/partial; id=\"q\"; number=2",
                                 "Content-Transfer-Encoding: 8bit", "", b"tail of a message \xe9", "--rep--")
    c["message-leaf-nul"] = msg(*top, mv, report, "", "--rep", "Content-Type: message/delivery-status", "",
                                b"Reporting-MTA: dns; mx\x00.example.org", "", "Action: failed",
                                "--rep", "Content-Type: message/global-headers", "", b"Subject: a\x00b", "--rep--")
    c["message-leaf-encoded"] = msg(*top, mv, report, "", "--rep", "Content-Type: message/delivery-status",
                                    "Content-Transfer-Encoding: base64", "",
                                    *b64("\r\n".join(status).encode() + b"\r\n"),
                                    "--rep", "Content-Type: message/disposition-notification",
                                    "Content-Transfer-Encoding: quoted-printable", "",
                                    "Final-Recipient: rfc822; bob@example.org",
                                    "Disposition: automatic-action/MDN-sent-automatically; dele=",
                                    "ted",
                                    "--rep", "Content-Type: message/delivery-status",
                                    "Content-Transfer-Encoding: base64", "",
                                    *b64(b"Reporting-MTA: dns; a\nAction: failed\n"),
                                    "--rep", "Content-Type: message/global-delivery-status",
                                    "Content-Transfer-Encoding: base64", "",
                                    *b64("Final-Recipient: utf-8; j\u00fcrgen@example.org\r\n".encode()),
                                    "--rep", "Content-Type: message/delivery-status",
                                    "Content-Transfer-Encoding: base64", "",
                                    *b64(b"Binary: \x00\x01\x02\xff\r\n"),
                                    "--rep--")
    c["message-partial-cte"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="pc"', "",
                                   "--pc", "Content-Type: message/partial; id=\"a\"; number=1; total=3",
                                   "Content-Transfer-Encoding: 8bit", "", "Subject: part one", "", "7-bit text",
                                   "--pc", "Content-Type: message/partial; id=\"a\"; number=2; total=3",
                                   "Content-Transfer-Encoding: binary", "", "more 7-bit text",
                                   "--pc", "Content-Type: message/partial; id=\"a\"; number=3; total=3",
                                   "Content-Transfer-Encoding: base64", "", *b64(b"the end\r\n"),
                                   "--pc", "Content-Type: message/external-body; access-type=URL;",
                                   ' URL="http://example.org/x"', "Content-Transfer-Encoding: quoted-printable", "",
                                   "Content-Type: text/plain", "", "--pc--")
    c["message-global-encoded"] = msg(*top, mv, "Content-Type: message/global", "Content-Transfer-Encoding: base64",
                                      "", *b64("Subject: Gr\u00fc\u00dfe\r\nMIME-Version: 1.0\r\n"
                                               "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                                               "K\u00f6ln inner text\r\n".encode()))

    # 2. After a 7-bit downgrade no entity declares or contains 8bit.
    c["unknown-cte-8bit"] = msg(*top, mv, "Content-Type: text/plain; charset=iso-8859-1",
                                "Content-Transfer-Encoding: x-latin", "", b"caf\xe9 au lait")
    c["no-mime-version-8bit"] = msg(*top, "", b"Gr\xfc\xdfe, no MIME at all", b"line two \xe9")
    c["broken-boundary-8bit"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="zz"', "",
                                    "--yy", "Content-Type: text/plain; charset=utf-8", "", b"caf\xc3\xa9",
                                    "--yy--")
    c["missing-boundary-8bit"] = msg(*top, mv, "Content-Type: multipart/alternative", "",
                                     b"\xe9t\xe9", "--q", "Content-Type: text/plain", "", b"na\xefve")
    c["junk-boundary-8bit"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="j"', "",
                                  b"pre\xe9amble", "--j junk", "Content-Type: text/plain", "", b"one \xe9",
                                  "--j", b"Content-Type: text/plain; name=\"\xe9.txt\"",
                                  "Content-Transfer-Encoding: 7bit", "", b"two \xe9", "--j--", b"epilogue \xe9")
    c["eight-bit-nested-headers"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="n8"', "",
                                        "--n8", "Content-Type: message/rfc822", "",
                                        b"From: J\xc3\xbcrgen <j@example.org>", b"Subject: Gr\xc3\xbc\xc3\x9fe",
                                        b"X-T\xe9st: field name with 8 bit", b"No colon \xe9 line",
                                        b"Content-Type: text/plain; charset=\"utf-8\"; x-note=\"\xc3\xa9\"", "",
                                        b"K\xc3\xb6ln",
                                        "--n8", b"Content-Type: text/plain; charset=utf-8", b"Content-Description: \xe9",
                                        b"Content-Disposition: inline; filename=\xc3\xa9.txt", "", "ascii",
                                        "--n8--")
    c["duplicate-cte-8bit"] = msg(*top, mv, "Content-Type: text/plain", "Content-Transfer-Encoding: 7bit",
                                  "Content-Transfer-Encoding: 8bit", "", b"\xe9t\xe9")
    c["binary-text-8bit"] = msg(*top, mv, "Content-Type: text/plain; charset=utf-8",
                                "Content-Transfer-Encoding: binary", "", b"\xc3\xa9t\xc3\xa9 line", b"two")
    c["cte-8bit-ascii"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="a8"',
                              "Content-Transfer-Encoding: 8bit", "", "--a8", "Content-Type: text/plain",
                              "Content-Transfer-Encoding: 8bit", "", "only ASCII here", "--a8",
                              "Content-Type: message/rfc822", "Content-Transfer-Encoding: 8BIT", "",
                              "Subject: inner", "Content-Transfer-Encoding: 8bit", "", "ASCII too", "--a8--")
    c["composite-8bit-label"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="c8"',
                                    "Content-Transfer-Encoding: binary", "", "--c8",
                                    "Content-Type: message/rfc822", "Content-Transfer-Encoding: 7bit", "",
                                    "Subject: inner", "", b"8-bit in a 7bit message \xff", "--c8--")

    # 3. No body line starts with a boundary of an enclosing multipart.
    c["boundary-in-qp-line"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="frontier"', "",
                                   "--frontier", "Content-Type: text/plain",
                                   "Content-Transfer-Encoding: quoted-printable", "",
                                   "a line, then one a reader takes for a delimiter:", "--frontier-notes =3D x",
                                   "--frontier", "Content-Type: text/plain", "", "--frontierless 7bit line",
                                   "--frontier--")
    c["boundary-in-preamble-epilogue"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="edge"', "",
                                             "--edge-of-preamble", "--edge", "Content-Type: text/plain", "",
                                             "text", "--edge--", "--edgewise epilogue")
    c["boundary-in-nested-message"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="out"', "",
                                          "--out", "Content-Type: message/rfc822", "", "Subject: inner", "",
                                          "--outside the inner body", "--out", "Content-Type: text/plain", "",
                                          "last", "--out--")
    c["boundary-in-part-header"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="hh"', "",
                                       "--hh", "--hhx: a field whose name starts with the delimiter",
                                       "Content-Type: text/plain", "", "text", "--hh--")
    # ... nor with the boundary of a multipart that is closed or not yet
    # open: RFC 2046 allows it there, but a reader that takes any line
    # starting with a boundary it has seen for a delimiter splits the part.
    c["boundary-of-closed-multipart"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="outer"', "",
                                            "--outer", "Content-Type: text/plain", "",
                                            "quoting what comes next:", "--inner", "--inner--",
                                            "--outer", 'Content-Type: multipart/alternative; boundary="inner"', "",
                                            "--inner", "Content-Type: text/plain", "", "plain", "--inner",
                                            "Content-Type: text/html", "", "<p>html</p>", "--inner--",
                                            "--outer", "Content-Type: text/plain",
                                            "Content-Transfer-Encoding: quoted-printable", "",
                                            "and what came before:", "--inner", "--inner--", "--outer--")
    c["clean-delimiter-padding"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="pad"', "",
                                       "--pad  \t", "Content-Type: text/plain", "", "padded delimiters are delimiters",
                                       "--pad-- ")
    c["boundary-prefix-of-inner"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="a"', "",
                                        "--a", 'Content-Type: multipart/alternative; boundary="ab"', "",
                                        "--ab", "Content-Type: text/plain", "", "inner", "--ab--",
                                        "--a", "Content-Type: text/plain", "", "outer", "--a--")
    c["boundary-after-soft-break"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="sb"', "",
                                         "--sb", "Content-Type: text/plain",
                                         "Content-Transfer-Encoding: quoted-printable", "",
                                         "soft break then a delimiter-like line=", "--sbx continues",
                                         "--sb--")
    # A boundary not written whole in its field: folded inside its quotes
    # (one reader unfolds it to a space, another keeps the line break), in
    # RFC 2231 sections, or percent-encoded. Each gets a plain one.
    c["boundary-folded"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="fold', ' ed"', "",
                               "pre", "--fold ed", "Content-Type: text/plain", "", "folded", "--fold ed--")
    c["boundary-rfc2231-sections"] = msg(*top, mv, 'Content-Type: multipart/mixed;', ' boundary*0="sec";',
                                         ' boundary*1="tions"', "", "--sections", "Content-Type: text/plain", "",
                                         "in sections", "--sections--")
    c["boundary-percent-encoded"] = msg(*top, mv, "Content-Type: multipart/mixed; boundary*=''pct%2Denc", "",
                                        "--pct-enc", "Content-Type: text/plain", "", "encoded", "--pct-enc--")
    # No empty line between a multipart's header and its first delimiter
    # (a line of text between them, or none): the parts are still found.
    c["header-ends-at-delimiter"] = msg(*top, mv, 'Content-Type: multipart/alternative; boundary="nb"',
                                        "This is a multi-part message in MIME format.", "--nb",
                                        "Content-Type: text/plain", "Content-Transfer-Encoding: quoted-printable", "",
                                        "plain caf=C3=A9", "--nb", "Content-Type: text/html", "", "<p>html</p>",
                                        "--nb--")
    c["part-header-ends-at-delimiter"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="out"', "",
                                             "--out", 'Content-Type: multipart/alternative; boundary="in"', "--in",
                                             "Content-Type: text/plain", "", "inner", "--in--", "--out",
                                             "Content-Type: text/plain", "", "outer", "--out--")
    # A boundary far over RFC 2046's 70 characters: other readers match it,
    # so its parts are found (and it is replaced by a valid one).
    longb = "0123456789abcdefghij'()+_,-./:=? " * 15 + "end"
    c["boundary-very-long"] = msg(*top, mv, f'Content-Type: multipart/mixed; boundary="{longb}"', "", "--" + longb,
                                  "Content-Type: text/plain", "", "first", "--" + longb, "Content-Type: text/html",
                                  "", "<p>second</p>", "--" + longb + "--")

    # A quoted value with text after its closing quote, on a folded line:
    # the value is the quoted string (RFC 2045 5.1); the rest is dropped.
    c["parameter-junk-after-quote"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="jq"', "", "--jq",
                                          b'Content-Disposition: inline; filename="caf\xc3\xa9"', " trailing words",
                                          'Content-Type: image/png; name="x.png" junk', "",
                                          "QUJD", "--jq--")
    # A display name of an encoded word beside raw 8-bit text: the word is
    # kept, the rest encoded (encoded again, the word would read as its
    # own "=?...?=" text).
    c["address-encoded-word-beside-8bit"] = msg(b'From: =?utf-8?q?caf=C3=A9?= "q\xc3\xa9 \\" x" <w@example.com>',
                                                "To: bob@example.org", "Subject: test", mv,
                                                "Content-Type: text/plain; charset=us-ascii", "", "body")
    # A parameter name too long for any line (dropped: no line over 998
    # octets leaves), and a value whose quotes and backslashes would make
    # its quoted form too long (written as RFC 2231 segments instead).
    c["parameter-name-too-long"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="nl"', "", "--nl",
                                       "Content-Type: text/plain; charset=us-ascii; " + "x" * 999 + "=1",
                                       'Content-Disposition: attachment; filename="' + '\\"' * 500 + '"', "",
                                       "text", "--nl--")
    # RFC 2046 5.2.3.7's own example: a parameter whose ';' is missing.
    c["parameter-semicolon-missing"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="ext"', "", "--ext",
                                           "Content-Type: message/external-body;", "    access-type=mail-server",
                                           '    server="listserv@bogus.bitnet";',
                                           '    expiration="Fri, 14 Jun 1991 19:13:14 -0400 (EDT)"', "",
                                           "Content-type: application/postscript", "", "get RFC-MIME.DOC", "",
                                           "--ext--")
    # An empty Content-Transfer-Encoding declares nothing: a report and a
    # multipart keep their type and their parts.
    c["cte-empty-report-multipart"] = msg(*top, mv, 'Content-Type: multipart/report; report-type=delivery-status;',
                                          ' boundary="ce"', "Content-Transfer-Encoding:", "", "--ce",
                                          "Content-Type: text/plain", "", "failed", "--ce",
                                          "Content-Type: message/delivery-status", "Content-Transfer-Encoding: ", "",
                                          "Reporting-MTA: dns; mx.example.com", "",
                                          "Final-Recipient: rfc822; bob@example.org", "Action: failed",
                                          "Status: 5.1.1", "--ce--")

    # 4. base64 or quoted-printable on a composite: the nested content stays.
    inner = ("--in\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
             "nested caf=C3=A9 text\r\n--in\r\nContent-Type: application/octet-stream\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n--in--\r\n").encode()
    c["multipart-base64-nested"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="in"',
                                       "Content-Transfer-Encoding: base64", "", *b64(inner))
    c["message-rfc822-qp"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="o"', "",
                                 "--o", "Content-Type: text/plain", "", "cover",
                                 "--o", "Content-Type: message/rfc822", "Content-Transfer-Encoding: quoted-printable",
                                 "", "Subject: inner", "Content-Type: text/plain; charset=iso-8859-1",
                                 "", "inner text caf=E9 and a long soft=", "break", "--o--")
    twice = b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + "\r\n".join(
        b64(b"Subject: deepest\r\n\r\ndeepest text\r\n")).encode() + b"\r\n"
    c["encoded-composite-twice"] = msg(*top, mv, "Content-Type: message/rfc822", "Content-Transfer-Encoding: base64",
                                       "", *b64(b"Subject: middle\r\nMIME-Version: 1.0\r\n" + twice))
    c["encoded-composite-collision"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="coll"', "",
                                           "--coll", "Content-Type: message/rfc822",
                                           "Content-Transfer-Encoding: base64", "",
                                           *b64(b"Subject: holds the outer boundary\r\n\r\n--coll\r\n"
                                                b"not a delimiter once decoded\r\n"),
                                           "--coll", "Content-Type: text/plain", "", "after", "--coll--")
    # The reverse: a boundary kept inside a decoded composite, quoted by a
    # part outside it (the composite's own parse never sees that part).
    c["encoded-boundary-quoted-outside"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="top"', "",
                                               "--top", "Content-Type: text/plain", "",
                                               "the encoded part below has:", "--kept", "--kept--",
                                               "--top", 'Content-Type: multipart/alternative; boundary="kept"',
                                               "Content-Transfer-Encoding: base64", "",
                                               *b64(b"--kept\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
                                                    b"--kept\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
                                                    b"--kept--\r\n"),
                                               "--top--")
    c["digest-entry-base64"] = msg(*top, mv, 'Content-Type: multipart/digest; boundary="dg"', "",
                                   "--dg", "Content-Transfer-Encoding: base64", "",
                                   *b64(b"Subject: digest entry\r\n\r\nentry text\r\n"),
                                   "--dg", "Content-Type:", "Content-Transfer-Encoding: quoted-printable", "",
                                   "Subject: second=", " entry", "", "second text", "--dg--")
    inner = b'Content-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\ninside\r\n--z--\r\n'
    c["encoded-inner-boundary-prefix"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="zz"', "",
                                             "--zz", "Content-Type: message/rfc822",
                                             "Content-Transfer-Encoding: base64", "", *b64(b"Subject: s\r\n" + inner),
                                             "--zz--")
    c["encoded-outer-boundary-prefix"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="z"', "",
                                             "--z", "Content-Type: message/rfc822",
                                             "Content-Transfer-Encoding: base64", "",
                                             *b64(b'Subject: s\r\nContent-Type: multipart/mixed; boundary="zq"\r\n\r\n'
                                                  b"--zq\r\n\r\nin\r\n--zq--\r\n"), "--z--")
    # A message of bare-CR line ends (classic Mac OS) whose message/rfc822
    # came base64: the decoded message is read with the same line ends.
    c["encoded-composite-cr-line-ends"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="m"', "",
                                              "--m", "Content-Type: text/plain", "", "see the message below",
                                              "--m", "Content-Type: message/rfc822",
                                              "Content-Transfer-Encoding: base64", "",
                                              *b64(b"Subject: inner\rContent-Type: text/plain\r\rinner text\r"),
                                              "--m--", eol=b"\r")
    # And a Mac OS message sent base64 inside a CRLF one: decoded, it is
    # read with its own line ends.
    c["encoded-composite-own-line-ends"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="m"', "",
                                               "--m", "Content-Type: text/plain", "", "see the message below",
                                               "--m", "Content-Type: message/rfc822",
                                               "Content-Transfer-Encoding: base64", "",
                                               *b64(b"Subject: inner\rContent-Type: text/plain\r\rinner text\r"),
                                               "--m--")
    # A bare CR inside the Content-Type line of a quoted-printable multipart,
    # in an LF message: a stray character read as white space, not removed
    # (the boundary is "i", not "iX").
    c["encoded-composite-stray-cr"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="o"', "",
                                          "--o", "Content-Type: multipart/mixed; boundary=i\rX=1",
                                          "Content-Transfer-Encoding: quoted-printable", "",
                                          "--i", "Content-Type: text/plain", "", "inner text", "--i--",
                                          "--o--", eol=b"\n")
    c["nested-dsn-bare-lf"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="o"', "",
                                  "--o", "Content-Type: message/rfc822", "", "Subject: bounce", mv,
                                  'Content-Type: multipart/report; boundary="r"', "", "--r",
                                  "Content-Type: message/delivery-status", "",
                                  "Reporting-MTA: dns; x\nAction: failed\n", "--r--", "--o--")
    c["nested-8bit-preamble-epilogue"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="a"', "",
                                             "--a", "Content-Type: message/rfc822", "Content-Transfer-Encoding: 8bit",
                                             "", b"Subject: \xe9", 'Content-Type: multipart/mixed; boundary="b"', "",
                                             b"pre \xe9", "--b", "Content-Type: message/rfc822", "",
                                             b"Subject: x\xff", "", b"body \xff", "--b--", b"epi \xe9", "--a--")
    c["digest-8bit-default"] = msg(*top, mv, 'Content-Type: multipart/digest; boundary="d"',
                                   "Content-Transfer-Encoding: 8bit", "", "--d", "", b"Subject: \xe9", "", "body",
                                   "--d--")
    c["message-leaf-unknown-cte"] = msg(*top, mv, "Content-Type: message/delivery-status",
                                        "Content-Transfer-Encoding: 7-bit", "", "Action: failed")
    # A false label: the multipart's body is not encoded (its parts carry
    # their own encodings). Decoding it would lose delimiters: a "=" in the
    # boundary, a base64 part's padding before a delimiter (a soft break).
    c["qp-label-on-plain-multipart"] = msg(*top, mv, 'Content-Type: multipart/related; boundary="=_5f0a"',
                                           "Content-Transfer-Encoding: quoted-printable", "",
                                           "--=_5f0a", "Content-Type: text/html; charset=utf-8",
                                           "Content-Transfer-Encoding: quoted-printable", "",
                                           "<p>caf=C3=A9</p>", "--=_5f0a", "Content-Type: image/png",
                                           "Content-Transfer-Encoding: base64", "", "iVBORw0KGgo=",
                                           "--=_5f0a", "Content-Type: image/png", "Content-Transfer-Encoding: base64",
                                           "", "iVBORw0KGgoAAA==", "--=_5f0a--")
    c["qp-label-soft-break-before-delimiter"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="pl"',
                                                    "Content-Transfer-Encoding: quoted-printable", "",
                                                    "--pl", "Content-Type: text/plain", "", "first part",
                                                    "--pl", "Content-Type: application/octet-stream",
                                                    "Content-Transfer-Encoding: base64", "", "AAECAw==",
                                                    "--pl", "Content-Type: text/plain", "", "third part", "--pl--")
    c["base64-label-on-plain-multipart"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="bl"',
                                               "Content-Transfer-Encoding: base64", "",
                                               "--bl", "Content-Type: text/plain", "", "not encoded at all",
                                               "--bl", "Content-Type: text/html", "", "<p>nor this</p>", "--bl--")
    # A base64 label on leaves and a message/rfc822 that were never encoded
    # (lines of words): their octets are their content. Decoded, the
    # report would be noise with NULs, and would lose its type.
    c["base64-label-on-plain-leaves"] = msg(*top, mv, 'Content-Type: multipart/report; report-type=delivery-status;',
                                            ' boundary="fl"', "",
                                            "--fl", "Content-Type: text/plain", "Content-Transfer-Encoding: base64", "",
                                            "Your message could not be delivered.", "",
                                            "--fl", "Content-Type: message/delivery-status",
                                            "Content-Transfer-Encoding: base64", "",
                                            "Reporting-MTA: dns; mx.example.org", "",
                                            "Final-Recipient: rfc822; bob@example.org", "Action: failed",
                                            "Status: 5.1.1",
                                            "--fl", "Content-Type: message/rfc822", "Content-Transfer-Encoding: base64",
                                            "", "Subject: the returned message", "From: ann@example.com", "",
                                            "Its text, not encoded.", "--fl--")
    # Address fields for a 7-bit hop: display names encoded whole (their
    # quotes and commas inside), comments encoded in place, an 8-bit
    # address as an empty group (RFC 6857).
    c["address-fields-8bit"] = msg(b'From: "M\xc3\xbcller, Hans" <hans@example.com>',
                                   b"To: J\xc3\xb6rg <j@example.org>, team: a@example.org (Anna \xc3\x85), b@example.org;,",
                                   b" b\xc3\xbcro@b\xc3\xbccher.example",
                                   b"Cc: =?iso-8859-1?Q?M\xfcller?= <m@example.net>, plain <p@example.net>",
                                   "Subject: addresses", "Date: Mon, 23 Nov 2026 10:00:00 +0000", mv,
                                   "Content-Type: text/plain", "", "body")
    c["field-name-longer-than-a-line"] = msg(*top, "X-" + "n" * 1200 + ": value", mv, "Content-Type: text/plain",
                                             "", "body")
    # Raw 8-bit octets inside encoded words (RFC 2047 section 5 forbids them).
    c["encoded-word-raw-8bit"] = msg("From: a@example.com", b"Subject: =?utf-8?q?caf\xe9_cr\xe8me?= and",
                                     b"\t=?iso-8859-1?B?Y2Fm\xe96k=?= =?utf-8?q?ok?=", mv,
                                     "Content-Type: text/plain", "", "body")
    # An "=?" that opens no whole encoded word, in fields whose 8-bit text
    # becomes encoded words with --7bit: lenient readers would read from
    # it to the end of the next one as one word.
    c["encoded-word-stray-opener"] = msg("From: a@example.com",
                                         b"To: plain =?utf-8?q?broken <w@example.com>, j\xc3\xb6@example.com",
                                         b"Subject: =?utf-8?q?broken caf\xc3\xa9 =?utf-8?q?ok?= (a=?x)", mv,
                                         "Content-Type: text/plain", "", "body")
    # Content-Transfer-Encoding with white space or a comment after its
    # token: Python's email compares the whole value and does not decode.
    c["cte-trailing-space"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="ts"', "", "--ts",
                                  "Content-Type: text/plain; charset=utf-8",
                                  "Content-Transfer-Encoding: quoted-printable   ", "", "caf=C3=A9",
                                  "--ts", "Content-Type: text/plain", "Content-Transfer-Encoding: base64 (encoded)", "",
                                  "aGVsbG8=", "--ts--")
    # Doubled line ends ("\r\r\n", a CRLF converted twice).
    c["doubled-line-ends"] = msg(*top, mv, "Content-Type: text/plain", "", "line one", "line two", eol=b"\r\r\n")
    # A multipart header line that starts with its own boundary.
    c["header-line-own-boundary"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="ob"',
                                        b"--ob\rX-Joined: one line", "", "--ob", "Content-Type: text/plain", "",
                                        "text", "--ob--")
    # 8-bit text with no charset of its own: UTF-8 is labelled utf-8, other
    # 8-bit text keeps the default's us-ascii (no charset is known).
    c["non-mime-8bit-body"] = msg("From: a@example.com", "Subject: just send 8", "",
                                  b"Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln", "plain line")
    c["part-without-type-8bit"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="nt"', "", "--nt",
                                      "Content-Disposition: inline", "", b"caf\xc3\xa9 cr\xc3\xa8me", "--nt",
                                      "Content-Type: text; charset=iso-8859-1", "", b"caf\xe9", "--nt",
                                      "Content-Type: text/plain", "", b"declared, no charset: caf\xe9", "--nt--")
    # A charset parameter that names no charset (empty, white space or a
    # control inside, an encoded CR): dropped, as readers that look it up
    # as a codec fail; white space around a name is trimmed, and a
    # registered alias with "." or ":" stays.
    c["charset-not-a-name"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="cn"', "", "--cn",
                                  'Content-Type: text/plain; charset=""', "", "empty", "--cn",
                                  'Content-Type: text/plain; charset=" utf-8 "', "", b"caf\xc3\xa9", "--cn",
                                  'Content-Type: text/plain; charset="utf 8"; format=flowed', "", "inside",
                                  "--cn", "Content-Type: text/html; charset*=utf-8''utf-8%0DX-Injected%3A%20yes", "",
                                  "<p>encoded CR</p>", "--cn",
                                  "Content-Type: text/plain; charset=ANSI_X3.4-1968", "", "a registered alias",
                                  "--cn--")
    c["encoded-composite-unknown"] = msg(*top, mv, 'Content-Type: multipart/mixed; boundary="uu"',
                                         "Content-Transfer-Encoding: x-gzip", "", "--uu",
                                         "Content-Type: text/plain", "", "kept as octets", "--uu--")
    c["encoded-composite-invalid"] = msg(*top, mv, "Content-Type: message/rfc822", "Content-Transfer-Encoding: base64",
                                         "", "U3ViamVjdDogYnJva2VuDQoNCmJvZHkNCg*!", "@@")


def torture_cases():
    t = {}
    hdr = b"From: a@example.com\r\nSubject: torture\r\nMIME-Version: 1.0\r\n"
    t["torture-10mb-line"] = hdr + b"Content-Type: text/plain\r\n\r\n" + b"x" * (10 * 1024 * 1024) + b"\r\n"
    t["torture-100k-headers"] = (hdr + b"".join(b"X-Field-%d: value %d\r\n" % (i, i) for i in range(100000)) +
                                 b"Content-Type: text/plain\r\n\r\nbody\r\n")
    parts = [hdr, b'Content-Type: multipart/mixed; boundary="s"\r\n\r\n']
    for i in range(20000):
        parts.append(b"--s\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i)
    parts.append(b"--s--\r\n")
    t["torture-20k-parts"] = b"".join(parts)
    head = [hdr]
    for i in range(1000):
        head.append(b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i))
    body = b"Content-Type: text/plain\r\n\r\ndeepest\r\n"
    tail = b"".join(b"\r\n--n%d--" % i for i in reversed(range(1000))) + b"\r\n"
    t["torture-1000-nesting"] = b"".join(head) + body + tail
    t["torture-1000-rfc822"] = (b"Content-Type: message/rfc822\r\n\r\n" * 1000) + b"Subject: deep\r\n\r\nbody\r\n"
    t["torture-unterminated-nesting"] = b"".join(head)
    return t


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("small", "torture"):
        sys.stderr.write(__doc__)
        return 2
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    cases = small_cases() if sys.argv[1] == "small" else torture_cases()
    for name, data in cases.items():
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
