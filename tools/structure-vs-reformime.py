#!/usr/bin/env python3
"""Compare x400gw's MIME tree of a message with the one Courier's rfc2045
library reads (`reformime -i`, Debian package maildrop).

    tools/structure-vs-reformime.py [--output [--7bit]] [--reader PROGRAM] CTL DIR...

CTL is an x400gwctl binary; every *.eml file in each DIR is read. Without
--output the input is compared: x400gw's `mime structure` of it against
Courier's. With --output the sanitized message (`mime sanitize`, with
--7bit if given) is compared the same way, which asks whether a reader
downstream of the gateway finds the parts x400gw wrote. Each part is
compared by its section number and media type; Courier's default type
(text/plain) is what x400gw writes for a part without a valid one.
Courier reads a `message/global` (RFC 6532) as a leaf: the parts inside
one are not compared. It reads at most 300 parts.

--reader PROGRAM asks another reader, which prints its tree as
`reformime -i` does: tools/gmime-tree.c for GMime 3 (the library of
Evolution and Geary), which reads a `message/global` as a message.

A line per message that differs, then a count. Exit status 1 if any
differs, 2 on a usage error.
"""
import json
import os
import subprocess
import sys


def ours(ctl, data, global_is_leaf):
    out = subprocess.run([ctl, "mime", "structure", "--json"], input=data,
                         stdout=subprocess.PIPE, check=True).stdout
    parts = json.loads(out)["parts"]
    sections = {}
    result = []
    unseen = set()  # parts whose children Courier does not see
    for p in parts:  # preorder, parents before children
        if p["parent"] in unseen:
            unseen.add(p["index"])
            continue
        if global_is_leaf and p["type"].lower() == "message/global":
            unseen.add(p["index"])
        if p["parent"] is None:
            sections[p["index"]] = "1"
        else:
            parent = parts[p["parent"]]
            sections[p["index"]] = "%s.%d" % (sections[p["parent"]],
                                               parent["children"].index(p["index"]) + 1)
        result.append((sections[p["index"]], p["type"].lower()))
    return result


def theirs(reader, data):
    out = subprocess.run(reader, input=data, stdout=subprocess.PIPE, check=True).stdout
    result = []
    section = None
    for line in out.decode("latin-1").splitlines():
        if line.startswith("section: "):
            section = line[len("section: "):]
        elif line.startswith("content-type: ") and section is not None:
            result.append((section, line[len("content-type: "):].lower()))
            section = None
    return result


def main():
    args = sys.argv[1:]
    output = "--output" in args
    seven = "--7bit" in args
    args = [a for a in args if a not in ("--output", "--7bit")]
    reader, reader_name = ["reformime", "-i"], "Courier"
    if "--reader" in args[:-1]:
        at = args.index("--reader")
        reader, reader_name = [args[at + 1]], os.path.basename(args[at + 1])
        del args[at:at + 2]
    if len(args) < 2 or (seven and not output):
        sys.stderr.write(__doc__)
        return 2
    ctl = args[0]
    count = differ = 0
    for d in args[1:]:
        for name in sorted(os.listdir(d)):
            if not name.endswith(".eml"):
                continue
            count += 1
            path = os.path.join(d, name)
            with open(path, "rb") as f:
                data = f.read()
            if output:
                data = subprocess.run([ctl, "mime", "sanitize"] + (["--7bit"] if seven else []),
                                      input=data, stdout=subprocess.PIPE, check=True).stdout
            a, b = ours(ctl, data, reader_name == "Courier"), theirs(reader, data)
            if a != b:
                differ += 1
                where = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                print("DIFF %s: %d parts against %d; first at %s against %s" % (
                    path, len(a), len(b), a[where] if where < len(a) else None,
                    b[where] if where < len(b) else None))
    print("%d messages, %d differ (x400gw against %s%s)" % (
        count, differ, reader_name, " on the output" + (" of --7bit" if seven else "") if output else ""))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
