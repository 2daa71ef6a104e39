from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.pod_counts_counts import PodCountsCounts


T = TypeVar("T", bound="NodeListPodCounts")


@_attrs_define
class NodeListPodCounts:
    """With `include=pod_counts`: the unfinished pods of each listed node.

    Attributes:
        counted_at (datetime.datetime):
        counts (PodCountsCounts): Per node name; a node with no pod is left out.
    """

    counted_at: datetime.datetime
    counts: PodCountsCounts
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        counted_at = self.counted_at.isoformat()

        counts = self.counts.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "counted_at": counted_at,
                "counts": counts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pod_counts_counts import PodCountsCounts  # noqa: PLC0415

        d = dict(src_dict)
        counted_at = datetime.datetime.fromisoformat(d.pop("counted_at"))

        counts = PodCountsCounts.from_dict(d.pop("counts"))

        node_list_pod_counts = cls(
            counted_at=counted_at,
            counts=counts,
        )

        node_list_pod_counts.additional_properties = d
        return node_list_pod_counts

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
