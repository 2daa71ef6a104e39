from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pod_summary import PodSummary


T = TypeVar("T", bound="NodePods")


@_attrs_define
class NodePods:
    """
    Attributes:
        cluster_name (str):
        node_name (str):
        items (list[PodSummary]):
        continue_ (str | Unset): Pass as `continue` for the next page; absent on the last page.
    """

    cluster_name: str
    node_name: str
    items: list[PodSummary]
    continue_: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cluster_name = self.cluster_name

        node_name = self.node_name

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        continue_ = self.continue_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cluster_name": cluster_name,
                "node_name": node_name,
                "items": items,
            }
        )
        if continue_ is not UNSET:
            field_dict["continue"] = continue_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pod_summary import PodSummary  # noqa: PLC0415

        d = dict(src_dict)
        cluster_name = d.pop("cluster_name")

        node_name = d.pop("node_name")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = PodSummary.from_dict(items_item_data)

            items.append(items_item)

        continue_ = d.pop("continue", UNSET)

        node_pods = cls(
            cluster_name=cluster_name,
            node_name=node_name,
            items=items,
            continue_=continue_,
        )

        node_pods.additional_properties = d
        return node_pods

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
