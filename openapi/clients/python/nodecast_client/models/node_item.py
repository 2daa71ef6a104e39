from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.kubernetes_node import KubernetesNode
    from ..models.node_fields import NodeFields
    from ..models.node_item_pod_counts import NodeItemPodCounts
    from ..models.node_summary import NodeSummary


T = TypeVar("T", bound="NodeItem")


@_attrs_define
class NodeItem:
    """One node of a cluster.

    Attributes:
        cluster_name (str):
        epoch (str):
        seq (int):
        stale (bool): The cluster's watch is down: the node may be out of date.
        node (KubernetesNode | NodeFields | NodeSummary): One node: its summary, the Kubernetes object with `view=full`,
            or with `fields` the summary's named fields.
        pod_counts (NodeItemPodCounts | Unset): With `include=pod_counts`: the node's unfinished pods.
    """

    cluster_name: str
    epoch: str
    seq: int
    stale: bool
    node: KubernetesNode | NodeFields | NodeSummary
    pod_counts: NodeItemPodCounts | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.kubernetes_node import KubernetesNode  # noqa: PLC0415
        from ..models.node_summary import NodeSummary  # noqa: PLC0415

        cluster_name = self.cluster_name

        epoch = self.epoch

        seq = self.seq

        stale = self.stale

        node: dict[str, Any]
        if isinstance(self.node, NodeSummary):
            node = self.node.to_dict()
        elif isinstance(self.node, KubernetesNode):
            node = self.node.to_dict()
        else:
            node = self.node.to_dict()

        pod_counts: dict[str, Any] | Unset = UNSET
        if not isinstance(self.pod_counts, Unset):
            pod_counts = self.pod_counts.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cluster_name": cluster_name,
                "epoch": epoch,
                "seq": seq,
                "stale": stale,
                "node": node,
            }
        )
        if pod_counts is not UNSET:
            field_dict["pod_counts"] = pod_counts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.kubernetes_node import KubernetesNode  # noqa: PLC0415
        from ..models.node_fields import NodeFields  # noqa: PLC0415
        from ..models.node_item_pod_counts import NodeItemPodCounts  # noqa: PLC0415
        from ..models.node_summary import NodeSummary  # noqa: PLC0415

        d = dict(src_dict)
        cluster_name = d.pop("cluster_name")

        epoch = d.pop("epoch")

        seq = d.pop("seq")

        stale = d.pop("stale")

        def _parse_node(data: object) -> KubernetesNode | NodeFields | NodeSummary:
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

        node = _parse_node(d.pop("node"))

        _pod_counts = d.pop("pod_counts", UNSET)
        pod_counts: NodeItemPodCounts | Unset
        if isinstance(_pod_counts, Unset):
            pod_counts = UNSET
        else:
            pod_counts = NodeItemPodCounts.from_dict(_pod_counts)

        node_item = cls(
            cluster_name=cluster_name,
            epoch=epoch,
            seq=seq,
            stale=stale,
            node=node,
            pod_counts=pod_counts,
        )

        node_item.additional_properties = d
        return node_item

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
