from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.kubernetes_node import KubernetesNode
    from ..models.node_fields import NodeFields
    from ..models.node_list_pod_counts import NodeListPodCounts
    from ..models.node_summary import NodeSummary


T = TypeVar("T", bound="NodeList")


@_attrs_define
class NodeList:
    """A page of a cluster's nodes, sorted by name.

    Attributes:
        cluster_name (str):
        epoch (str): The server's epoch; with `seq`, a position in the cluster's event stream.
        seq (int): The snapshot's seq: open the WebSocket with `since=seq` to miss nothing after this list.
        total (int): Nodes in the cluster, before filters.
        stale (bool): The cluster's watch is down: the list may be out of date.
        items (list[KubernetesNode | NodeFields | NodeSummary]):
        pod_counts (NodeListPodCounts | Unset): With `include=pod_counts`: the unfinished pods of each listed node.
        continue_ (str | Unset): Pass as `continue` for the next page; absent on the last page.
    """

    cluster_name: str
    epoch: str
    seq: int
    total: int
    stale: bool
    items: list[KubernetesNode | NodeFields | NodeSummary]
    pod_counts: NodeListPodCounts | Unset = UNSET
    continue_: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.kubernetes_node import KubernetesNode  # noqa: PLC0415
        from ..models.node_summary import NodeSummary  # noqa: PLC0415

        cluster_name = self.cluster_name

        epoch = self.epoch

        seq = self.seq

        total = self.total

        stale = self.stale

        items = []
        for items_item_data in self.items:
            items_item: dict[str, Any]
            if isinstance(items_item_data, NodeSummary):
                items_item = items_item_data.to_dict()
            elif isinstance(items_item_data, KubernetesNode):
                items_item = items_item_data.to_dict()
            else:
                items_item = items_item_data.to_dict()

            items.append(items_item)

        pod_counts: dict[str, Any] | Unset = UNSET
        if not isinstance(self.pod_counts, Unset):
            pod_counts = self.pod_counts.to_dict()

        continue_ = self.continue_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cluster_name": cluster_name,
                "epoch": epoch,
                "seq": seq,
                "total": total,
                "stale": stale,
                "items": items,
            }
        )
        if pod_counts is not UNSET:
            field_dict["pod_counts"] = pod_counts
        if continue_ is not UNSET:
            field_dict["continue"] = continue_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.kubernetes_node import KubernetesNode  # noqa: PLC0415
        from ..models.node_fields import NodeFields  # noqa: PLC0415
        from ..models.node_list_pod_counts import NodeListPodCounts  # noqa: PLC0415
        from ..models.node_summary import NodeSummary  # noqa: PLC0415

        d = dict(src_dict)
        cluster_name = d.pop("cluster_name")

        epoch = d.pop("epoch")

        seq = d.pop("seq")

        total = d.pop("total")

        stale = d.pop("stale")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:

            def _parse_items_item(data: object) -> KubernetesNode | NodeFields | NodeSummary:
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_node_view_type_0 = NodeSummary.from_dict(data)

                    return componentsschemas_node_view_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_node_view_type_1 = KubernetesNode.from_dict(data)

                    return componentsschemas_node_view_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_node_view_type_2 = NodeFields.from_dict(data)

                return componentsschemas_node_view_type_2

            items_item = _parse_items_item(items_item_data)

            items.append(items_item)

        _pod_counts = d.pop("pod_counts", UNSET)
        pod_counts: NodeListPodCounts | Unset
        if isinstance(_pod_counts, Unset):
            pod_counts = UNSET
        else:
            pod_counts = NodeListPodCounts.from_dict(_pod_counts)

        continue_ = d.pop("continue", UNSET)

        node_list = cls(
            cluster_name=cluster_name,
            epoch=epoch,
            seq=seq,
            total=total,
            stale=stale,
            items=items,
            pod_counts=pod_counts,
            continue_=continue_,
        )

        node_list.additional_properties = d
        return node_list

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
