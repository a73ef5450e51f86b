#!/usr/bin/env python3
"""Turn parameter test data in JavaMail's format into messages.

    tools/mime-param-messages.py OUT FILE...

Each FILE holds Content-Type headers (folded lines after a
"Content-Type:" line), each followed by "Expect: N" and N lines of
"name=value" (angus-mail's `paramdata` and `paramdatanostrict`). Every
header becomes two messages, OUT/NNN-ct.eml with it as a part's
Content-Type and OUT/NNN-cd.eml with its parameters in the part's
Content-Disposition, so that `check_sanitizer.py` compares the name
Python reads from each before and after sanitizing. A `title` parameter
is renamed `name` (`filename` in the disposition) when the header has no
`name`. OUT/expect.tsv lists what JavaMail expects of each header.
"""
import os
import re
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


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0
    with open(os.path.join(out, "expect.tsv"), "w", encoding="utf-8") as expect_file:
        for path in sys.argv[2:]:
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
    print("%d headers, %d messages" % (n, 2 * n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
