from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ClusterFlow")


@_attrs_define
class ClusterFlow:
    """What the relay of one cluster did with its committed changes.

    Attributes:
        cluster (str):
        committed (int):
        broadcast (int):
        dropped (int): Dropped by a plugin decision (or an `on_error = "drop"` failure).
        last_broadcast_seq (int): The seq of the last change broadcast.
    """

    cluster: str
    committed: int
    broadcast: int
    dropped: int
    last_broadcast_seq: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cluster = self.cluster

        committed = self.committed

        broadcast = self.broadcast

        dropped = self.dropped

        last_broadcast_seq = self.last_broadcast_seq

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cluster": cluster,
                "committed": committed,
                "broadcast": broadcast,
                "dropped": dropped,
                "last_broadcast_seq": last_broadcast_seq,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cluster = d.pop("cluster")

        committed = d.pop("committed")

        broadcast = d.pop("broadcast")

        dropped = d.pop("dropped")

        last_broadcast_seq = d.pop("last_broadcast_seq")

        cluster_flow = cls(
            cluster=cluster,
            committed=committed,
            broadcast=broadcast,
            dropped=dropped,
            last_broadcast_seq=last_broadcast_seq,
        )

        cluster_flow.additional_properties = d
        return cluster_flow

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
