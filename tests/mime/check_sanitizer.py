#!/usr/bin/python3
"""Checks x400gw's MIME sanitizer against its promises, independently.

  check_sanitizer.py X400GWCTL DIR [DIR...]

For every DIR/*.eml, with and without --7bit, it runs
`x400gwctl mime sanitize` and checks the output with Python's own `email`
package, not with x400gw's parser:

  - CRLF line ends only, a final CRLF, no line over 998 octets, no NUL;
    with --7bit no octet above 127;
  - exactly one MIME-Version: 1.0 at the top (comments allowed, RFC 2045
    section 4); Python reports no defect on any entity;
  - every entity has exactly one non-empty, valid Content-Type, and a
    charset in it names one (RFC 2978's characters, ".", ":"); at most one
    Content-Transfer-Encoding, one of 7bit/8bit/quoted-printable/base64,
    only 7bit/8bit on multipart and message; 7bit bodies hold no 8-bit
    octet; base64 and quoted-printable bodies are valid with lines of at
    most 76 characters;
  - every multipart has a valid boundary, at least one part, a close
    delimiter; no line of the message starts with "--" and a boundary,
    in any letter case, unless it is exactly one of that boundary's
    delimiters, and no boundary is a prefix of an enclosing or enclosed
    one, in any letter case (RFC 2046 5.1.1);
  - with --7bit no entity declares 8bit (RFC 6152), whatever the input;
  - content: each leaf of the original (located with `mime structure
    --json`, which gives only offsets) is decoded by Python and compared
    with Python's decoding of the same leaf in the output; a multipart or
    message/rfc822 that came base64 or quoted-printable encoded (RFC 2045
    6.4 forbids it) is decoded and its own leaves are expected (a
    multipart whose body shows delimiters that decoding loses, or a
    base64 body of lines of words, is not encoded: a false label, read as
    it stands);
  - every leaf keeps its media type; a message/* leaf (delivery reports,
    ...) may become application/octet-stream only when its content cannot
    be carried as 7bit or 8bit: a NUL, a line over 998 octets that cannot
    be folded as a header field, or 8-bit octets for a 7-bit hop (the
    message/global-* reports never: RFC 6533 lets them be encoded);
  - top-level header fields other than the MIME ones keep their names and
    values (values compared without white space; with --7bit after
    RFC 2047 decoding);
  - sanitizing the output again changes nothing (it is already clean).

Exit status 0 when every check passed; the failures are listed otherwise.
"""
import base64
import codecs
import binascii
import email
import email.header
import email.message
import email.policy
import email.utils
import json
import os
import quopri
import re
import subprocess
import sys

sys.setrecursionlimit(20000)

TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
BCHARS = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")
B64LINE = re.compile(rb"^[A-Za-z0-9+/]*={0,2}$")
EIGHT_BIT = re.compile(rb"[\x80-\xff]")
RECIPIENT = re.compile(rb"^((?:original|final)-recipient:)[ \t]*(utf-8|rfc822)[ \t]*;[ \t]*([^\r\n]*?)[ \t]*\r?$",
                       re.I | re.M)
MIME_FIELDS = {b"content-type", b"content-transfer-encoding", b"mime-version", b"content-disposition",
               b"content-id", b"content-description", b"content-md5", b"content-language",
               b"content-location"}


class Failure(Exception):
    pass


