#!/usr/bin/env python3
"""tools/mime-random-trees.py SEED COUNT OUTDIR: writes COUNT random MIME
messages into OUTDIR, the same ones for the same SEED.

libFuzzer mutates octets; these are whole trees, built for the shapes where
the sanitizer's output has been found not to parse again cleanly: line ends
mixed within a message (CRLF, LF, CR, CR CR LF), empty preamble and epilogue
lines, delimiters with padding or missing, boundaries that are prefixes of
one another or of the sanitizer's own, quoted-printable and base64 bodies
at and past their line limits, encoded composites (base64 and
quoted-printable, multiparts too, the encoded text with line ends of its
own, or the label false), header lines with a stray CR, header blocks
without an empty line, fields too long for the limits. Run the fuzz target
over them (it checks every promise of the sanitizer on each file, with its
small limits and with a step budget that runs out half way):

    tools/mime-random-trees.py 1 2000 /tmp/trees
    (cd /tmp/trees && build/fuzz/tests/fuzz/mime_sanitize_fuzz -runs=0 .)
"""
import base64
import os
import quopri
import random
import sys

MODES = ["crlf", "crlf", "lf", "cr", "mixed"]
BOUNDARIES = ["b", "bb", "b1", "x", "=_x400gw_", "outer", "inner", "b b", "b--"]


