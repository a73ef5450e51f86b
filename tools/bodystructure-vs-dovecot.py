#!/usr/bin/python3
"""Compares `x400gwctl mime structure` with Dovecot's BODYSTRUCTURE.

  tools/bodystructure-vs-dovecot.py [--output [--7bit]] X400GWCTL FILE_OR_DIR...

For each message (a file, or every file of a directory), runs Dovecot's
`imap` in pre-authenticated mode on a maildir holding only that message
(Debian's dovecot-imapd; run as root, the maildir belongs to nobody) and
compares the two trees: the multiparts, their subtypes and children, and
every leaf's type and subtype (message/rfc822 and message/global with
their nested tree). Parameters, sizes, encodings and extension data are
not compared: the two differ there by convention (Dovecot adds
charset=us-ascii, keeps RFC 2231 values raw, reports unknown encodings as
7bit). Prints one DIFF line per message that differs, then a count.
docs/mime.md gives what it found on other projects' test corpora.

With --output it compares Dovecot with Dovecot instead: its tree of each
message against its tree of what `x400gwctl mime sanitize [--7bit]` makes
of it, which is what a reader downstream of the gateway sees. A message
whose input Dovecot reads as we do (the tree is not in doubt) and whose
output it reads otherwise is marked CHANGED: the sanitizer changed what
the message means to that reader. The others are marked DIFF.
"""
import os
import shutil
import subprocess
import sys
import tempfile

IMAP = "/usr/lib/dovecot/imap"


def tokens(s):
    i, out = 0, []
    while i < len(s):
        c = s[i]
        if c in b" \r\n":
            i += 1
        elif c in b"()":
            out.append(chr(c))
            i += 1
        elif c == ord('"'):
            j, buf = i + 1, bytearray()
            while s[j] != ord('"'):
                if s[j] == ord("\\"):
                    j += 1
                buf.append(s[j])
                j += 1
            out.append(bytes(buf).decode("utf-8", "replace"))
            i = j + 1
        elif c == ord("{"):   # a literal: {n}CRLF then n octets
            j = s.index(b"}", i)
            n = int(s[i + 1:j])
            k = s.index(b"\n", j) + 1
            out.append(s[k:k + n].decode("utf-8", "replace"))
            i = k + n
        else:
            j = i
            while j < len(s) and s[j] not in b" ()\r\n":
                j += 1
            atom = s[i:j].decode()
            out.append(None if atom == "NIL" else atom)
            i = j
    return out


def tree(s):
    toks, pos = tokens(s), [0]

    def one():
        t = toks[pos[0]]
        pos[0] += 1
        if t != "(":
            return t.lower() if isinstance(t, str) else t
        items = []
        while toks[pos[0]] != ")":
            items.append(one())
        pos[0] += 1
        return items
    return one()


def shape(x):
    if isinstance(x[0], list):   # multipart: children, the subtype, extension data
        n = next((i for i, k in enumerate(x) if not isinstance(k, list)), len(x))
        return ["multipart", x[n] if n < len(x) else None, [shape(k) for k in x[:n]]]
    out = [x[0], x[1]]
    if x[0] == "message" and x[1] in ("rfc822", "global") and len(x) > 8 and isinstance(x[8], list):
        out.append(shape(x[8]))
    return out


def dovecot(path, work):
    shutil.rmtree(work, ignore_errors=True)
    for d in ("cur", "new", "tmp"):
        os.makedirs(f"{work}/md/{d}")
    os.makedirs(f"{work}/home")
    shutil.copy(path, f"{work}/md/cur/1.x:2,S")
    subprocess.run(["chown", "-R", "nobody:nogroup", work], check=True)
    r = subprocess.run(["runuser", "-u", "nobody", "--", "env", "-i", "USER=nobody", f"HOME={work}/home",
                        "PATH=/usr/bin:/bin", IMAP, "-o", f"mail_location=maildir:{work}/md"],
                       input=b"a SELECT INBOX\r\nb FETCH 1 BODYSTRUCTURE\r\nc LOGOUT\r\n", capture_output=True)
    mark = b"* 1 FETCH (BODYSTRUCTURE "
    at = r.stdout.find(mark)
    return None if at < 0 else r.stdout[at + len(mark):]


def differences(a, b, where=""):
    if isinstance(a, list) and isinstance(b, list):
        out = [] if len(a) == len(b) else [f"{where}: {len(a)} items against {len(b)}"]
        for i, (x, y) in enumerate(zip(a, b)):
            out += differences(x, y, f"{where}.{i}")
        return out
    return [] if a == b else [f"{where}: {a!r} against {b!r}"]


def main():
    args = sys.argv[1:]
    output = "--output" in args
    seven = "--7bit" in args
    args = [a for a in args if a not in ("--output", "--7bit")]
    if len(args) < 2 or (seven and not output):
        sys.exit(__doc__)
    ctl, files = args[0], []
    for arg in args[1:]:
        files += sorted(os.path.join(arg, f) for f in os.listdir(arg)) if os.path.isdir(arg) else [arg]
    work = tempfile.mkdtemp(prefix="bodystructure-")
    os.chmod(work, 0o755)   # Dovecot runs as nobody
    differ = changed = 0
    try:
        for f in files:
            ours = subprocess.run([ctl, "mime", "structure", f], capture_output=True).stdout
            theirs = dovecot(f, f"{work}/one")
            mark = "DIFF"
            try:
                d = differences(shape(tree(ours)), shape(tree(theirs)))
                if output:
                    out = f"{work}/out.eml"
                    with open(out, "wb") as o:
                        subprocess.run([ctl, "mime", "sanitize"] + (["--7bit"] if seven else []) + [f],
                                       stdout=o, check=True)
                    after = differences(shape(tree(theirs)), shape(tree(dovecot(out, f"{work}/one"))))
                    mark = "CHANGED" if after and not d else "DIFF"
                    d = after
            except Exception as e:   # no answer, or one this reader cannot read
                d = [f"not compared ({type(e).__name__})"]
            if d:
                differ += 1
                changed += mark == "CHANGED"
                print(mark, f, "; ".join(d[:4]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    what = "Dovecot on the input against Dovecot on the output" if output else "x400gw against Dovecot"
    print(f"{len(files)} messages, {differ} differ ({what})" + (f", {changed} changed" if output else ""))


if __name__ == "__main__":
    main()