def run(ctl, args, data=None, path=None):
    cmd = [ctl, "mime"] + args + ([path] if path else [])
    p = subprocess.run(cmd, input=data, capture_output=True, timeout=120)
    if p.returncode != 0:
        raise Failure("%s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr[:300]))
    return p.stdout


def check_lines(out, seven_bit):
    if b"\x00" in out:
        raise Failure("NUL in output")
    if out and not out.endswith(b"\r\n"):
        raise Failure("no final CRLF")
    if re.search(rb"\r(?!\n)", out) or re.search(rb"(?<!\r)\n", out):
        raise Failure("bare CR or LF in output")
    long = re.search(rb"[^\r\n]{999}", out)
    if long:
        raise Failure("a line over 998 octets at offset %d" % long.start())
    if seven_bit and EIGHT_BIT.search(out):
        raise Failure("8-bit octet in 7-bit output")


def raw_fields(block):
    """(name, value) pairs of a header block, our own way: lines end at LF."""
    fields = []
    for line in block.split(b"\n"):
        if line.endswith(b"\r"):
            line = line[:-1]
        if line[:1] in (b" ", b"\t"):
            if fields:
                fields[-1][1] += line
            continue
        if b":" not in line:
            fields.append([None, b""])
            continue
        name, value = line.split(b":", 1)
        fields.append([name.rstrip(b" \t"), value])
    return [(n, v) for n, v in fields if n]


def header_block(data):
    """The top-level header block as x400gw reads it (up to the first empty line)."""
    pos = 0
    while pos < len(data):
        lf = data.find(b"\n", pos)
        end = len(data) if lf < 0 else lf
        line = data[pos:end]
        if not line.strip(b"\r"):   # empty, or CRs only (doubled line ends "\r\r\n")
            return data[:pos]
        pos = end + 1
    return data


def squash(v):
    """A value without white space or control octets (folding and cleaning
    may move or remove them)."""
    return re.sub(rb"[\x00-\x20\x7f]+", b"", v)


def squash_keep_space(v):
    """Unfolded, NUL removed, runs of white space as one space (what an
    encoded-word decoder needs to see the words). A bare CR inside a line
    is white space, as the sanitizer reads it (docs/mime.md): "a@b\r=?..?="
    holds a whole encoded word."""
    v = re.sub(rb"\x00", b"", v).replace(b"\r", b" ").replace(b"\n", b"")
    return re.sub(rb"[ \t]+", b" ", v)


def decode_2047(v):
    """Encoded words decoded, other octets kept (read as Latin-1 so any
    octet survives the round trip through str)."""
    try:
        parts = email.header.decode_header(v.decode("latin-1"))
    except Exception:
        return v
    return b"".join(p if isinstance(p, bytes) else p.encode("latin-1", "replace") for p, _ in parts)


ADDRESS_FIELDS = {b"from", b"sender", b"reply-to", b"to", b"cc", b"bcc", b"resent-from", b"resent-sender",
                  b"resent-reply-to", b"resent-to", b"resent-cc", b"resent-bcc", b"mail-followup-to",
                  b"mail-reply-to", b"disposition-notification-to", b"return-receipt-to", b"errors-to"}


def hex_unescaped(s):
    """Quoted-printable's (and Q words') "=XX" escapes undone."""
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), s)


# An RFC 2047 encoded word: charset (printable ASCII), B or Q, text
# (raw 8-bit octets allowed, as senders write them).
ENCODED_WORD = rb"=\?([!->@-~]+)\?([QqBb])\?([^?\s]*)\?="


def strict_2047(v):
    """Encoded words decoded as RFC 2047 reads them, their octets as they
    are: only a whole word (between white space, or inside a comment's
    parentheses) is one, and an "=?" that opens none is text, where
    lenient readers (Python's own) read from it to the end of the next
    encoded word as one."""
    def one(m):
        if m.group(2) in b"Bb":
            return b64_lenient(m.group(3))
        return hex_unescaped(m.group(3).replace(b"_", b" "))
    return re.sub(rb"(?:(?<=[\s(])|^)" + ENCODED_WORD + rb"(?=[\s)]|$)", one, v)


def addr_norm(v):
    """An address list without what 7-bit encoding may move: quotes and
    quoted pairs, angle brackets, the ":;" of an RFC 6857 group."""
    return re.sub(rb'["\\<>]', b"", v.replace(b":;", b""))


def b_once(v):
    """Encoded words decoded once, white space kept."""
    return decode_2047(squash_keep_space(v))


def comments_apart(v):
    """The text outside RFC 822 comments (quoted strings as written), and
    the text of each outermost comment, its quoted pairs undone, in order."""
    text, comments, cur = b"", [], b""
    level, quoted, i = 0, False, 0
    while i < len(v):
        ch = v[i:i + 1]
        if level:
            if ch == b"\\":
                cur += v[i + 1:i + 2]
                i += 2
                continue
            if ch == b"(":
                level += 1
            elif ch == b")":
                level -= 1
                if not level:
                    comments.append(cur)
                    cur = b""
                    i += 1
                    continue
            cur += ch
        elif quoted or ch != b"(":
            if ch == b"\\" and quoted:
                text += v[i:i + 2]
                i += 2
                continue
            if ch == b'"':
                quoted = not quoted
            text += ch
        else:
            level = 1
        i += 1
    if level:
        comments.append(cur)
    return text, comments


def clean_name(n):
    return bytes(c if 33 <= c <= 126 else ord("_") for c in n)


def lenient_words(v):
    """Raw 8-bit octets inside encoded words (RFC 2047 section 5 forbids
    them) as lenient readers read them: escaped in Q text, skipped in B,
    whose text then decodes as far as it goes (the skipped octet may have
    stood for a character of a quantum)."""
    def fix(m):
        text = m.group(3)
        if m.group(2) in b"Qq":
            text = re.sub(rb"[\x80-\xff]", lambda o: b"=%02X" % o.group(0)[0], text)
        elif re.search(rb"[\x80-\xff]", text):
            text = base64.b64encode(b64_lenient(re.sub(rb"[\x80-\xff]", b"", text)))
            if not text:
                return b""
        return b"=?" + m.group(1) + b"?" + m.group(2) + b"?" + text + b"?="
    return re.sub(ENCODED_WORD, fix, v)


# The ways a field of the original may be read: as written, its encoded
# words decoded, its 8-bit encoded words read leniently, and strictly.
READINGS = (lambda v: v, decode_2047, lambda v: decode_2047(lenient_words(v)), strict_2047)


