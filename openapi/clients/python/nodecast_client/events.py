"""nodecast's live node events (``/api/v1/ws/nodes``) as an async iterator.

    async with NodeEvents("http://127.0.0.1:8080", cluster="demo") as events:
        async for event in events:
            if isinstance(event, NodeUpdated):
                print(event.node_name, event.changes)

Every server message arrives as a typed dataclass (``Connected``,
``NodeAdded``/``NodeUpdated``/``NodeDeleted``, ``Snapshot``, ``Resync``,
``Ping``, ``Subscribed``, ``Unsubscribed``, ``ErrorMessage``, ``TestMessage``,
``OperationMessage``), plus ``Disconnected`` when the connection drops. The
iterator answers pings, tracks each cluster's last ``seq`` and the server's
epoch, checks ``prev`` against it, and on a drop or a gap reconnects with
exponential backoff and ``since``/``epoch``, so the server replays exactly what
was missed (or sends ``resync`` and a ``snapshot`` when it cannot). ``nodes``
holds each cluster's nodes as the events so far describe them; after a
snapshot it is the snapshot.

Hand-written: openapi/clients/python/generate.sh keeps this module.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from .models.error_body import ErrorBody
from .models.node_summary import NodeSummary
from .models.operation import Operation

View = Literal["summary", "full"]
# A node as events carry it: the summary, or with view="full" the Kubernetes Node.
NodeData = NodeSummary | dict[str, Any]

PATH = "/api/v1/ws/nodes"


# Server messages.


@dataclass(frozen=True)
class Connected:
    type: ClassVar[str] = "connected"
    epoch: str
    clusters: list[str]
    stale: list[str]
    timestamp: str


@dataclass(frozen=True)
class NodeEvent:
    """``node_add``, ``node_update`` or ``node_delete`` (for a delete, ``data`` is the last known state)."""

    type: ClassVar[str]
    cluster_name: str
    node_name: str
    data: NodeData | None
    changes: list[str]
    timestamp: str
    seq: int
    epoch: str
    prev: int
    tags: dict[str, str]


@dataclass(frozen=True)
class NodeAdded(NodeEvent):
    type: ClassVar[str] = "node_add"


@dataclass(frozen=True)
class NodeUpdated(NodeEvent):
    type: ClassVar[str] = "node_update"


@dataclass(frozen=True)
class NodeDeleted(NodeEvent):
    type: ClassVar[str] = "node_delete"


@dataclass(frozen=True)
class Snapshot:
    """Every node of a cluster at ``seq``; events after it follow."""

    type: ClassVar[str] = "snapshot"
    cluster_name: str
    epoch: str
    seq: int
    stale: bool
    data: list[NodeData]
    timestamp: str


@dataclass(frozen=True)
class Resync:
    """The server cannot replay what was missed; a ``Snapshot`` follows."""

    type: ClassVar[str] = "resync"
    cluster_name: str
    reason: str
    timestamp: str | None = None


@dataclass(frozen=True)
class Ping:
    """Already answered with a pong by the time it is yielded."""

    type: ClassVar[str] = "ping"
    timestamp: str | None = None


@dataclass(frozen=True)
class Subscribed:
    type: ClassVar[str] = "subscribed"
    cluster_name: str
    timestamp: str | None = None


@dataclass(frozen=True)
class Unsubscribed:
    type: ClassVar[str] = "unsubscribed"
    cluster_name: str
    timestamp: str | None = None


@dataclass(frozen=True)
class ErrorMessage:
    """The server refused a message (an unknown cluster, one the token may not see, a malformed message)."""

    type: ClassVar[str] = "error"
    message: str
    timestamp: str | None = None


@dataclass(frozen=True)
class TestMessage:
    """Pushed by ``POST /api/v1/ws/test``."""

    __test__: ClassVar[bool] = False  # not a pytest test class, despite the name
    type: ClassVar[str] = "test"
    cluster_name: str
    data: str
    timestamp: str | None = None


@dataclass(frozen=True)
class OperationMessage:
    """A drain's progress: the whole operation, outside the event stream (no seq)."""

    type: ClassVar[str] = "operation"
    cluster_name: str
    data: Operation
    timestamp: str | None = None


