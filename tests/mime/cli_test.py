#!/usr/bin/python3
"""x400gwctl mime: output on every case, exit statuses, any octets on stdin.

  cli_test.py X400GWCTL CASES_DIR
"""
import os
import random
import subprocess
import sys


def run(ctl, args, data=None):
    return subprocess.run([ctl] + args, input=data, capture_output=True, timeout=60)


def main():
    ctl, cases = sys.argv[1], sys.argv[2]
    failures = []

    def expect(cond, what):
        if not cond:
            failures.append(what)

    for name in sorted(os.listdir(cases)):
        if not name.endswith(".eml"):
            continue
        path = os.path.join(cases, name)
        p = run(ctl, ["mime", "structure", path])
        expect(p.returncode == 0 and p.stdout.count(b"\n") == 1, "structure %s: one line, status 0" % name)
        expected = path[:-4] + ".expected"
        if os.path.exists(expected):
            expect(p.stdout == open(expected, "rb").read(), "structure %s matches %s" % (name, expected))
        with open(path, "rb") as f:
            data = f.read()
        p = run(ctl, ["mime", "sanitize", "--7bit", "-v"], data)
        expect(p.returncode == 0 and p.stdout, "sanitize --7bit -v %s from stdin" % name)
        golden = path[:-4] + ".sanitized7"
        if os.path.exists(golden):
            expect(p.stdout == open(golden, "rb").read(), "sanitize %s matches %s" % (name, golden))
        p = run(ctl, ["mime", "structure", "--json", "-"], data)
        expect(p.returncode == 0 and p.stdout.startswith(b'{"parts":['), "structure --json %s" % name)

    rng = random.Random(7)
    for i in range(6):
        noise = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5000)))
        for args in (["mime", "structure"], ["mime", "structure", "--json"], ["mime", "sanitize"],
                     ["mime", "sanitize", "--7bit", "-v"]):
            p = run(ctl, args, noise)
            expect(p.returncode == 0 and p.stdout, "%s on noise %d" % (" ".join(args), i))

    p = run(ctl, ["mime"])
    expect(p.returncode == 2, "mime without a subcommand exits 2 (got %d)" % p.returncode)
    p = run(ctl, ["mime", "structure", "--bogus"])
    expect(p.returncode == 2, "unknown option exits 2 (got %d)" % p.returncode)
    p = run(ctl, ["mime", "sanitize", "a", "b"])
    expect(p.returncode == 2, "two files exit 2 (got %d)" % p.returncode)
    p = run(ctl, ["mime", "structure", "/nonexistent/file.eml"])
    expect(p.returncode == 1, "unreadable file exits 1 (got %d)" % p.returncode)
    p = run(ctl, ["mime", "structure", "/"])
    expect(p.returncode == 1 and b"/: Is a directory" in p.stderr, "a directory is named as one: %r" % p.stderr)
    p = run(ctl, ["mime", "sanitize", "-v"], b"Subject: x\n\nhi\n")
    expect(p.returncode == 0 and b"mime_version_added" in p.stderr, "-v lists the changes on stderr")

    for f in failures:
        print("FAIL", f)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