def fields_as_read(header):
    """A header (lines ended) as x400gw reads its fields, where Python
    would end it: lines without a colon are no fields (nor the lines folded
    after them), "Name : value" is
    Name, and a name with octets outside RFC 5322's ftext is read on."""
    kept, keep = [], True
    for l in re.split(rb"(?<=\n)", header):
        if l[:1] not in (b" ", b"\t"):  # a line folded goes with its field's first
            keep = b":" in l
        if keep:
            kept.append(l)
    header = b"".join(kept)
    header = re.sub(rb"(?m)^([^:\s]+)[ \t]+:", rb"\1:", header)
    # (a name may hold bare CRs, "\r\rContent-Type": cleaned whole)
    return re.sub(rb"(?m)^([^ \t:][^:\n]*):", lambda m: clean_name(m.group(1)) + b":", header)


def cr_line_ends(data):
    """Is the first line end a bare CR before text (classic Mac OS)? Then
    every bare CR ends a line, header lines included. ("\r\r\n" is a
    doubled line end, not one of these.)"""
    m = re.search(rb"\r\n|\r|\n", data)
    return m is not None and m.group(0) == b"\r" and data[m.end():m.end() + 1] != b"\r"


def check_top_fields(ctl, orig, tree, out, seven_bit):
    if cr_line_ends(orig):   # offsets move: read as CRLF, as the sanitizer writes it
        orig = re.sub(rb"\r(?!\n)", b"\r\n", orig)
        tree = json.loads(run(ctl, ["structure", "--json", "-"], data=orig))
    def keep(fields):
        # a name over 900 octets (no line holds it with its value): dropped
        return [(clean_name(n), v) for n, v in fields if n.lower() not in MIME_FIELDS and len(n) <= 900]
    top = tree["parts"][0]
    # a multipart header with no empty line ends at its own first delimiter
    a = keep(raw_fields(orig[:top["header_end"]] if "header_not_ended" in top["flags"] else header_block(orig)))
    b = keep(raw_fields(header_block(out)))
    if [n for n, _ in a] != [n for n, _ in b]:
        raise Failure("top-level field names differ: %r vs %r" % ([n for n, _ in a][:8], [n for n, _ in b][:8]))
    for (n, va), (_, vb) in zip(a, b):
        if seven_bit:
            # 8-bit runs became encoded words: the output decodes to the
            # original, where an encoded word already in the original stays
            # either literal text (inside an 8-bit run) or an encoded word.
            b = squash(decode_2047(squash_keep_space(vb)))
            ok = b in (squash(va), squash(decode_2047(squash_keep_space(va))),
                       squash(decode_2047(lenient_words(squash_keep_space(va)))))
            if not ok:
                # Encoded words of the original inside an 8-bit run are
                # text in the new words, the others stay words: decoding
                # the output twice decodes both.
                ok = squash(decode_2047(lenient_words(squash_keep_space(b_once(vb))))) == \
                    squash(decode_2047(lenient_words(squash_keep_space(va))))
            if not ok:
                # An "=?" in the original that opens no whole encoded word
                # makes its lenient reading garbage: the output reads as
                # the original does strictly, and alike strictly and
                # leniently (no such "=?" is left before an encoded word).
                sb = squash(strict_2047(squash_keep_space(vb)))
                ok = sb == squash(strict_2047(squash_keep_space(va))) and sb == b
            if not ok and n.lower() in ADDRESS_FIELDS:
                # A display name is encoded whole, its quotes gone; an 8-bit
                # address becomes an empty group "name address :;" (RFC 6857).
                # The original is read in each of the ways above.
                ok = addr_norm(b) in [addr_norm(squash(r(squash_keep_space(va)))) for r in READINGS]
            if not ok and n.lower() in ADDRESS_FIELDS:
                # ... and its comments (a display name's, those inside the
                # angle brackets) follow the encoded words: the text outside
                # comments, and the comments in order, each decoded.
                ta, ca = comments_apart(squash_keep_space(va))
                tb, cb = comments_apart(squash_keep_space(vb))
                tb, cb = addr_norm(squash(decode_2047(tb))), [squash(decode_2047(x)) for x in cb]
                ok = tb in [addr_norm(squash(r(ta))) for r in READINGS] and \
                    cb in [[squash(r(x)) for x in ca] for r in READINGS]
        else:
            b = squash(vb)
            ok = b == squash(va)
        if not ok:
            raise Failure("field %r: %r became %r" % (n, squash(va)[:60], b[:60]))


def nested(m):
    """Does x400gw parse this entity's body as entities? Python's email
    parses every message/* as a nested message; RFC 2046 5.2.4 (and x400gw)
    treat subtypes other than rfc822 (and RFC 6532's global) as opaque."""
    if not m.is_multipart():
        return False
    return m.get_content_maintype() != "message" or m.get_content_subtype() in ("rfc822", "global")


