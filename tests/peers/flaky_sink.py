"""A next hop that answers end of data with a scripted reply per attempt:
e.g. ["451 4.3.0 try later", "250 2.0.0 ok"] defers the first delivery and
accepts the second; ["550 5.1.1 no such user"] refuses for good. Past the
script it repeats the last reply. Built on aiosmtpd (Debian's
python3-aiosmtpd); records every accepted message.

Misbehaviour: temporary and permanent failures, on demand; with
`rcpt_limit`, "452 4.5.3 Too many recipients" to every RCPT past that many
in one transaction (RFC 5321 4.5.3.1.10).
"""

import threading

from aiosmtpd.controller import Controller


class FlakySink:
    def __init__(self, script, port, rcpt_limit=None):
        self.script = list(script)
        self.attempts = 0
        self.accepted = []
        self.lock = threading.Lock()
        peer = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if rcpt_limit is not None and len(envelope.rcpt_tos) >= rcpt_limit:
                    return "452 4.5.3 Too many recipients"
                envelope.rcpt_tos.append(address)
                return "250 2.1.5 Ok"

            async def handle_DATA(self, server, session, envelope):
                with peer.lock:
                    reply = peer.script[min(peer.attempts, len(peer.script) - 1)]
                    peer.attempts += 1
                    if reply.startswith("2"):
                        peer.accepted.append(envelope)
                return reply

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()
