"""The hand-written WebSocket layer against a live server."""

import asyncio
import time
import uuid

import pytest
from conftest import CLUSTER, env, kubectl, node_names

from nodecast_client.api.nodes import get_cluster_node
from nodecast_client.api.realtime import ws_test
from nodecast_client.events import (
    Connected,
    Disconnected,
    ErrorMessage,
    NodeEvent,
    NodeEvents,
    NodeEventsRefused,
    NodeUpdated,
    Resync,
    Snapshot,
    Subscribed,
    TestMessage,
    Unsubscribed,
)
from nodecast_client.models import NodeSummary, WsTestMessage
from nodecast_client.result import unwrap

WAIT = 30.0


async def next_of(events: NodeEvents, kind: type, seen: list | None = None, where=lambda event: True):
    """The next event of `kind` matching `where`, keeping every event in `seen`."""
    async with asyncio.timeout(WAIT):
        async for event in events:
            if seen is not None:
                seen.append(event)
            if isinstance(event, kind) and where(event):
                return event
    pytest.fail(f"the stream ended before a {kind.__name__}")


def wait_for_label(client, node: str, key: str, value: str) -> None:
    """Blocks (the event loop too, on purpose) until the cache has the label."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        item = unwrap(get_cluster_node.sync_detailed(client=client, cluster=CLUSTER, node=node))
        if item.node.labels.additional_properties.get(key) == value:
            return
        time.sleep(0.1)
    pytest.fail(f"label {key}={value} never reached the cache")


def assert_contiguous(events: list[NodeEvent], after: int) -> None:
    """Each event's prev is the seq before it; the first follows the snapshot at `after`."""
    assert events, "no node events"
    assert events[0].prev <= after < events[0].seq
    for before, event in zip(events, events[1:]):
        assert event.prev == before.seq, f"gap: {event.seq} follows {event.prev}, received {before.seq}"


def labelled(node: str, key: str, value: str):
    def matches(event: NodeEvent) -> bool:
        return (
            event.node_name == node
            and "Labels" in event.changes
            and event.data.labels.additional_properties.get(key) == value
        )

    return matches


@pytest.mark.parametrize("batch", [False, True], ids=["frames", "batched"])
async def test_a_kubectl_label_arrives_as_node_update(live_url, client, batch):
    node = node_names(client)[1]
    value = uuid.uuid4().hex[:12]
    async with NodeEvents(live_url, cluster=CLUSTER, batch=batch) as events:
        connected = await next_of(events, Connected)
        assert connected.clusters == [CLUSTER] and connected.epoch
        await next_of(events, Subscribed)
        kubectl("label", "node", node, f"sdk-live={value}", "--overwrite")
        update = await next_of(events, NodeUpdated, where=labelled(node, "sdk-live", value))
    assert update.cluster_name == CLUSTER and update.epoch == connected.epoch
    assert isinstance(update.data, NodeSummary) and update.data.name == node
    assert events.last_seq(CLUSTER) >= update.seq
    assert events.nodes[CLUSTER][node].labels["sdk-live"] == value


async def test_a_forced_disconnect_resumes_with_no_gap(live_url, client):
    node = node_names(client)[2]
    first, second = uuid.uuid4().hex[:12], uuid.uuid4().hex[:12]
    events = NodeEvents(live_url, cluster=CLUSTER, snapshot=True)
    seen: list = []
    async with events:
        snapshot = await next_of(events, Snapshot, seen)
        assert set(events.nodes[CLUSTER]) == {summary.name for summary in snapshot.data}
        kubectl("label", "node", node, f"sdk-resume={first}", "--overwrite")
        await next_of(events, NodeUpdated, seen, labelled(node, "sdk-resume", first))

        # Close the socket underneath the client, then change the node while
        # nothing is reading: the client only notices on its next read.
        events.connection.transport.abort()
        kubectl("label", "node", node, f"sdk-resume={second}", "--overwrite")
        wait_for_label(client, node, "sdk-resume", second)

        dropped = await next_of(events, Disconnected, seen)
        assert dropped.retry_in > 0
        await next_of(events, Connected, seen)
        await next_of(events, NodeUpdated, seen, labelled(node, "sdk-resume", second))

    assert [event for event in seen if isinstance(event, Disconnected)] == [dropped], "a gap forced a reconnect"
    after_drop = seen[seen.index(dropped) :]
    # A resume replays from the last seq: no resync, no second snapshot.
    assert not [event for event in after_drop if isinstance(event, Resync | Snapshot)]
    assert_contiguous([event for event in seen if isinstance(event, NodeEvent)], snapshot.seq)
    assert events.nodes[CLUSTER][node].labels["sdk-resume"] == second


async def test_a_stale_epoch_gets_resync_then_the_snapshot_as_state(live_url):
    async with NodeEvents(live_url, cluster=CLUSTER, since=1, epoch="not-this-servers-epoch") as events:
        resync = await next_of(events, Resync)
        assert resync.cluster_name == CLUSTER and "epoch" in resync.reason
        snapshot = await next_of(events, Snapshot)
    assert snapshot.cluster_name == CLUSTER and snapshot.epoch != "not-this-servers-epoch"
    assert len(snapshot.data) >= 20 and all(isinstance(node, NodeSummary) for node in snapshot.data)
    assert events.last_seq(CLUSTER) == snapshot.seq
    assert events.epoch == snapshot.epoch
    assert set(events.nodes[CLUSTER]) == {node.name for node in snapshot.data}


async def test_subscribe_unsubscribe_and_an_unknown_cluster(live_url, client):
    async with NodeEvents(live_url) as events:
        connected = await next_of(events, Connected)
        assert connected.clusters == []
        await events.subscribe(CLUSTER)
        assert (await next_of(events, Subscribed)).cluster_name == CLUSTER
        await events.subscribe("no-such-cluster")
        refused = await next_of(events, ErrorMessage)
        assert "no-such-cluster" in refused.message
        unwrap(ws_test.sync_detailed(client=client, cluster=CLUSTER, body=WsTestMessage(message="hello from pytest")))
        pushed = await next_of(events, TestMessage)
        assert pushed.cluster_name == CLUSTER and pushed.data == "hello from pytest"
        await events.unsubscribe(CLUSTER)
        assert (await next_of(events, Unsubscribed)).cluster_name == CLUSTER


async def test_full_view_carries_kubernetes_nodes(live_url):
    async with NodeEvents(live_url, cluster=CLUSTER, view="full", snapshot=True) as events:
        snapshot = await next_of(events, Snapshot)
    assert snapshot.data and all(node["kind"] == "Node" for node in snapshot.data)
    assert set(events.nodes[CLUSTER]) == {node["metadata"]["name"] for node in snapshot.data}


async def test_the_upgrade_refuses_a_missing_token_and_takes_a_viewer(auth_url):
    with pytest.raises(NodeEventsRefused) as refused:
        async with NodeEvents(auth_url, cluster=CLUSTER) as events:
            await next_of(events, Connected)
    assert refused.value.status == 401 and refused.value.body.code == "unauthorized"

    async with NodeEvents(auth_url, cluster=CLUSTER, token=env("LIVE_VIEWER_TOKEN")) as events:
        assert (await next_of(events, Subscribed)).cluster_name == CLUSTER