def walk(msg):
    """Entities in pre-order without recursion (nesting can be deep)."""
    stack = [msg]
    while stack:
        m = stack.pop()
        yield m
        if nested(m):
            stack.extend(reversed(m.get_payload()))


def check_entity(m, seven_bit, raw_out):
    for d in m.defects:
        raise Failure("Python reports %s on %s" % (type(d).__name__, m.get_content_type()))
    cts = m.get_all("Content-Type") or []
    if len(cts) != 1:
        raise Failure("%d Content-Type fields on an entity" % len(cts))
    ct = str(cts[0]).strip()
    if not ct:
        raise Failure("empty Content-Type")
    mt = re.sub(r"\([^()]*\)", "", re.sub(r"\([^()]*\)", "", ct)).split(";", 1)[0].strip()
    if "/" not in mt or not all(TOKEN.match(x.strip().encode()) for x in mt.split("/", 1)):
        raise Failure("invalid media type %r" % mt)
    ctes = m.get_all("Content-Transfer-Encoding") or []
    if len(ctes) > 1:
        raise Failure("%d Content-Transfer-Encoding fields" % len(ctes))
    cte = str(ctes[0]).strip().lower() if ctes else "7bit"
    if cte not in ("7bit", "8bit", "quoted-printable", "base64"):
        raise Failure("Content-Transfer-Encoding %r" % cte)
    charset = m.get_param("charset")
    if charset is not None:
        # RFC 2978's mime-charset, "." and ":" for the registry's aliases:
        # readers look the label up as a codec
        # (Python's get_content raises on "" or on one with a CR inside)
        name = email.utils.collapse_rfc2231_value(charset) if isinstance(charset, tuple) else charset
        for _ in range(3):   # comments after it (RFC 2045), which Python's compat32 keeps in the value
            name = re.sub(r"\s*\([^()]*\)", "", name)
        name = name.strip()
        if not re.fullmatch(r"[A-Za-z0-9!#$%&'+^_`{}~.:-]+", name):
            raise Failure("charset %r names no charset" % name[:60])
    maintype = m.get_content_maintype()
    if m.is_multipart() and not nested(m):
        if cte not in ("7bit", "8bit") and not m.get_content_subtype().startswith("global-"):
            raise Failure("%s on message/%s" % (cte, m.get_content_subtype()))
        return
    if seven_bit and cte == "8bit":
        raise Failure("8bit declared on %s for a 7-bit hop" % m.get_content_type())
    if m.is_multipart():
        if cte not in ("7bit", "8bit"):
            raise Failure("%s on a composite" % cte)
        if maintype == "multipart":
            b = m.get_boundary()
            if b is None or not BCHARS.match(b):
                raise Failure("invalid boundary %r" % b)
            if not m.get_payload():
                raise Failure("multipart without parts")
            if ("\r\n--%s--" % b).encode() not in raw_out and not raw_out.startswith(("--%s--" % b).encode()):
                raise Failure("no close delimiter for %r" % b)
        return
    payload = m._payload  # the raw body: get_payload() would decode a charset
    if isinstance(payload, str):
        body = payload.encode("ascii", "surrogateescape")
    else:
        body = payload
    if cte == "7bit" and EIGHT_BIT.search(body):
        raise Failure("8-bit octet in a 7bit body")
    if cte == "base64":
        data = b"".join(body.split(b"\r\n"))
        for line in body.split(b"\r\n"):
            if len(line) > 76 or not B64LINE.match(line):
                raise Failure("bad base64 line %r" % line[:80])
        if len(data) % 4:
            raise Failure("base64 length not a multiple of 4")
        try:
            binascii.a2b_base64(data, strict_mode=True) if data else b""
        except (binascii.Error, TypeError) as e:
            raise Failure("invalid base64: %s" % e)
    if cte == "quoted-printable":
        for line in body.split(b"\r\n"):
            if len(line) > 76:
                raise Failure("QP line of %d characters" % len(line))
            if re.search(rb"=(?![0-9A-F]{2}|$)", line) or re.search(rb"[^\t\x20-\x7e]", line):
                raise Failure("invalid QP line %r" % line[:80])
            if line.endswith((b" ", b"\t")):
                raise Failure("QP line with trailing white space")


