"""A TCP proxy between the gateway and PostgreSQL that breaks one group
commit at a chosen point of the protocol (PostgreSQL frontend/backend
protocol 3.0, extended query in pipeline mode).

Misbehaviour: on the Nth commit (a Bind of the prepared statement
"insert_message"), the connection is dropped
  - before_statements: before the commit's first message reaches the server;
  - before_sync:       the statements reach the server and their results
                       come back, but the Sync never does (the server rolls
                       back; a client that takes the results for a commit
                       answers 250 for a message that is not there);
  - before_ready:      after the server committed (at the Sync) and before its
                       ReadyForQuery reaches the client (the outcome is unknown
                       to the client, yet the data is there);
  - after_ready:       right after ReadyForQuery.
Every other connection and message passes through unchanged. The gateway
must connect with sslmode=disable and gssencmode=disable, so that the
first message on the wire is the startup packet.
"""

import asyncio
import struct
import threading


class PgFaultProxy:
    MODES = ("before_statements", "before_sync", "before_ready", "after_ready")

    def __init__(self, listen_port, pg_host, pg_port, mode, on_commit=3):
        assert mode in self.MODES
        self.listen_port = listen_port
        self.pg = (pg_host, pg_port)
        self.mode = mode
        self.on_commit = on_commit
        self.commits = 0
        self.fired = False
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.listen_port))
        self.ready.set()
        self.loop.run_forever()

    def stop(self):
        def close():
            self.server.close()
            self.loop.stop()
        self.loop.call_soon_threadsafe(close)
        self.thread.join(10)

    async def _serve(self, client_r, client_w):
        try:
            server_r, server_w = await asyncio.open_connection(*self.pg)
        except OSError:
            client_w.close()
            return
        state = {"armed": False, "dropped": False}

        def drop():
            state["dropped"] = True
            for w in (client_w, server_w):
                try:
                    w.transport.abort()
                except Exception:
                    pass

        async def client_to_server():
            # The startup packet has no type byte.
            head = await client_r.readexactly(4)
            (n,) = struct.unpack("!I", head)
            server_w.write(head + await client_r.readexactly(n - 4))
            while not state["dropped"]:
                kind = await client_r.readexactly(1)
                head = await client_r.readexactly(4)
                (n,) = struct.unpack("!I", head)
                body = await client_r.readexactly(n - 4)
                if kind == b"B" and not self.fired:
                    statement = body.split(b"\0")[1]
                    if statement == b"insert_message":
                        self.commits += 1
                        if self.commits == self.on_commit:
                            self.fired = True
                            state["armed"] = True
                            if self.mode == "before_statements":
                                drop()
                                return
                if kind == b"S" and state["armed"] and self.mode == "before_sync":
                    # Let the statements' results come back, then go away
                    # without the Sync: the server never commits.
                    await server_w.drain()
                    await asyncio.sleep(0.5)
                    drop()
                    return
                server_w.write(kind + head + body)
                await server_w.drain()

        async def server_to_client():
            while not state["dropped"]:
                kind = await server_r.readexactly(1)
                head = await server_r.readexactly(4)
                (n,) = struct.unpack("!I", head)
                body = await server_r.readexactly(n - 4)
                if kind == b"Z" and state["armed"] and self.mode == "before_ready":
                    drop()
                    return
                client_w.write(kind + head + body)
                await client_w.drain()
                if kind == b"Z" and state["armed"] and self.mode == "after_ready":
                    drop()
                    return

        tasks = [asyncio.ensure_future(client_to_server()), asyncio.ensure_future(server_to_client())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            drop()
