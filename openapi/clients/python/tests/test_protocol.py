"""The WebSocket layer against a scripted server, for what a live server does
too rarely to test on cue: pings, a gap in the stream, refused reconnects."""

import asyncio
import json
import random
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from nodecast_client.events import (
    Backoff,
    Connected,
    Disconnected,
    NodeAdded,
    NodeEvents,
    NodeEventsRefused,
    Ping,
    Subscribe,
    UnknownMessage,
    parse_message,
)

EPOCH = "e1"


def node_event(seq: int, prev: int, name: str = "n1") -> str:
    return json.dumps(
        {
            "type": "node_add",
            "cluster_name": "c",
            "node_name": name,
            "data": None,
            "changes": [],
            "timestamp": "2026-01-01T00:00:00.000Z",
            "seq": seq,
            "epoch": EPOCH,
            "prev": prev,
            "tags": {"severity": "info"},
        }
    )


def connected(clusters: list[str]) -> str:
    return json.dumps({"type": "connected", "epoch": EPOCH, "clusters": clusters, "stale": [], "timestamp": "t"})


class Script:
    """A server whose n-th connection runs the n-th handler; records each query and what the client sent."""

    def __init__(self, *handlers):
        self.handlers = list(handlers)
        self.queries: list[dict[str, list[str]]] = []
        self.received: list[dict] = []

    async def handle(self, connection):
        self.queries.append(parse_qs(urlsplit(connection.request.path).query))
        await self.handlers[len(self.queries) - 1](connection)

    async def receive(self, connection) -> dict:
        message = json.loads(await connection.recv())
        self.received.append(message)
        return message


async def test_a_gap_reconnects_with_since_and_epoch_and_a_ping_gets_a_pong():
    async def first(connection):
        await connection.send(connected(["c"]))
        await connection.send(node_event(seq=5, prev=4))
        # seq 6 never comes: the client must notice and resume after 5.
        await connection.send(node_event(seq=7, prev=6))
        await connection.wait_closed()

    async def second(connection):
        await connection.send(connected(["c"]))
        await connection.send(node_event(seq=6, prev=5))
        await connection.send(node_event(seq=7, prev=6))
        await connection.send(json.dumps({"type": "ping", "timestamp": "t"}))
        assert await script.receive(connection) == {"type": "pong"}
        await connection.send(json.dumps({"type": "from_the_future", "x": 1}))
        await connection.wait_closed()

    script = Script(first, second)
    async with serve(script.handle, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        events = NodeEvents(f"http://127.0.0.1:{port}", cluster="c", backoff=Backoff(initial=0.01))
        got = []
        async with asyncio.timeout(10):
            async for event in events:
                got.append(event)
                if isinstance(event, UnknownMessage):
                    break
            await events.close()

    kinds = [type(event) for event in got]
    assert kinds == [Connected, NodeAdded, Disconnected, Connected, NodeAdded, NodeAdded, Ping, UnknownMessage]
    assert "gap on c" in got[2].reason
    assert [event.seq for event in got if isinstance(event, NodeAdded)] == [5, 6, 7]
    assert got[1].tags == {"severity": "info"}
    assert script.queries[0] == {"cluster": ["c"]}
    assert script.queries[1] == {"cluster": ["c"], "since": ["5"], "epoch": [EPOCH]}
    assert script.received == [{"type": "pong"}]
    assert events.last_seq("c") == 7


async def test_later_subscriptions_resume_by_message_after_a_drop():
    async def first(connection):
        await connection.send(connected(["c"]))
        subscribe = await script.receive(connection)
        assert subscribe == {"type": "subscribe", "data": "d", "snapshot": True}
        await connection.send(node_event(seq=3, prev=2))
        await connection.send(json.dumps({**json.loads(node_event(9, 8)), "cluster_name": "d"}))
        await connection.close()

    async def second(connection):
        await connection.send(connected(["c"]))
        await script.receive(connection)
        await connection.wait_closed()

    script = Script(first, second)
    async with serve(script.handle, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        events = NodeEvents(f"http://127.0.0.1:{port}", cluster="c", backoff=Backoff(initial=0.01))
        async with asyncio.timeout(10):
            async for event in events:
                if isinstance(event, Connected) and len(script.queries) == 1:
                    await events.subscribe("d", snapshot=True)
                if isinstance(event, Connected) and len(script.queries) == 2:
                    break
            # The resubscription is sent right after the upgrade; let it arrive.
            while len(script.received) < 2:
                await asyncio.sleep(0.01)
            await events.close()

    assert script.queries[1] == {"cluster": ["c"], "since": ["3"], "epoch": [EPOCH]}
    assert script.received[1] == {"type": "subscribe", "data": "d", "since": 9, "epoch": EPOCH}


async def test_a_refused_upgrade_is_retried_only_when_it_may_pass():
    statuses = iter([503, 401])

    def refuse(connection, request):
        status = next(statuses)
        body = json.dumps({"code": "x", "message": f"refused with {status}"}).encode()
        return Response(status, "refused", Headers({"Content-Type": "application/json"}), body)

    async with serve(lambda connection: None, "127.0.0.1", 0, process_request=refuse) as server:
        port = server.sockets[0].getsockname()[1]
        events = NodeEvents(f"http://127.0.0.1:{port}", cluster="c", backoff=Backoff(initial=0.01))
        with pytest.raises(NodeEventsRefused) as refused:
            async with asyncio.timeout(10):
                first = await anext(events)
                assert isinstance(first, Disconnected) and "503" in first.reason
                await anext(events)
    assert refused.value.status == 401 and refused.value.body.message == "refused with 401"


def test_backoff_doubles_to_its_cap_with_jitter_and_resets():
    backoff = Backoff(initial=1.0, factor=2.0, maximum=8.0, jitter=random.Random(7))
    for ceiling in [1.0, 2.0, 4.0, 8.0, 8.0]:
        delay = backoff.next()
        assert ceiling / 2 <= delay <= ceiling
    backoff.reset()
    assert backoff.next() <= 1.0


def test_client_messages_are_the_documented_json():
    assert json.loads(Subscribe("c").to_json()) == {"type": "subscribe", "data": "c"}
    assert json.loads(Subscribe("c", since=4, epoch="e", snapshot=True).to_json()) == {
        "type": "subscribe",
        "data": "c",
        "since": 4,
        "epoch": "e",
        "snapshot": True,
    }
    unknown = parse_message({"type": "later", "a": 1})
    assert isinstance(unknown, UnknownMessage) and unknown.raw == {"type": "later", "a": 1}
