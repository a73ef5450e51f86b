#!/usr/bin/python3
"""Does the sanitizer leave signed content as it came?

  tools/mime-signed-parts.py [--7bit] X400GWCTL DIR...

For every file of the DIRs holding a multipart/signed (RFC 1847: S/MIME,
PGP/MIME), compares the signed content, the first part of each
multipart/signed with its header and every line inside it, in the input
and in the output of `x400gwctl mime sanitize [--7bit]`. Line ends are
compared as CRLF, the canonical form the signature covers, so a message
stored with LF line ends counts as its CRLF form. Prints one CHANGED line
per message whose signed content differs, with the kinds of change
`sanitize -v` reported, then a count. docs/mime.md gives what it found.

Python's own `email` finds the multipart/signed entities and their
boundaries; the signed content is then cut from the octets between the
first two delimiter lines.
"""
import email
import email.policy
import os
import re
import subprocess
import sys


def signed_contents(raw):
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception:
        return []
    crlf = re.sub(rb"\r\n|\r|\n", b"\r\n", raw)
    out = []
    for part in msg.walk():
        if part.get_content_type() != "multipart/signed":
            continue
        boundary = part.get_boundary()
        if not boundary:
            continue
        delimiter = b"\r\n--" + boundary.encode("latin-1", "replace")
        start = crlf.find(delimiter)
        if start < 0:
            continue
        start = crlf.find(b"\r\n", start + 2)
        end = crlf.find(delimiter, start)
        if start >= 0 and end >= 0:
            out.append(crlf[start + 2:end])
    return out


def main(argv):
    args = argv[1:]
    seven_bit = args[:1] == ["--7bit"]
    if seven_bit:
        args = args[1:]
    if len(args) < 2:
        sys.stderr.write(__doc__)
        return 2
    ctl, dirs = args[0], args[1:]
    mode = ["--7bit"] if seven_bit else []
    signed = changed = 0
    for d in dirs:
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            if not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                raw = f.read()
            before = signed_contents(raw)
            if not before:
                continue
            signed += 1
            run = subprocess.run([ctl, "mime", "sanitize", "-v"] + mode, input=raw, capture_output=True)
            if signed_contents(run.stdout) != before:
                changed += 1
                kinds = sorted(set(re.findall(r"^(\w+) ", run.stderr.decode("utf-8", "replace"), re.M)))
                print("CHANGED %s (%s)" % (path, ", ".join(kinds)))
    print("%d messages with signed content, %d changed" % (signed, changed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
