#!/usr/bin/python3
"""Writes mutated copies of mail messages, one directory per mutation.

  tools/mime-mutations.py SEED COUNT OUTDIR DIR...

Takes COUNT messages (*.eml) at random (SEED) from the DIRs and writes, for
each mutation below, OUTDIR/<mutation>/<dir>_<name>.eml. Each mutation
moves a message into one class of malformed input the sanitizer must
handle, or two (FIRST_THEN: FIRST's output mutated by THEN); run tests/mime/check_sanitizer.py over every OUTDIR/<mutation>.
docs/mime.md gives what this found.
"""
import base64
import os
import quopri
import random
import re
import sys


def split_head(b):
    m = re.search(rb"\r?\n\r?\n", b)
    return (b, b"") if not m else (b[:m.start()] + b"\r\n", b[m.end():])


def without_first_cte(b):
    return re.sub(rb"(?im)^content-transfer-encoding:[^\n]*\n", b"", b, count=1)


def relabel(b, label, encode):
    h, body = split_head(without_first_cte(b))
    return h + b"Content-Transfer-Encoding: " + label + b"\r\n\r\n" + encode(body)


def wrap(b, cte, encode):
    return (b"From: w@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"W\"\r\n\r\n"
            b"--W\r\nContent-Type: text/plain\r\n\r\ncover\r\n--W\r\nContent-Type: message/rfc822\r\n"
            b"Content-Transfer-Encoding: " + cte + b"\r\n\r\n" + encode(b) + b"\r\n--W--\r\n")


def crlf_base64(b):
    return base64.encodebytes(b).replace(b"\n", b"\r\n")


def widened(b):
    """Every text part in an identity encoding rewritten in UTF-16LE, its
    charset said so: its 0D and 0A octets are then halves of characters."""
    def one(m):
        head, body = m.group(1), m.group(2)
        if re.search(rb"(?im)^content-transfer-encoding:[ \t]*(base64|quoted-printable)", head):
            return m.group(0)
        head = re.sub(rb"(?i)charset=(\"[^\"]*\"|[^;\s]+)", b"charset=utf-16le", head, count=1)
        if b"charset=utf-16le" not in head:
            head = re.sub(rb"(?i)(content-type:[ \t]*text/[a-z0-9.+-]+)", rb"\1; charset=utf-16le", head, count=1)
        return head + body.decode("latin-1").encode("utf-16-le")
    # a header holding a text type, its empty line, and the body up to
    # the line end before a line starting with "--" (or the end)
    return re.sub(rb"(?is)((?:^|\n)content-type:[ \t]*text/[^\n]*\n(?:[^\n]+\n)*?\r?\n)(.*?)(?=\r?\n--|(?<=\n)--|\Z)",
                  one, b)


def boundary_prefixed(b):
    """A line that starts with its multipart's boundary but is no delimiter
    ("--B-not-a-delimiter") put at the start of every part's body: readers
    that match delimiters by prefix split there (issue 12's third class)."""
    for bnd in set(re.findall(rb'(?i)boundary="?([^";\r\n]+)"?', b)):
        delimiter = re.compile(rb"(?m)^--" + re.escape(bnd) + rb"[ \t]*\r?$\n(?:[^\r\n][^\n]*\n)*?\r?\n")
        b = delimiter.sub(lambda m: m.group(0) + b"--" + bnd + b"-not-a-delimiter\r\n", b)
    return b


MUTATIONS = {
    "lf": lambda b: b.replace(b"\r\n", b"\n"),
    "cr": lambda b: b.replace(b"\r\n", b"\r").replace(b"\n", b"\r"),
    "mixeol": lambda b: b"".join(l + random.choice([b"\r\n", b"\n", b"\r"]) for l in re.split(rb"\r\n|\n|\r", b)),
    "trunc": lambda b: b[:random.randint(len(b) // 3, len(b))],
    "trunc_line": lambda b: b[:max(0, b.rfind(b"\n", 0, random.randint(len(b) // 2, len(b))) + 1)] + b"--",
    "nosep": lambda b: b"".join(split_head(b)),
    "b64top": lambda b: relabel(b, b"base64", crlf_base64),
    "qptop": lambda b: relabel(b, b"quoted-printable", quopri.encodestring),
    "falseqp": lambda b: relabel(b, b"quoted-printable", lambda x: x),
    "falseb64": lambda b: relabel(b, b"base64", lambda x: x),
    "wrapqp": lambda b: wrap(b, b"quoted-printable", quopri.encodestring),
    "wrapb64": lambda b: wrap(b, b"base64", crlf_base64),
    "wrapdigest": lambda b: (b"From: w@example.com\r\nMIME-Version: 1.0\r\n"
                             b"Content-Type: multipart/digest; boundary=\"W\"\r\n\r\n--W\r\n\r\n" + b + b"\r\n--W--\r\n"),
    "eightbit": lambda b: b.replace(b"e", b"\xe9", 40),
    "nul": lambda b: b.replace(b"a", b"\x00", 3),
    "nomv": lambda b: re.sub(rb"(?im)^mime-version:[^\n]*\n", b"", b),
    "ws": lambda b: re.sub(rb"(?im)^(content-type):", rb"\1 :", b),
    "fold": lambda b: re.sub(rb"(?i)(boundary=)", rb"\r\n \1", b),
    "wide": widened,
    "bprefix": boundary_prefixed,
    "dupct": lambda b: re.sub(rb"(?im)^(content-type:[^\r\n]*\r?\n)", rb"Content-Type: text/plain\r\n\1", b, count=2),
}


def paired(pairs):
    """FIRST_THEN for each (FIRST, THEN): FIRST's output mutated by THEN."""
    return {first + "_" + then: (lambda f, g: lambda b: MUTATIONS[g](MUTATIONS[f](b)))(first, then)
            for first, then in pairs}


# Two classes at once, where one reading must carry into the other: an
# encoded composite in a message whose line ends are not CRLF.
MUTATIONS.update(paired([("wrapb64", "cr"), ("wrapqp", "cr"), ("b64top", "cr"), ("wrapb64", "lf"),
                         ("qptop", "lf"), ("wrapb64", "mixeol"), ("wrapqp", "mixeol"), ("qptop", "mixeol")]))

# And 8-bit octets, the NULs, a folded boundary or a truncation in a tree
# another class has already broken: after --7bit nothing may say or hold
# 8bit, whatever the tree (issue 12's second class and its neighbours).
MUTATIONS.update(paired([("nomv", "eightbit"), ("nosep", "eightbit"), ("trunc_line", "eightbit"),
                         ("fold", "eightbit"), ("dupct", "eightbit"), ("falseb64", "eightbit"),
                         ("wrapqp", "eightbit"), ("wrapdigest", "eightbit"), ("cr", "eightbit"),
                         ("wrapb64", "trunc"), ("fold", "cr"), ("fold", "mixeol"), ("ws", "lf"),
                         ("wrapqp", "nul"), ("dupct", "lf")]))


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    seed, count, out, dirs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    random.seed(seed)
    sources = sorted(os.path.join(d, f) for d in dirs for f in os.listdir(d) if f.endswith(".eml"))
    sample = random.sample(sources, min(count, len(sources)))
    for name, mutate in MUTATIONS.items():
        os.makedirs(os.path.join(out, name), exist_ok=True)
        for path in sample:
            with open(path, "rb") as f:
                data = f.read()
            target = os.path.basename(os.path.dirname(os.path.abspath(path))) + "_" + os.path.basename(path)
            with open(os.path.join(out, name, target), "wb") as f:
                f.write(mutate(data))


if __name__ == "__main__":
    main()
