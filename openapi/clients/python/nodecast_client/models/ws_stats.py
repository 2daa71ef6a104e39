from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.ws_stats_subscribers import WsStatsSubscribers


T = TypeVar("T", bound="WsStats")


@_attrs_define
class WsStats:
    """Connection and traffic counters of the WebSocket hub.

    Attributes:
        connections (int):
        connections_total (int):
        refused (int): Upgrades refused (auth, origin, limits, bad parameters).
        subscribers (WsStatsSubscribers): Sessions per cluster.
        messages_sent (int):
        bytes_sent (int):
        resyncs (int):
        slow_client_drops (int): Sessions closed for being too slow.
    """

    connections: int
    connections_total: int
    refused: int
    subscribers: WsStatsSubscribers
    messages_sent: int
    bytes_sent: int
    resyncs: int
    slow_client_drops: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        connections = self.connections

        connections_total = self.connections_total

        refused = self.refused

        subscribers = self.subscribers.to_dict()

        messages_sent = self.messages_sent

        bytes_sent = self.bytes_sent

        resyncs = self.resyncs

        slow_client_drops = self.slow_client_drops

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "connections": connections,
                "connections_total": connections_total,
                "refused": refused,
                "subscribers": subscribers,
                "messages_sent": messages_sent,
                "bytes_sent": bytes_sent,
                "resyncs": resyncs,
                "slow_client_drops": slow_client_drops,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ws_stats_subscribers import WsStatsSubscribers  # noqa: PLC0415

        d = dict(src_dict)
        connections = d.pop("connections")

        connections_total = d.pop("connections_total")

        refused = d.pop("refused")

        subscribers = WsStatsSubscribers.from_dict(d.pop("subscribers"))

        messages_sent = d.pop("messages_sent")

        bytes_sent = d.pop("bytes_sent")

        resyncs = d.pop("resyncs")

        slow_client_drops = d.pop("slow_client_drops")

        ws_stats = cls(
            connections=connections,
            connections_total=connections_total,
            refused=refused,
            subscribers=subscribers,
            messages_sent=messages_sent,
            bytes_sent=bytes_sent,
            resyncs=resyncs,
            slow_client_drops=slow_client_drops,
        )

        ws_stats.additional_properties = d
        return ws_stats

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
