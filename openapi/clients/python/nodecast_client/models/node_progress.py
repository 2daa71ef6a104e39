from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.node_state import NodeState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pod_progress import PodProgress


T = TypeVar("T", bound="NodeProgress")


@_attrs_define
class NodeProgress:
    """One node of an operation.

    Attributes:
        node (str):
        state (NodeState):
        pods (list[PodProgress]):
        message (str | Unset):
    """

    node: str
    state: NodeState
    pods: list[PodProgress]
    message: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        node = self.node

        state = self.state.value

        pods = []
        for pods_item_data in self.pods:
            pods_item = pods_item_data.to_dict()
            pods.append(pods_item)

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "node": node,
                "state": state,
                "pods": pods,
            }
        )
        if message is not UNSET:
            field_dict["message"] = message

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pod_progress import PodProgress  # noqa: PLC0415

        d = dict(src_dict)
        node = d.pop("node")

        state = NodeState(d.pop("state"))

        pods = []
        _pods = d.pop("pods")
        for pods_item_data in _pods:
            pods_item = PodProgress.from_dict(pods_item_data)

            pods.append(pods_item)

        message = d.pop("message", UNSET)

        node_progress = cls(
            node=node,
            state=state,
            pods=pods,
            message=message,
        )

        node_progress.additional_properties = d
        return node_progress

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
