#!/usr/bin/env python3
"""Turn parameter test data in JavaMail's format into messages.

    tools/mime-param-messages.py [--ctl CTL] OUT FILE...

Each FILE holds Content-Type headers (folded lines after a
"Content-Type:" line), each followed by "Expect: N" and N lines of
"name=value" (angus-mail's `paramdata` and `paramdatanostrict`). Every
header becomes two messages, OUT/NNN-ct.eml with it as a part's
Content-Type and OUT/NNN-cd.eml with its parameters in the part's
Content-Disposition, so that `check_sanitizer.py` compares the name
Python reads from each before and after sanitizing. A `title` parameter
is renamed `name` (`filename` in the disposition) when the header has no
`name`. OUT/expect.tsv lists what JavaMail expects of each header.

With --ctl, an x400gwctl binary, each header's parameters as x400gw reads
them (`mime structure --json` of NNN-ct.eml) are compared with what
JavaMail expects: a line per header that differs, then a count.
"""
import json
import os
import re
import subprocess
import sys

MESSAGE = ("From: a@example.org\r\nTo: b@example.org\r\nSubject: p%d\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n"
           "--=_b\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
           "--=_b\r\n%s\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--=_b--\r\n")


def headers(lines):
    """(folded value, expected lines) for each Content-Type header."""
    i = 0
    while i < len(lines):
        if not lines[i].startswith("Content-Type:"):
            i += 1
            continue
        field = [lines[i]]
        i += 1
        while i < len(lines) and lines[i][:1] in (" ", "\t"):
            field.append(lines[i])
            i += 1
        expect = []
        if i < len(lines) and lines[i].startswith("Expect:"):
            k = int(lines[i].split()[1])
            expect = [line.strip() for line in lines[i + 1:i + 1 + k]]
            i += 1 + k
        yield "\r\n".join(field)[len("Content-Type:"):], expect


def as_javamail_reads(ctl, path, renamed):
    """x400gw's parameters of the part, named as JavaMail's test names them."""
    with open(path, "rb") as f:
        tree = subprocess.run([ctl, "mime", "structure", "--json"], stdin=f, stdout=subprocess.PIPE,
                              check=True).stdout
    params = json.loads(tree)["parts"][2]["params"]
    return {("title" if renamed and k == "name" else k): v for k, v in params.items()}


def main():
    args = sys.argv[1:]
    ctl = None
    if args[:1] == ["--ctl"] and len(args) > 1:
        ctl, args = args[1], args[2:]
    if len(args) < 2:
        sys.stderr.write(__doc__)
        return 2
    out = args[0]
    os.makedirs(out, exist_ok=True)
    n = same = 0
    with open(os.path.join(out, "expect.tsv"), "w", encoding="utf-8") as expect_file:
        for path in args[1:]:
            with open(path, encoding="latin-1") as f:
                lines = f.read().split("\n")
            for value, expect in headers(lines):
                n += 1
                media_type, _, params = value.partition(";")
                has_name = re.search(r"[;\s]name[*=]", value) is not None
                ct = value if has_name else re.sub(r"\btitle\b", "name", value)
                cd = re.sub(r"\bname\b" if has_name else r"\btitle\b", "filename", params)
                for kind, fields in (("ct", "Content-Type:%s\r\nContent-Disposition: attachment" % ct),
                                     ("cd", "Content-Type:%s\r\nContent-Disposition: attachment;%s"
                                      % (media_type, cd))):
                    with open(os.path.join(out, "%03d-%s.eml" % (n, kind)), "w", encoding="latin-1",
                              newline="") as f:
                        f.write(MESSAGE % (n, fields))
                expect_file.write("%03d\t%s\n" % (n, " | ".join(expect)))
                if ctl:
                    want = dict(line.split("=", 1) for line in expect)
                    want = {k: v.encode("latin-1").decode("unicode_escape") for k, v in want.items()}
                    got = as_javamail_reads(ctl, os.path.join(out, "%03d-ct.eml" % n), not has_name)
                    if got == want:
                        same += 1
                    else:
                        print("DIFF %03d: x400gw %r, JavaMail %r" % (n, got, want))
    print("%d headers, %d messages" % (n, 2 * n))
    if ctl:
        print("%d of %d headers read as JavaMail's test expects" % (same, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
