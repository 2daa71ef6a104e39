from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.pod_state import PodState
from ..types import UNSET, Unset

T = TypeVar("T", bound="PodProgress")


@_attrs_define
class PodProgress:
    """One pod of a node being drained.

    Attributes:
        namespace (str):
        name (str):
        state (PodState):
        attempts (int): Evictions asked for so far.
        message (str | Unset): Why it is skipped, blocked or failed.
    """

    namespace: str
    name: str
    state: PodState
    attempts: int
    message: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        namespace = self.namespace

        name = self.name

        state = self.state.value

        attempts = self.attempts

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "namespace": namespace,
                "name": name,
                "state": state,
                "attempts": attempts,
            }
        )
        if message is not UNSET:
            field_dict["message"] = message

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        namespace = d.pop("namespace")

        name = d.pop("name")

        state = PodState(d.pop("state"))

        attempts = d.pop("attempts")

        message = d.pop("message", UNSET)

        pod_progress = cls(
            namespace=namespace,
            name=name,
            state=state,
            attempts=attempts,
            message=message,
        )

        pod_progress.additional_properties = d
        return pod_progress

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