def check_boundaries(msg, out):
    """RFC 2046 5.1.1 as a reader that takes any line starting with
    "--boundary" for a delimiter sees it, in any letter case (Courier's
    reformime does)."""
    lines = out.split(b"\r\n")
    found = []  # (boundary, number of parts)
    stack = [(msg, ())]
    while stack:
        m, anc = stack.pop()
        if not nested(m):
            continue
        if m.get_content_maintype() == "multipart":
            b = m.get_boundary().encode("latin-1")
            for a in anc:
                if a.lower().startswith(b.lower()) or b.lower().startswith(a.lower()):
                    raise Failure("boundary %r and enclosing boundary %r, one a prefix of the other" % (b, a))
            found.append((b, len(m.get_payload())))
            anc = anc + (b,)
        stack.extend((c, anc) for c in m.get_payload())
    exact = set()
    for b, _ in found:
        exact.add(b"--" + b)
        exact.add(b"--" + b + b"--")
    dashed = [line for line in lines if line.startswith(b"--")]
    for b in set(b for b, _ in found):
        opens = closes = 0
        for line in dashed:
            if not line.lower().startswith(b"--" + b.lower()):
                continue
            padded = line.rstrip(b" \t")  # RFC 2046 transport padding
            if padded == b"--" + b:
                opens += 1
            elif padded == b"--" + b + b"--":
                closes += 1
            elif line not in exact:
                raise Failure("line %r starts with the boundary %r" % (line[:80], b))
        want_opens = sum(n for x, n in found if x == b)
        want_closes = sum(1 for x, _ in found if x == b)
        if opens != want_opens or closes != want_closes:
            raise Failure("boundary %r: %d delimiters and %d close delimiters for %d parts in %d multiparts"
                          % (b, opens, closes, want_opens, want_closes))


def decoded(raw, cte):
    m = email.message.Message()
    if cte:
        m["Content-Transfer-Encoding"] = cte
    m.set_payload(raw.decode("latin-1"))
    return m.get_payload(decode=True)


def wide_charset(charset):
    """A charset of 16- or 32-bit units (UTF-16, UTF-32), as Python's codecs
    know them (four letters take eight octets or more): its text is octets,
    whose 0D and 0A are no line ends."""
    try:
        return charset is not None and len(codecs.encode("abcd", charset)) >= 8
    except (LookupError, ValueError):
        return False


def norm_text(b):
    return b.replace(b"\r\n", b"\n").replace(b"\r", b"\n").rstrip(b"\n")


def unfold(b):
    return re.sub(rb"\n(?=[ \t])", b"", b)


HEADER_FIELD_LEAVES = {"message/delivery-status", "message/disposition-notification", "message/rfc822-headers",
                       "message/feedback-report", "message/tracking-status"}


def foldable(line):
    """Can a header-field line be folded into lines of at most 998 octets
    (before white space only)?"""
    while len(line) > 998:
        cut = max(line.rfind(b" ", 1, 999), line.rfind(b"\t", 1, 999))
        if cut <= 0:
            return False
        line = line[cut:]
    return True


def is_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def message_leaf_may_lose_type(t, content, seven_bit):
    """The one case where a message/* leaf leaves as application/octet-stream."""
    if t.startswith("message/global-"):
        return False
    if b"\x00" in content:
        return True
    if seven_bit and EIGHT_BIT.search(content):
        # a report's UTF-8 recipient addresses have a 7-bit form (RFC 6533)
        if t not in ("message/delivery-status", "message/disposition-notification"):
            return True
        rest = RECIPIENT.sub(lambda m: b"" if is_utf8(m.group(3)) else m.group(0), content)
        if EIGHT_BIT.search(rest):
            return True
    fold = t in HEADER_FIELD_LEAVES
    for line in re.split(rb"\r\n|\r|\n", content):
        if len(line) > 998 and not (fold and foldable(line)):
            return True
    return False


def original_leaves(orig, tree):
    parts = tree["parts"]
    leaves = []
    for p in parts:
        if p["children"]:
            continue
        if p["type"].startswith("multipart/") and not p["opaque"]:
            leaves.append(None)  # the sanitizer adds an empty text/plain
            continue
        if p["type"] == "message/rfc822" and not p["opaque"] and p["children"]:
            continue
        leaves.append(p)
    return leaves

MAX_DECODE_NESTING = 4
MAX_DEPTH = 100


def cut_at_depth(tree, left):
    """The tree as x400gw reads it with `left` levels of depth: a composite
    at that depth is an opaque leaf holding its body (x400gw's limit counts
    from the top of the output, where a decoded entity sits deeper than in
    a parse of its own)."""
    parts, cut, kept = tree["parts"], set(), []
    for q in parts:
        if q["parent"] in cut:
            cut.add(q["index"])
            continue
        if q["depth"] >= left and q["children"] and not q["opaque"]:
            q = dict(q, children=[], opaque=True, type="application/octet-stream",
                     flags=q["flags"] + ["depth_limit"])
            cut.add(q["index"])
        kept.append(q)
    return dict(tree, parts=kept)


def qp_rfc(raw):
    """RFC 2045 6.7 decoding: =XX decoded, "=" and white space at a line
    end a soft break, any other "=" literal, a hard line break CRLF."""
    out = []
    for line in re.split(rb"(\r\n|\r|\n)", raw):
        if line in (b"\r\n", b"\r", b"\n"):
            if out and out[-1] is None:
                out.pop()
            else:
                out.append(b"\r\n")
            continue
        s = line.rstrip(b" \t")
        soft = s.endswith(b"=")
        s = hex_unescaped(s[:-1] if soft else s)
        out.append(s)
        if soft:
            out.append(None)   # a soft line break: the line end goes
    return b"".join(x for x in out if x is not None)


