#!/usr/bin/env python3
"""Where x400gw reads a message's MIME tree otherwise than two other
readers agree.

    tools/structure-consensus.py CTL FILE_OR_DIR...

For each message, three trees of multiparts, their subtypes and children,
and each leaf's type (a message/rfc822 or message/global with the tree
inside): `x400gwctl mime structure` (CTL), Dovecot's BODYSTRUCTURE (as
tools/bodystructure-vs-dovecot.py asks it; Debian's dovecot-imapd, run as
root) and Python's `email`. A type a reader leaves empty is read as the
RFC 2045 default, text/plain. Where Dovecot and Python agree and x400gw
does not, one OURS line; then the counts. Two independent readers that
agree make a tree less in doubt; each line is a place to look, and
docs/mime.md says which readings are x400gw's on purpose.
"""
import email
import importlib.util
import os
import subprocess
import sys
import tempfile

_spec = importlib.util.spec_from_file_location(
    "bodystructure_vs_dovecot", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bodystructure-vs-dovecot.py"))
dovecot_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dovecot_tool)


def normal(shape):
    """A shape with a reader's empty type read as text/plain."""
    if shape[0] == "multipart":
        return ["multipart", shape[1], [normal(k) for k in shape[2]]]
    out = [shape[0], shape[1]] if shape[0] and shape[1] else ["text", "plain"]
    if len(shape) > 2:
        out.append(normal(shape[2]))
    return out


def python_shape(m):
    if m.is_multipart() and m.get_content_maintype() == "multipart":
        return ["multipart", m.get_content_subtype(), [python_shape(p) for p in m.get_payload()]]
    out = [m.get_content_maintype(), m.get_content_subtype()]
    if out in (["message", "rfc822"], ["message", "global"]):
        payload = m.get_payload()
        if isinstance(payload, list) and payload:
            out.append(python_shape(payload[0]))
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    ctl, files = sys.argv[1], []
    for arg in sys.argv[2:]:
        files += sorted(os.path.join(arg, f) for f in os.listdir(arg)) if os.path.isdir(arg) else [arg]
    work = tempfile.mkdtemp(prefix="consensus-")
    os.chmod(work, 0o755)   # Dovecot runs as nobody
    compared = agree = ours = 0
    for f in files:
        try:
            mine = subprocess.run([ctl, "mime", "structure", f], capture_output=True).stdout
            trees = [normal(dovecot_tool.shape(dovecot_tool.tree(mine))),
                     normal(dovecot_tool.shape(dovecot_tool.tree(dovecot_tool.dovecot(f, f"{work}/one")))),
                     normal(python_shape(email.message_from_bytes(open(f, "rb").read())))]
        except Exception as e:   # no answer, or one a reader cannot read
            print("SKIP", f, type(e).__name__)
            continue
        compared += 1
        if trees[1] == trees[2]:
            agree += 1
            if trees[0] != trees[1]:
                ours += 1
                print("OURS", f, "; ".join(dovecot_tool.differences(trees[0], trees[1])[:3]))
    print(f"{compared} compared, Dovecot and Python agree on {agree}, x400gw reads {ours} of those otherwise")


if __name__ == "__main__":
    main()
