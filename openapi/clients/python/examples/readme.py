# List cluster demo's nodes, then print its live events from the list's seq and epoch (so none is
# missed in between): exits after 3 node events, or fails after 60 s.
import asyncio
import os

from nodecast_client import Client
from nodecast_client.api.nodes import list_nodes
from nodecast_client.events import NodeEvent, NodeEvents
from nodecast_client.result import unwrap

BASE_URL = os.environ.get("LIVE_URL", "http://127.0.0.1:8080")


async def main(count: int = 3) -> None:
    with Client(base_url=BASE_URL) as client:
        nodes = unwrap(list_nodes.sync_detailed(client=client, cluster_name="demo"))
    print(f"{nodes.total} nodes:", ", ".join(node.name for node in nodes.items[:5]), "...")
    async with asyncio.timeout(60), NodeEvents(BASE_URL, "demo", since=nodes.seq, epoch=nodes.epoch) as events:
        async for event in events:
            print(event.type, getattr(event, "node_name", ""), getattr(event, "changes", ""))
            count -= isinstance(event, NodeEvent)
            if count == 0:
                return


asyncio.run(main())