def b64_lenient(raw):
    """base64 decoded as far as it goes (Python's decoder gives up on a
    cut or padded-wrong body and returns it undecoded, or stops at the
    first padding), by x400gw's rules: other octets skipped; a padded
    quantum ends an encoding, and data after it is a second one glued on;
    an "=" where no padding can be is dropped; a last incomplete quantum
    keeps its whole octets (a lone character none)."""
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    out, acc, n, pad, ended = bytearray(), 0, 0, 0, False
    for c in raw:
        v = alphabet.find(bytes([c]))
        if v >= 0:
            pad, ended = 0, False
            acc, n = (acc << 6) | v, n + 1
            if n == 4:
                out += acc.to_bytes(3, "big")
                acc, n = 0, 0
        elif c == 0x3D and not ended:
            pad += 1
            if n == 2 and pad == 1:
                continue  # the second "=" follows
            if n == 2 and pad == 2:
                out.append((acc >> 4) & 0xFF)
            elif n == 3 and pad == 1:
                out += ((acc >> 2) & 0xFFFF).to_bytes(2, "big")
            else:
                pad = 0
                continue
            acc, n, pad, ended = 0, 0, 0, True
    if n == 2:
        out.append((acc >> 4) & 0xFF)
    elif n == 3:
        out += ((acc >> 2) & 0xFFFF).to_bytes(2, "big")
    return bytes(out)


def delimiter_lines(body, boundary):
    # Python reads 8-bit header octets as surrogates; a bare CR ends a line
    b = re.escape(boundary.encode("utf-8", "surrogateescape"))
    line = re.compile(rb"--" + b + rb"(?:--)?[ \t]*")
    return sum(1 for l in re.split(rb"\r\n|\r|\n", body) if line.fullmatch(l))


def stray_crs_read(header):
    """A header whose bare CRs stay inside its lines, as x400gw reads them:
    a space, or nothing inside a quoted string (where they fold)."""
    out = bytearray()
    for field in re.split(rb"(?<=\n)(?![ \t])", header):
        quoted = escaped = False
        for i, c in enumerate(field):
            if c == 0x0D and field[i + 1:i + 2] != b"\n":
                out += b"" if quoted else b" "
                escaped = False
                continue
            if escaped:
                escaped = False
            elif quoted and c == 0x5C:
                escaped = True
            elif c == 0x22:
                quoted = not quoted
            out.append(c)
    return bytes(out)


def expanded_leaves(ctl, orig, tree, level=0, cr=None, depth=0):
    """(bytes, part) for each leaf of the original; a multipart or message
    that came base64 or quoted-printable encoded is replaced by its own
    leaves, decoded by Python and located by our parser: its header read
    as the message's was (`cr`: cr_line_ends), decoded octets with their
    own line ends."""
    if cr is None:
        cr = cr_line_ends(orig)
    leaves = []
    for p in original_leaves(orig, tree):
        header = orig[p["header_begin"]:p["header_end"]] if p else b""
        if cr:  # bare CRs end its lines: the cleaning below reads it by lines
            header = re.sub(rb"\r(?!\n)", b"\r\n", header)
        else:  # "\r\r\n" is one line end (a CRLF converted twice), not a line and an empty one
            header = re.sub(rb"\r+\n", b"\r\n", header)
        header = fields_as_read(header)
        # Python ends a line at a stray CR, and its header at a line without
        # a colon after it (`X: y\r--b`): read as x400gw reads it
        as_read = (header if cr else stray_crs_read(header)) + b"\r\n"
        declared = email.message_from_bytes(as_read).get_content_type() if p else ""
        if p and p["defaulted"] and p["parent"] is not None and tree["parts"][p["parent"]]["type"] == "multipart/digest":
            declared = "message/rfc822"  # RFC 2046 5.1.5
        if (p is not None and "encoded_composite" in p["flags"] and p["opaque"] and level < MAX_DECODE_NESTING
                and p["encoding"] in ("base64", "quoted-printable")
                and (declared.startswith("multipart/") or declared in ("message/rfc822", "message/global"))):
            fields = rb"(?:(?<=\n)|(?<=\r)(?!\n))(?![ \t])" if cr else rb"(?<=\n)(?![ \t])"
            kept = [f for f in re.split(fields, header) if f and
                    not re.match(rb"(?i)content-transfer-encoding[ \t]*:", f)]
            if p["defaulted"]:  # the type came from the digest: say it
                kept = [b"Content-Type: %s\r\n" % declared.encode()] + [
                    f for f in kept if not re.match(rb"(?i)content-type[ \t]*:", f)]
            entity = b"".join(kept)
            # bare CRs in the header end lines (`cr`) or are stray characters,
            # which x400gw reads as white space, or nothing in a quoted string
            entity = re.sub(rb"\r(?!\n)", b"\r\n", entity) if cr else stray_crs_read(entity)
            if entity and not entity.endswith(b"\n"):
                entity += b"\r\n"
            raw = orig[p["body_begin"]:p["body_end"]]
            # RFC 2045 decoding for quoted-printable (a hard line break is a
            # CRLF of the entity; Python's own turns "==" into "=")
            b64 = p["encoding"] == "base64"
            body = b64_lenient(raw) if b64 else qp_rfc(raw)
            # A multipart whose body shows delimiters that decoding loses
            # was never encoded (a false label): it is read as it stands.
            # (base64 has no "-": any delimiter in the raw body is lost.)
            boundary = email.message_from_bytes(as_read).get_param("boundary")
            if isinstance(boundary, str):   # Python keeps the line break of a folded one
                boundary = re.sub(r"\r?\n(?=[ \t])", "", boundary)
            if (declared.startswith("multipart/") and isinstance(boundary, str) and boundary
                    and delimiter_lines(raw, boundary) > (0 if b64 else delimiter_lines(body, boundary))):
                body = raw
            # So is a base64 body of lines of words (three, or most): an
            # encoder writes no white space inside a line.
            worded = [bool(re.search(rb"\S[ \t]+\S", l)) for l in re.split(rb"\r\n|\r|\n", raw) if l.strip()]
            if b64 and (sum(worded) >= 3 or 2 * sum(worded) > len(worded)):
                body = raw
            # Bare CRs end lines in a body kept as it stands when they did in
            # the message, in decoded octets when their first line end is
            # one (our parser would let the header's CRLF decide).
            converted = cr if body is raw else cr_line_ends(body)
            if converted:
                body = re.sub(rb"\r(?!\n)", b"\r\n", body)
            entity += b"\r\n" + body
            sub = json.loads(run(ctl, ["structure", "--json", "-"], data=entity))
            sub = cut_at_depth(sub, MAX_DEPTH - depth - p["depth"])
            for src, q in expanded_leaves(ctl, entity, sub, level + 1, cr, depth + p["depth"]):
                if q is not None and converted:
                    # its bare CRs are CRLF here, octets to x400gw (and in
                    # the output) where the type is not text
                    q["cr_converted"] = True
                leaves.append((src, q))
        else:
            leaves.append((orig, p))
    return leaves