class Trees:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def eol(self, mode):
        r = self.r
        usual = {"crlf": b"\r\n", "lf": b"\n", "cr": b"\r"}.get(mode)
        if usual is None:
            return r.choice([b"\r\n", b"\n", b"\r", b"\r\r\n", b"\n\r"])
        return usual if r.random() < 0.85 else r.choice([b"\r\n", b"\n", b"\r"])

    def lines(self, mode, bounds):
        r, out = self.r, []
        for _ in range(r.randint(0, 5)):
            k = r.random()
            if k < 0.15 and bounds:
                out.append(b"--" + r.choice(bounds).encode() + r.choice([b"", b"--", b" ", b"x"]))
            elif k < 0.25:
                out.append(b"")
            elif k < 0.3:
                out.append(bytes([r.randint(128, 255)]) + b"8bit")
            elif k < 0.35:
                out.append(b"=41=\t")
            elif k < 0.4:
                out.append(b"a=")
            elif k < 0.45:
                out.append(b"-- ")
            elif k < 0.5:
                out.append(b"x" * r.choice([75, 76, 77, 998, 999]) + r.choice([b"", b"=41", b"=", b" "]))
            elif k < 0.53:
                out.append(b"a\x00b")
            else:
                out.append(r.choice([b"hello", b"QUJD", b"QUJDRA==", b"=3D", b"abc ", b"From x", b".", b"=\r"]))
        return out

    def join(self, mode, lines, final):
        out = b""
        for i, line in enumerate(lines):
            out += line
            if i + 1 < len(lines) or final:
                out += self.eol(mode)
        return out

    def extra_fields(self):
        r, out = self.r, []
        for _ in range(r.randint(0, 3)):
            k = r.random()
            if k < 0.15:
                out.append(b"Content-Disposition: " + r.choice([b"attachment", b"inline", b"x" * r.choice([10, 290, 320])]) +
                           r.choice([b"", b"; filename=a.txt", b"; filename*0=a; filename*1=b",
                                     b'; filename="' + b"n" * r.choice([50, 280, 400]) + b'"',
                                     b"; filename*=utf-8''caf%C3%A9", b'; filename="caf\xc3\xa9"']))
            elif k < 0.3:
                out.append(b"Subject: " + r.choice([b"hello", b"caf\xc3\xa9", b"=?utf-8?q?caf=C3=A9?=", b"x" * 1000,
                                                    b"a\r\n b", b"a\n b", self.words(r.randint(1, 12))]))
            elif k < 0.4:
                out.append(r.choice([b"From: ", b"To: ", b"Cc: ", b"Reply-To: "]) + self.addresses())
            elif k < 0.5:
                out.append(b"X-" + b"n" * r.choice([3, 900, 1000]) + b": v")
            elif k < 0.6:
                out.append(r.choice([b"no colon", b" leading space", b"Bad Name: x", b"X: \x00nul", b"--b", b"--b--",
                                       b"\rContent-Type:", b"\rX: y"]))
            elif k < 0.7:
                out.append(b"Content-Transfer-Encoding: " +
                           r.choice([b"", b"(c)", b"7bit (x)", b"BASE64", b"quoted-printable junk"]))
            elif k < 0.8:
                out.append(b"Content-Type: " + r.choice([b"", b"text", b'text/plain; charset="', b"multipart/mixed",
                                                         b"message/rfc822",
                                                         b"text/plain; a=1; b=2; c=3; d=4; e=5; f=6; g=7"]))
            else:
                out.append(b"Content-ID: <x@y>")
        return out

    def words(self, n):
        r = self.r
        parts = [r.choice([b"caf\xc3\xa9", b"plain", b"=?utf-8?q?caf=C3=A9?=", b"=?iso-8859-1?b?6Q==?=", b"(c\xc3\xa9)",
                           b'"q\xc3\xa9 \\" x"', b"\xff\xfe", b"a" * r.choice([1, 70, 200]), b"=?utf-8?q?broken", b"\t"])
                 for _ in range(n)]
        return b" ".join(parts)

    def addresses(self):
        r = self.r
        one = lambda: r.choice([b"<a@b>", b"J\xc3\xb6rg <j@b>", b"a@b (c)", b'"q" <q@b>', b"j\xc3\xb6@b\xc3\xa9.de",
                                b"<pete(his account)@silly.test(his host)>", b"G: a@b, c@d;", b"Undisclosed:;",
                                b'"\xc3\xa9" <e@f> (\xc3\xa9)', b"=?utf-8?q?J=C3=B6rg?= <j@b>", self.words(2) + b" <w@x>",
                                b"a@[1.2.3.4]", b"@route:a@b", b"<>", b"a@b" + b" " * 3 + b"(x" * 2])
        return b", ".join(one() for _ in range(r.randint(1, 4)))

    def header(self, mode, fields):
        r = self.r
        if r.random() < 0.3:
            r.shuffle(fields)
        block = b"".join(f + self.eol(mode) for f in fields)
        return block if r.random() < 0.05 else block + self.eol(mode)  # sometimes no empty line

    def multipart(self, mode, depth, bounds, fields):
        r = self.r
        b = r.choice(BOUNDARIES)
        quoted = r.random() < 0.5 or " " in b
        fields.append(b"Content-Type: multipart/" + r.choice([b"mixed", b"alternative", b"signed", b"digest", b"report"]) +
                      b"; boundary=" + (b'"' + b.encode() + b'"' if quoted else b.encode()))
        label = None
        if r.random() < 0.1:
            label = r.choice([b"base64", b"quoted-printable", b"7bit", b"8bit"])
            fields.append(b"Content-Transfer-Encoding: " + label)
        inner = bounds + [b]
        body = b""
        k = r.random()
        if k < 0.3:
            body += self.eol(mode)  # an empty preamble line
        elif k < 0.45:
            body += self.join(mode, self.lines(mode, inner), True)
        elif k < 0.5:
            body += self.eol(mode) + self.eol(mode)
        for _ in range(r.randint(0, 3)):
            body += b"--" + b.encode() + r.choice([b"", b"", b"", b" ", b"\t"]) + self.eol(mode)
            body += self.entity(mode, depth + 1, inner, False)
            body += self.eol(mode)
        if r.random() < 0.85:
            body += b"--" + b.encode() + b"--" + r.choice([b"", b" "])
            k = r.random()
            if k < 0.3:
                body += self.eol(mode)  # an empty epilogue line
            elif k < 0.5:
                body += self.eol(mode) + self.eol(mode)
            elif k < 0.6:
                body += self.eol(mode) + self.join(mode, self.lines(mode, inner), r.random() < 0.5)
        if r.random() < 0.3:
            body = body.rstrip(b"\r\n")
        if label in (b"base64", b"quoted-printable") and r.random() < 0.5:
            body = self.encode(mode, label, body)  # encoded indeed, or the label is false
        return self.header(mode, fields) + body

    def encode(self, mode, label, data):
        if label == b"base64":
            return base64.encodebytes(data).replace(b"\n", self.eol(mode))
        return quopri.encodestring(data).replace(b"\n", self.eol(mode))

    def entity(self, mode, depth, bounds, top):
        r = self.r
        fields = self.extra_fields() if r.random() < 0.4 else []
        if top or r.random() < 0.1:
            fields.append(r.choice([b"MIME-Version: 1.0", b"MIME-Version: 1.0 (c)", b"MIME-Version: 1.0\r\n (x)",
                                    b"MIME-Version: 2.0"]))
        k = r.random()
        if depth < 4 and k < 0.45:
            return self.multipart(mode, depth, bounds, fields)
        if depth < 4 and k < 0.55:
            fields.append(b"Content-Type: message/rfc822")
            if r.random() < 0.15:
                label = r.choice([b"base64", b"quoted-printable", b"8bit"])
                fields.append(b"Content-Transfer-Encoding: " + label)
                if label != b"8bit":
                    # The encoded message has line ends of its own, or the outer's.
                    inner = self.entity(mode if r.random() < 0.6 else r.choice(MODES), depth + 1, [], True)
                    return self.header(mode, fields) + self.encode(mode, label, inner)
            return self.header(mode, fields) + self.entity(mode, depth + 1, bounds, True)
        ct = r.choice([b"text/plain", b"text/html; charset=utf-8", b"application/octet-stream", b"message/delivery-status",
                       b"image/png", b""])
        if ct:
            fields.append(b"Content-Type: " + ct)
        cte = r.choice([None, b"7bit", b"8bit", b"quoted-printable", b"base64", b"binary", b"x-foo"])
        if cte:
            fields.append(b"Content-Transfer-Encoding: " + cte)
        if cte == b"base64" and r.random() < 0.7:
            data = bytes(r.randint(0, 255) for _ in range(r.randint(0, 120)))
            encoded = base64.encodebytes(data).rstrip(b"\n").split(b"\n")
            return self.header(mode, fields) + self.join(mode, encoded, r.random() < 0.5)
        return self.header(mode, fields) + self.join(mode, self.lines(mode, bounds), r.random() < 0.5)


def main():
    seed, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    os.makedirs(out, exist_ok=True)
    trees = Trees(seed)
    for i in range(count):
        mode = trees.r.choice(MODES)
        with open(os.path.join(out, "tree-%d-%06d" % (seed, i)), "wb") as f:
            f.write(trees.entity(mode, 0, [], True))


if __name__ == "__main__":
    main()
