from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.cluster_origin import ClusterOrigin

T = TypeVar("T", bound="ClusterInfo")


@_attrs_define
class ClusterInfo:
    """
    Attributes:
        name (str):
        origin (ClusterOrigin): How a cluster came to be watched.
        ready (bool): The first list has completed (what `/readyz` waits for).
        stale (bool): The watch is down: the cluster's data may be out of date.
        nodes (int):
        seq (int):
    """

    name: str
    origin: ClusterOrigin
    ready: bool
    stale: bool
    nodes: int
    seq: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        origin = self.origin.value

        ready = self.ready

        stale = self.stale

        nodes = self.nodes

        seq = self.seq

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "origin": origin,
                "ready": ready,
                "stale": stale,
                "nodes": nodes,
                "seq": seq,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        origin = ClusterOrigin(d.pop("origin"))

        ready = d.pop("ready")

        stale = d.pop("stale")

        nodes = d.pop("nodes")

        seq = d.pop("seq")

        cluster_info = cls(
            name=name,
            origin=origin,
            ready=ready,
            stale=stale,
            nodes=nodes,
            seq=seq,
        )

        cluster_info.additional_properties = d
        return cluster_info

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
