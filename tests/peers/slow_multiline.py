"""A next hop whose every reply is multi-line, split inside lines across
TCP segments, with a pause between lines (2 s by default), at every step:
the greeting, EHLO, MAIL, RCPT, DATA ("354-..." then "354 ..."), the end of
data and QUIT.

Misbehaviour: none that RFC 5321 forbids (4.2.1 allows multi-line replies
everywhere), but one famous MTA once took the first "354-" line for the
whole reply and sent the body into the rest.

Server: SlowMultilinePeer(pause).start() listens on .port in a thread of
its own and keeps what it receives in .messages, and every command line in
.transcript; `keywords` are EHLO keywords to offer besides its own (after
STARTTLS only, when it has a `tls_context`). Run alone:
    python3 slow_multiline.py PORT
"""

import asyncio
import sys
import threading


class SlowMultilinePeer:
    def __init__(self, pause=2.0, port=0, pipelining=False, eight_bit=True, keywords=(), tls_context=None):
        self.pause = pause
        self.keywords = list(keywords)
        self.tls_context = tls_context   # an ssl.SSLContext: STARTTLS is offered and done
        self.eight_bit = eight_bit
        self.port = port
        self.pipelining = pipelining
        self.messages = []          # (mail_from, [rcpt], data bytes)
        self.transcript = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self):
        async def shutdown():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._server.close()
            await self._server.wait_closed()
            self._loop.stop()
        asyncio.run_coroutine_threadsafe(shutdown(), self._loop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self._loop.close()

    def _run(self):
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", self.port))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _reply(self, writer, code, lines):
        """Each line in two segments, split in the middle; a pause between lines."""
        for i, text in enumerate(lines):
            sep = " " if i == len(lines) - 1 else "-"
            line = f"{code}{sep}{text}\r\n".encode()
            half = max(1, len(line) // 2)
            writer.write(line[:half])
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.write(line[half:])
            await writer.drain()
            if i != len(lines) - 1:
                await asyncio.sleep(self.pause)

    async def _session(self, reader, writer):
        mail_from, rcpts = None, []
        secure = False
        try:
            await self._reply(writer, 220, ["slow.test ESMTP, slowly", "really ready now"])
            while True:
                line = await reader.readline()
                if not line:
                    break
                cmd = line.decode("latin-1").rstrip("\r\n")
                self.transcript.append(cmd)
                verb = cmd[:4].upper()
                if verb == "EHLO":
                    kws = ["slow.test greets you", "SIZE 10000000"] + (["8BITMIME"] if self.eight_bit else [])
                    if self.pipelining:
                        kws.append("PIPELINING")
                    if self.tls_context and not secure:
                        kws.append("STARTTLS")
                    else:
                        kws += self.keywords
                    await self._reply(writer, 250, kws)
                elif verb == "STAR" and self.tls_context and not secure:
                    await self._reply(writer, 220, ["2.0.0 go ahead"])
                    await writer.start_tls(self.tls_context)
                    secure = True
                elif verb == "HELO":
                    await self._reply(writer, 250, ["slow.test", "hello"])
                elif verb == "MAIL":
                    mail_from, rcpts = cmd[10:].split(">")[0].lstrip("<"), []
                    await self._reply(writer, 250, ["2.1.0 sender", "2.1.0 ok"])
                elif verb == "RCPT":
                    rcpts.append(cmd[8:].split(">")[0].lstrip("<"))
                    await self._reply(writer, 250, ["2.1.5 recipient", "2.1.5 ok"])
                elif verb == "DATA":
                    await self._reply(writer, 354, ["Go ahead", "End data with <CR><LF>.<CR><LF>"])
                    data = b""
                    while not data.endswith(b"\r\n.\r\n") and data != b".\r\n":
                        chunk = await reader.readline()
                        if not chunk:
                            return
                        data += chunk
                    self.messages.append((mail_from, rcpts, data[:-3]))
                    await self._reply(writer, 250, ["2.0.0 Ok: queued", "2.0.0 as SLOW1"])
                elif verb == "RSET":
                    await self._reply(writer, 250, ["2.0.0 reset", "2.0.0 ok"])
                elif verb == "QUIT":
                    await self._reply(writer, 221, ["2.0.0 bye", "2.0.0 closing"])
                    break
                else:
                    await self._reply(writer, 500, ["5.5.1 what", "5.5.1 unknown"])
        except ConnectionError:
            pass  # a client may hang up in the middle of a slow reply (after QUIT, say)
        finally:
            writer.close()


if __name__ == "__main__":
    peer = SlowMultilinePeer(port=int(sys.argv[1])).start()
    print(f"listening on {peer.port}", flush=True)
    threading.Event().wait()
