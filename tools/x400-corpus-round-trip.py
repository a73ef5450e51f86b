#!/usr/bin/env python3
"""tools/x400-corpus-round-trip.py CTL OUT DIR...

Maps every message under DIR... to X.400 and back, as a site's peers
would exercise `x400gwctl x400 from-mime` and `to-mime`:

  1. from-mime (MAIL FROM alice@example.com, RCPT TO bob@example.org)
     must exit 0 or 3 (refused, with its reason); its BER goes to
     OUT/samples/cNNNNN.ber and its P22 content to cNNNNN.p22;
  2. `x400 decode` and `to-mime` must read that BER (exit 0);
  3. every leaf of the message as `mime sanitize` writes it (Python's
     email package reading it; of a multipart/alternative only the first
     alternative, as RFC 2157 carries) must have its decoded content, CR LF
     read as LF, in some leaf of what to-mime wrote.

Prints the exit codes, the refusals by reason and each message whose
content did not come back. OUT/samples can then be handed to the oracle
test, which decodes each file with @wildboar/x400 and tshark:

  node tests/x400/oracle/oracle.js CTL /bin/true OUT
"""
import collections
import email
import email.policy
import json
import os
import subprocess
import sys


def leaves(raw):
    out = []

    def walk(p):
        if p.is_multipart():
            parts = p.get_payload()
            if p.get_content_type() == 'multipart/alternative':
                parts = parts[:1]
            for c in parts:
                walk(c)
        elif p.get_content_type() in ('message/rfc822', 'message/global') and isinstance(p.get_payload(), list):
            for c in p.get_payload():
                walk(c)
        else:
            d = p.get_payload(decode=True) or b''
            out.append((p.get_content_type(), d.replace(b'\r\n', b'\n').strip()))

    walk(email.message_from_bytes(raw, policy=email.policy.default))
    return out


def main():
    ctl, out = sys.argv[1], sys.argv[2]
    samples = os.path.join(out, 'samples')
    os.makedirs(samples, exist_ok=True)
    files = sorted(os.path.join(d, f) for top in sys.argv[3:] for d, _, fs in os.walk(top) for f in fs)
    exits = collections.Counter()
    refusals = collections.Counter()
    unreadable = lost = mapped = 0
    for n, path in enumerate(files, 1):
        r = subprocess.run([ctl, 'x400', 'from-mime', '--from', 'alice@example.com', '--to', 'bob@example.org', path],
                           capture_output=True, timeout=60)
        exits[r.returncode] += 1
        if r.returncode == 3:
            refusals[r.stderr.decode('utf-8', 'replace').split(': ', 2)[-1].split(':')[0].strip()] += 1
        if r.returncode != 0:
            continue
        mapped += 1
        ber = os.path.join(samples, f'c{n:05d}.ber')
        open(ber, 'wb').write(r.stdout)
        d = subprocess.run([ctl, 'x400', 'decode', '--json', ber], capture_output=True, timeout=60)
        t = subprocess.run([ctl, 'x400', 'to-mime', ber], capture_output=True, timeout=60)
        if d.returncode != 0 or t.returncode != 0:
            unreadable += 1
            print(f'UNREADABLE {path}: decode {d.returncode}, to-mime {t.returncode}')
            continue
        content = json.loads(d.stdout)['message']['content']['octets']
        open(os.path.join(samples, f'c{n:05d}.p22'), 'wb').write(bytes.fromhex(content))
        sanitized = subprocess.run([ctl, 'mime', 'sanitize', path], capture_output=True, timeout=60).stdout
        back = {d for _, d in leaves(t.stdout)}
        missing = [ct for ct, d in leaves(sanitized) if d and d not in back]
        if missing:
            lost += 1
            print(f'CONTENT {path}: not found again: {", ".join(missing)}')
    print(f'{len(files)} messages: exit codes {dict(sorted(exits.items()))}')
    for why, count in refusals.most_common():
        print(f'  refused {count}: {why}')
    print(f'{mapped} mapped: {unreadable} not read back, {lost} with content not found again')
    return 1 if unreadable or any(c not in (0, 3) for c in exits) else 0


if __name__ == '__main__':
    sys.exit(main())
