from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="NodeResult")


@_attrs_define
class NodeResult:
    """What happened to one node.

    Attributes:
        node (str):
        ok (bool):
        code (str | Unset): On failure: `not_found`, `forbidden`, `conflict`, `blocked`, `timeout`, `invalid` or
            `failed`.
        message (str | Unset):
        resource_version (str | Unset): The node's resourceVersion after the change.
    """

    node: str
    ok: bool
    code: str | Unset = UNSET
    message: str | Unset = UNSET
    resource_version: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        node = self.node

        ok = self.ok

        code = self.code

        message = self.message

        resource_version = self.resource_version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "node": node,
                "ok": ok,
            }
        )
        if code is not UNSET:
            field_dict["code"] = code
        if message is not UNSET:
            field_dict["message"] = message
        if resource_version is not UNSET:
            field_dict["resource_version"] = resource_version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        node = d.pop("node")

        ok = d.pop("ok")

        code = d.pop("code", UNSET)

        message = d.pop("message", UNSET)

        resource_version = d.pop("resource_version", UNSET)

        node_result = cls(
            node=node,
            ok=ok,
            code=code,
            message=message,
            resource_version=resource_version,
        )

        node_result.additional_properties = d
        return node_result

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