def late_charsets_dropped(header):
    """RFC 2231's charset'language' prefix on a segment after the first
    (name*2*=utf-8''%e2%98%95), removed: x400gw reads it as a prefix, as
    Stalwart does; Python's email joins the segments first and then takes
    everything before the quotes for the charset."""
    return re.sub(rb"(?i)(\b[!#$&+.^_`|~0-9a-z-]+\*[1-9][0-9]*\*[ \t]*=[ \t]*)[^'\";\s]*'[^'\";\s]*'", rb"\1", header)


def names(msg):
    """A part's filename (Content-Disposition) and name (Content-Type), as
    a reader shows them: RFC 2231 values decoded, each run of octets
    outside printable ASCII one "?" (raw 8-bit in the input, RFC 2231 in
    a 7-bit output), quotes at either end dropped."""
    def one(v):
        if isinstance(v, tuple):
            v = email.utils.collapse_rfc2231_value(v)
        # a quote left open by a cut keeps its '"' for Python, and a
        # quoted string folded keeps its line break (unfolded here)
        v = None if v is None else re.sub(r"[^\x20-\x7e]+", "?", re.sub(r"\r?\n(?=[ \t])", "", v)).strip().strip('"')
        # text after a quoted string's closing quote ('"caf\xe9" junk') is
        # not part of the value (RFC 2045 5.1); Python keeps it, quote and all
        v = v if v is None or '"' not in v else v[:v.index('"')]
        return v or None   # an empty value ("filename" cut before its "=") names nothing
    return one(msg.get_param("filename", header="content-disposition")), one(msg.get_param("name"))