@dataclass(frozen=True)
class UnknownMessage:
    """A message type this client does not know, from a newer server."""

    type: str
    raw: dict[str, Any]


@dataclass(frozen=True)
class Disconnected:
    """Not a server message: the connection dropped (or a gap was seen); the next
    iteration reconnects after ``retry_in`` seconds and resumes."""

    type: ClassVar[str] = "disconnected"
    reason: str
    retry_in: float


ServerMessage = (
    Connected
    | NodeAdded
    | NodeUpdated
    | NodeDeleted
    | Snapshot
    | Resync
    | Ping
    | Subscribed
    | Unsubscribed
    | ErrorMessage
    | TestMessage
    | OperationMessage
    | UnknownMessage
)
Event = ServerMessage | Disconnected


# Client messages.


@dataclass(frozen=True)
class Pong:
    def to_json(self) -> str:
        return json.dumps({"type": "pong"})


@dataclass(frozen=True)
class Subscribe:
    data: str
    since: int | None = None
    epoch: str | None = None
    snapshot: bool = False

    def to_json(self) -> str:
        message: dict[str, Any] = {"type": "subscribe", "data": self.data}
        if self.since is not None:
            message["since"] = self.since
            message["epoch"] = self.epoch
        if self.snapshot:
            message["snapshot"] = True
        return json.dumps(message)


@dataclass(frozen=True)
class Unsubscribe:
    data: str

    def to_json(self) -> str:
        return json.dumps({"type": "unsubscribe", "data": self.data})


class NodeEventsRefused(Exception):
    """The server refused the upgrade for a reason retrying will not fix (401, 403, 404, 400)."""

    def __init__(self, status: int, body: ErrorBody | None, text: str):
        self.status = status
        self.body = body
        super().__init__(f"{status}: {body.message if body else text}")


def _node_data(raw: Any, view: View) -> NodeData | None:
    if raw is None or view == "full":
        return raw
    return NodeSummary.from_dict(raw)


def _node_name(node: NodeData) -> str:
    if isinstance(node, NodeSummary):
        return node.name
    return node["metadata"]["name"]


def parse_message(raw: Mapping[str, Any], view: View = "summary") -> ServerMessage:
    """One server message (a decoded JSON object) as its dataclass."""
    kind = raw.get("type")
    stamp = raw.get("timestamp")
    if kind in _NODE_EVENTS:
        return _NODE_EVENTS[kind](
            cluster_name=raw["cluster_name"],
            node_name=raw["node_name"],
            data=_node_data(raw.get("data"), view),
            changes=list(raw.get("changes", [])),
            timestamp=stamp,
            seq=raw["seq"],
            epoch=raw["epoch"],
            prev=raw["prev"],
            tags=dict(raw.get("tags", {})),
        )
    if kind == "connected":
        return Connected(raw["epoch"], list(raw["clusters"]), list(raw.get("stale", [])), stamp)
    if kind == "snapshot":
        nodes = [_node_data(node, view) for node in raw["data"]]
        return Snapshot(raw["cluster_name"], raw["epoch"], raw["seq"], raw.get("stale", False), nodes, stamp)
    if kind == "resync":
        return Resync(raw["cluster_name"], raw.get("reason", ""), stamp)
    if kind == "ping":
        return Ping(stamp)
    if kind == "subscribed":
        return Subscribed(raw["cluster_name"], stamp)
    if kind == "unsubscribed":
        return Unsubscribed(raw["cluster_name"], stamp)
    if kind == "error":
        return ErrorMessage(raw["message"], stamp)
    if kind == "test":
        return TestMessage(raw["cluster_name"], raw["data"], stamp)
    if kind == "operation":
        return OperationMessage(raw["cluster_name"], Operation.from_dict(raw["data"]), stamp)
    return UnknownMessage(str(kind), dict(raw))


_NODE_EVENTS: dict[str, type[NodeEvent]] = {cls.type: cls for cls in (NodeAdded, NodeUpdated, NodeDeleted)}


