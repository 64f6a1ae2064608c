"""How the bytes move (archiver/net/transport.py): asyncio streams below the address guard.

Real sockets on 127.0.0.1, real TLS (a throwaway CA from trustme); the client's own tests
(test_client.py, test_guard.py) reach these streams through every request they make.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable

import httpcore
import httpx
import pytest
import trustme

from archiver.net.guard import AddressGuard
from archiver.net.transport import AsyncioBackend, ShardedTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def serve(handler: Handler, tls: ssl.SSLContext | None = None) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=tls)
    return server, server.sockets[0].getsockname()[1]


async def send_and_close(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()
    writer.close()


def test_a_stream_reads_in_pieces_then_the_end() -> None:
    async def upper(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await send_and_close(writer, (await reader.readexactly(5)).upper())

    async def main() -> None:
        server, port = await serve(upper)
        async with server:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            assert stream.get_extra_info("server_addr")[:2] == ("127.0.0.1", port)
            await stream.write(b"hello", timeout=5)
            pieces = []
            while piece := await stream.read(2, timeout=5):
                pieces.append(piece)
            assert pieces == [b"HE", b"LL", b"O"]
            # Ended by the peer: a pool asking before reuse is told to drop it.
            assert stream.get_extra_info("is_readable") is True
            await stream.aclose()

    asyncio.run(main())


def test_an_idle_connection_is_not_readable_until_the_peer_acts() -> None:
    async def main() -> None:
        said = asyncio.Event()

        async def later(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await said.wait()
            writer.close()

        server, port = await serve(later)
        async with server:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            await asyncio.sleep(0.05)
            assert stream.get_extra_info("is_readable") is False
            said.set()
            for _ in range(100):
                if stream.get_extra_info("is_readable"):
                    break
                await asyncio.sleep(0.01)
            assert stream.get_extra_info("is_readable") is True
            assert await stream.read(10, timeout=5) == b""
            await stream.aclose()

    asyncio.run(main())


def test_a_large_body_arrives_whole_through_the_pauses() -> None:
    body = bytes(range(256)) * 8192  # 2 MiB: reading pauses and resumes several times

    async def send(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await send_and_close(writer, body)

    async def main() -> bytes:
        server, port = await serve(send)
        async with server:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            await asyncio.sleep(0.1)  # let the sender fill the buffer past its limit
            received = bytearray()
            while piece := await stream.read(65536, timeout=5):
                received += piece
            await stream.aclose()
            return bytes(received)

    assert asyncio.run(main()) == body


def test_a_silent_peer_times_the_read_out() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers; ends when the client closes

    async def main() -> None:
        server, port = await serve(silent)
        async with server:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            with pytest.raises(httpcore.ReadTimeout):
                await stream.read(10, timeout=0.05)
            await stream.aclose()

    asyncio.run(main())


def test_a_closed_port_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: the connection is refused

        async def main() -> None:
            with pytest.raises(httpcore.ConnectError):
                await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)

        asyncio.run(main())


def test_tls_through_the_guarded_pools() -> None:
    authority = trustme.CA()
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(served)
    trusted = ssl.create_default_context()
    authority.configure_trust(trusted)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await send_and_close(writer, b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\ntls ok")

    async def get(port: int, tls: ssl.SSLContext) -> httpx.Response:
        guard = AddressGuard(trusted=frozenset({("127.0.0.1", port)}))
        transport = ShardedTransport(4, 4, guard, tls=tls)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.get(f"https://127.0.0.1:{port}/")

    async def main() -> None:
        server, port = await serve(answer, served)
        async with server:
            response = await get(port, trusted)
            assert response.content == b"tls ok"
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await get(port, ssl.create_default_context())  # the CA is not trusted

    asyncio.run(main())
