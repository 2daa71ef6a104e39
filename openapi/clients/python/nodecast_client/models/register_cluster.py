from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RegisterCluster")


@_attrs_define
class RegisterCluster:
    """A cluster to register: kubeconfig content, not a path.

    Attributes:
        name (str): 1 to 63 letters, digits, `-`, `_` or `.`.
        kubeconfig (str): The kubeconfig, as YAML or JSON text. Credentials must be inline: exec
            plugins, auth providers and file references are refused.
        context (str | Unset): The context to use (default: the kubeconfig's current context).
    """

    name: str
    kubeconfig: str
    context: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        kubeconfig = self.kubeconfig

        context = self.context

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "kubeconfig": kubeconfig,
            }
        )
        if context is not UNSET:
            field_dict["context"] = context

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        kubeconfig = d.pop("kubeconfig")

        context = d.pop("context", UNSET)

        register_cluster = cls(
            name=name,
            kubeconfig=kubeconfig,
            context=context,
        )

        register_cluster.additional_properties = d
        return register_cluster

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