@dataclass
class Backoff:
    """Exponential backoff with jitter: attempt n waits between half and all of initial * factor**n, capped."""

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 30.0
    attempts: int = 0
    jitter: random.Random = field(default_factory=random.Random)

    def next(self) -> float:
        ceiling = min(self.maximum, self.initial * self.factor**self.attempts)
        self.attempts += 1
        # At least half the ceiling, so a burst of failures cannot all retry at once.
        return ceiling / 2 + self.jitter.random() * ceiling / 2

    def reset(self) -> None:
        self.attempts = 0


@dataclass
class _Cluster:
    snapshot: bool
    # The seq of the last event or snapshot applied; None until the first.
    seq: int | None = None
    # Set after a snapshot or a position from a REST list: the next event may
    # follow a change the plugin chain dropped, so its prev may be below seq.
    anchored: bool = False


class NodeEvents:
    """Live node events of one or more clusters; see the module's docstring."""

    def __init__(
        self,
        base_url: str,
        cluster: str | None = None,
        *,
        token: str | None = None,
        view: View = "summary",
        snapshot: bool = False,
        since: int | None = None,
        epoch: str | None = None,
        batch: bool = False,
        backoff: Backoff | None = None,
        open_timeout: float = 10.0,
    ):
        """``since`` and ``epoch`` (from a REST list's ``seq`` and ``epoch``) resume ``cluster`` from
        that position, so list-then-subscribe misses nothing."""
        self.url = _ws_url(base_url)
        self.token = token
        self.view: View = view
        self.batch = batch
        self.backoff = backoff or Backoff()
        self.open_timeout = open_timeout
        self.epoch: str | None = epoch
        self.nodes: dict[str, dict[str, NodeData]] = {}
        self.connection: ClientConnection | None = None
        self._clusters: dict[str, _Cluster] = {}
        if cluster is not None:
            self._clusters[cluster] = _Cluster(snapshot, since, anchored=since is not None)
        self._pending: deque[Event] = deque()
        self._retry_in: float | None = None
        self._closed = False

    def last_seq(self, cluster: str) -> int | None:
        """The seq of the last event or snapshot received on ``cluster``."""
        state = self._clusters.get(cluster)
        return state.seq if state else None

    async def subscribe(self, cluster: str, *, snapshot: bool = False) -> None:
        """Adds a cluster; the server answers with its start (a ``Snapshot`` with ``snapshot=True``), then ``Subscribed``."""
        self._clusters.setdefault(cluster, _Cluster(snapshot))
        if self.connection is not None:
            await self._send(Subscribe(cluster, snapshot=snapshot))

    async def unsubscribe(self, cluster: str) -> None:
        """Drops a cluster; the server answers ``Unsubscribed``."""
        self._clusters.pop(cluster, None)
        self.nodes.pop(cluster, None)
        if self.connection is not None:
            await self._send(Unsubscribe(cluster))

    async def close(self) -> None:
        self._closed = True
        if self.connection is not None:
            await self.connection.close()
            self.connection = None

    async def __aenter__(self) -> NodeEvents:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __aiter__(self) -> NodeEvents:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._pending:
                return self._pending.popleft()
            if self._closed:
                raise StopAsyncIteration
            if self.connection is None:
                await self._connect()
                continue
            try:
                frame = await self.connection.recv()
            except ConnectionClosed as closed:
                self._drop(f"connection closed: {closed}")
                continue
            await self._receive(frame)

    async def _connect(self) -> None:
        if self._retry_in is not None:
            await asyncio.sleep(self._retry_in)
            self._retry_in = None
        clusters = list(self._clusters.items())
        query: dict[str, str] = {}
        if clusters:
            query.update(self._position(*clusters[0], query=True))
        if self.view != "summary":
            query["view"] = self.view
        if self.batch:
            query["batch"] = "true"
        if self.token is not None:
            query["token"] = self.token
        url = self.url + ("?" + urlencode(query) if query else "")
        try:
            self.connection = await connect(url, open_timeout=self.open_timeout, max_size=None)
        except InvalidStatus as refused:
            status = refused.response.status_code
            # 503 is the connection limit or a cluster not yet listed: worth another try.
            if 400 <= status < 500:
                raise _refusal(status, refused.response.body or b"") from None
            self._drop(f"upgrade refused: {status}")
            return
        except (OSError, TimeoutError, InvalidHandshake) as failed:
            self._drop(f"cannot connect: {failed!r}")
            return
        for name, state in clusters[1:]:
            await self._send(Subscribe(name, **self._position(name, state, query=False)))

    def _position(self, name: str, state: _Cluster, *, query: bool) -> dict[str, Any]:
        """Where to (re)start a cluster: after its last seq, or from a snapshot, or now."""
        position: dict[str, Any] = {"cluster": name} if query else {}
        if state.seq is not None and self.epoch is not None:
            position.update(since=str(state.seq) if query else state.seq, epoch=self.epoch)
        elif state.snapshot:
            position["snapshot"] = "true" if query else True
        return position

    def _drop(self, reason: str) -> None:
        """Forgets the connection and queues a ``Disconnected``; the next iteration reconnects."""
        connection, self.connection = self.connection, None
        if connection is not None:
            # Closing a connection that failed or that we stopped trusting only tears it down.
            connection.transport.abort()
        self._retry_in = self.backoff.next()
        self._pending.append(Disconnected(reason, self._retry_in))

    async def _send(self, message: Pong | Subscribe | Unsubscribe) -> None:
        if self.connection is None:
            return
        try:
            await self.connection.send(message.to_json())
        except ConnectionClosed as closed:
            self._drop(f"connection closed: {closed}")

    async def _receive(self, frame: str | bytes) -> None:
        decoded = json.loads(frame)
        for raw in decoded if isinstance(decoded, list) else [decoded]:
            message = parse_message(raw, self.view)
            if isinstance(message, NodeEvent) and not self._accept(message):
                return
            self._apply(message)
            self._pending.append(message)
            if isinstance(message, Ping):
                await self._send(Pong())

    def _accept(self, event: NodeEvent) -> bool:
        """Whether the event continues its cluster's stream; a gap drops the connection
        so that the reconnect replays from the last seq."""
        state = self._clusters.get(event.cluster_name)
        if state is None or state.seq is None:
            return state is not None
        if event.seq <= state.seq:
            return False
        if event.prev == state.seq or (state.anchored and event.prev < state.seq):
            return True
        self._drop(f"gap on {event.cluster_name}: event {event.seq} follows {event.prev}, last received {state.seq}")
        return False

    def _apply(self, message: ServerMessage) -> None:
        if isinstance(message, Connected):
            self.epoch = message.epoch
            self.backoff.reset()
        elif isinstance(message, Snapshot):
            self.epoch = message.epoch
            state = self._clusters.get(message.cluster_name)
            if state is not None:
                state.seq, state.anchored = message.seq, True
            self.nodes[message.cluster_name] = {_node_name(node): node for node in message.data}
        elif isinstance(message, NodeEvent):
            state = self._clusters[message.cluster_name]
            state.seq, state.anchored = message.seq, False
            self.epoch = message.epoch
            nodes = self.nodes.setdefault(message.cluster_name, {})
            if isinstance(message, NodeDeleted):
                nodes.pop(message.node_name, None)
            elif message.data is not None:
                nodes[message.node_name] = message.data


def _ws_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + PATH, "", ""))


def _refusal(status: int, content: bytes) -> NodeEventsRefused:
    try:
        body: ErrorBody | None = ErrorBody.from_dict(json.loads(content))
    except (ValueError, TypeError, KeyError, AttributeError):
        body = None
    return NodeEventsRefused(status, body, content.decode(errors="replace"))


__all__ = [
    "Backoff",
    "Connected",
    "Disconnected",
    "ErrorMessage",
    "Event",
    "NodeAdded",
    "NodeData",
    "NodeDeleted",
    "NodeEvent",
    "NodeEvents",
    "NodeEventsRefused",
    "NodeUpdated",
    "OperationMessage",
    "Ping",
    "Pong",
    "Resync",
    "ServerMessage",
    "Snapshot",
    "Subscribe",
    "Subscribed",
    "TestMessage",
    "UnknownMessage",
    "Unsubscribe",
    "Unsubscribed",
    "parse_message",
]