def check_content(ctl, orig, tree, out, out_msg, seven_bit):
    ours = expanded_leaves(ctl, orig, tree)
    theirs = [m for m in walk(out_msg) if not nested(m)]
    out_tree = json.loads(run(ctl, ["structure", "--json", "-"], data=out))
    located = original_leaves(out, out_tree)
    if len(ours) != len(theirs) or len(located) != len(theirs):
        raise Failure("%d leaves in the original, %d in the output (%d by our parser)"
                      % (len(ours), len(theirs), len(located)))
    for (src, p), m, q in zip(ours, theirs, located):
        if p is None:
            if m.get_payload(decode=True):
                raise Failure("added part is not empty")
            continue
        if m.is_multipart():
            # a message/* Python parsed anyway (delivery-status, ...): our
            # parser locates its octets, Python decodes them
            qenc = q["encoding"] if q and q["encoding"] in ("base64", "quoted-printable") else None
            got = decoded(out[q["body_begin"]:q["body_end"]], qenc) or b""
        else:
            got = m.get_payload(decode=True) or b""
        flags = set(p["flags"])
        raw = src[p["body_begin"]:p["body_end"]]
        enc = p["encoding"]
        if enc not in ("base64", "quoted-printable"):
            enc = None
        if enc == "quoted-printable":
            # a bare CR or LF ends a line (RFC 2045 decoders read the line
            # break as CRLF); Python's decoder loses the text after "=" CR,
            # and keeps a line end as written, so "=0D" before a bare LF
            # would look like one line end and before CRLF like two
            raw = re.sub(rb"\r\n|\r|\n", b"\r\n", raw)
        want = decoded(raw, enc) or b""
        # Python keeps RFC 822 comments in the type ("text/plain (plain)")
        t, out_type = p["type"], re.sub(r"[ \t]*\(.*", "", m.get_content_type())
        if out_type != t and not p["defaulted"] and not p["opaque"]:
            # Python gives an invalid base64 body back undecoded; what the
            # part carries is what decodes, as far as it goes
            carried = b64_lenient(raw) if enc == "base64" and "invalid_base64" in flags else want
            if not (t.startswith("message/") and out_type == "application/octet-stream"
                    and message_leaf_may_lose_type(t, carried, seven_bit)):
                raise Failure("part %d (%s) left as %s" % (p["index"], t, out_type))
        header = src[p["header_begin"]:p["header_end"]]
        if not re.search(rb"\r(?!\n)", header):   # bare CRs: the line-end classes above
            a, b = names(email.message_from_bytes(late_charsets_dropped(fields_as_read(header)) + b"\r\n")), names(m)
            if a != b:
                raise Failure("part %d (%s): names %r became %r" % (p["index"], t, a, b))
        if flags & {"invalid_base64", "invalid_qp"}:
            continue  # not decodable: decoded as far as it goes, by our rules
        if t.startswith("message/") and not p["opaque"]:
            a, b = unfold(norm_text(want)), unfold(norm_text(got))
            if t in ("message/delivery-status", "message/disposition-notification"):
                a, b = recipients_unescaped(a), recipients_unescaped(b)
        elif enc == "quoted-printable" or (t.startswith("text/") and not p["opaque"]
                                           and not wide_charset(p["params"].get("charset"))):
            a, b = norm_text(want), norm_text(got)
        else:
            a, b = want, got
            if p.get("cr_converted") and enc is None:  # base64 decodes alike
                b = re.sub(rb"\r(?!\n)", b"\r\n", b)
        if a != b:
            raise Failure("content of part %d (%s) changed: %r... vs %r..." % (p["index"], t, a[:60], b[:60]))


def recipients_unescaped(text):
    """Original- and Final-Recipient with a UTF-8 address, as RFC 6533
    section 3 reads them: the utf-8-addr-xtext escapes (\\x{HEXPOINT})
    undone, and the address typed utf-8, however it came."""
    def one(m):
        addr = re.sub(rb"\\x\{([0-9A-Fa-f]{1,6})\}",
                      lambda x: chr(int(x.group(1), 16)).encode("utf-8", "surrogatepass"), m.group(3))
        if not EIGHT_BIT.search(addr):
            return m.group(0)
        return m.group(1).lower() + b" utf-8; " + addr
    return RECIPIENT.sub(one, text)


def check_case(ctl, path):
    with open(path, "rb") as f:
        orig = f.read()
    tree = json.loads(run(ctl, ["structure", "--json"], path=path))
    for seven_bit in (False, True):
        args = ["sanitize"] + (["--7bit"] if seven_bit else [])
        out = run(ctl, args, path=path)
        check_lines(out, seven_bit)
        tops = re.findall(rb"(?im)^mime-version:[ \t]*([^\r\n]*)", header_block(out))
        if len(tops) != 1 or comments_apart(tops[0])[0].strip() != b"1.0":
            raise Failure("MIME-Version fields at the top: %r" % tops)
        msg = email.message_from_bytes(out, policy=email.policy.compat32)
        for m in walk(msg):
            check_entity(m, seven_bit, out)
        check_boundaries(msg, out)
        check_content(ctl, orig, tree, out, msg, seven_bit)
        check_top_fields(ctl, orig, tree, out, seven_bit)
        again = run(ctl, args, data=out)
        if again != out:
            raise Failure("sanitizing the output again changed it (%s)" % ("7bit" if seven_bit else "8bit"))


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    ctl = sys.argv[1]
    failures = 0
    count = 0
    for d in sys.argv[2:]:
        for name in sorted(os.listdir(d)):
            if not name.endswith(".eml"):
                continue
            count += 1
            try:
                check_case(ctl, os.path.join(d, name))
            except Failure as e:
                failures += 1
                print("FAIL %s: %s" % (name, e))
            except Exception as e:  # a checker crash is a failure too
                failures += 1
                print("FAIL %s: checker error %s: %s" % (name, type(e).__name__, e))
    print("%d cases, %d failed" % (count, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
