#!/usr/bin/env python3
"""tests/x400/text_injection.py X400GWCTL SAMPLE_WRITER WORK_DIR

No text from the X.400 side may start a line of the header that
`x400gwctl x400 to-mime` writes. For every primitive value of printable
text in each sample MTS-APDU (and in the P22 content inside it), the value
is replaced with text that holds CR, LF or both and a header line, the
PDU is encoded again, and to-mime must either refuse it (exit 1 or 3) or
write a message in which no entity's header, and no field of a report,
has a line that starts with that header line. Text body parts are left
out: a line of content may say anything.
"""
import copy
import email
import email.policy
import os
import subprocess
import sys

PAYLOADS = (b'\r\nX-Evil: 1', b'\r\nX-Evil: 1\r\n', b'\nX-Evil: 1', b'\rX-Evil: 1', b'(013)(010)X-Evil:1')


def parse(b, i, end):
    """BER (definite lengths) as [tag octets, value] nodes; a primitive
    value that is itself BER (the content octets) is parsed as ('wrap', nodes)."""
    out = []
    while i < end:
        start = i
        tag = b[i]
        i += 1
        if tag & 0x1f == 0x1f:
            while b[i] & 0x80:
                i += 1
            i += 1
        tag_octets = b[start:i]
        n = b[i]
        i += 1
        if n & 0x80:
            k = n & 0x7f
            n = int.from_bytes(b[i:i + k], 'big')
            i += k
        value = b[i:i + n]
        if tag & 0x20:
            out.append([tag_octets, parse(b, i, i + n)])
        else:
            nested = None
            if n > 2 and value[0] in (0xa0, 0xa1, 0x30, 0x31):
                try:
                    nested = parse(value, 0, n)
                    if encode(nested) != value:
                        nested = None
                except (IndexError, ValueError):
                    nested = None
            out.append([tag_octets, ('wrap', nested) if nested else value])
        i += n
    return out


def encode(nodes):
    out = b''
    for tag, v in nodes:
        body = encode(v) if isinstance(v, list) else encode(v[1]) if isinstance(v, tuple) else v
        n = len(body)
        length = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, 'big')
        out += tag + length + body
    return out


def texts(nodes, path=()):
    for k, (tag, v) in enumerate(nodes):
        if isinstance(v, list):
            yield from texts(v, path + (k,))
        elif isinstance(v, tuple):
            yield from texts(v[1], path + (k, 'w'))
        elif v and all(32 <= c < 127 for c in v):
            yield path + (k,)


def slot(nodes, path):
    for k in path[:-1]:
        nodes = nodes[1] if k == 'w' else nodes[k][1]
    return nodes, path[-1]


def header_lines(raw):
    """Every line of every header in the message: each entity's, and the
    field groups of delivery-status and disposition-notification parts."""
    lines = []
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in msg.walk():
        for name, value in part.items():
            lines.append(name)
            lines.extend(value.splitlines()[1:])
        if part.get_content_type() in ('message/delivery-status', 'message/disposition-notification'):
            body = part.get_payload()
            if isinstance(body, list):
                for group in body:
                    lines.extend(group.keys())
            else:
                lines.extend(body.splitlines())
    return lines


def main():
    ctl, writer, work = sys.argv[1:4]
    samples = os.path.join(work, 'samples')
    os.makedirs(samples, exist_ok=True)
    subprocess.run([writer, samples], check=True)
    tried = failed = 0
    for name in sorted(os.listdir(samples)):
        if not name.endswith('.ber') or name.endswith('.indefinite.ber') or name.endswith('.segments.ber'):
            continue
        tree = parse(open(os.path.join(samples, name), 'rb').read(), 0, os.path.getsize(os.path.join(samples, name)))
        for path in texts(tree):
            for payload in PAYLOADS:
                mutated = copy.deepcopy(tree)
                nodes, k = slot(mutated, path)
                nodes[k][1] = nodes[k][1][:1] + payload
                r = subprocess.run([ctl, 'x400', 'to-mime', '-'], input=encode(mutated), capture_output=True)
                tried += 1
                if r.returncode not in (0, 1, 3):
                    failed += 1
                    print(f'FAIL {name} {path}: exit {r.returncode}')
                elif r.returncode == 0 and any(l.lower().startswith('x-evil') for l in header_lines(r.stdout)):
                    failed += 1
                    print(f'FAIL {name} {path} {payload!r}: a header line of the sender\'s choosing')
    print(f'{tried} mutations, {failed} failed')
    return 1 if failed or not tried else 0


if __name__ == '__main__':
    sys.exit(main())
