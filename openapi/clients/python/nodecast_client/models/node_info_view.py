from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="NodeInfoView")


@_attrs_define
class NodeInfoView:
    """
    Attributes:
        kubelet_version (str):
        os_image (str):
        kernel_version (str):
        container_runtime_version (str):
        operating_system (str):
        architecture (str):
    """

    kubelet_version: str
    os_image: str
    kernel_version: str
    container_runtime_version: str
    operating_system: str
    architecture: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kubelet_version = self.kubelet_version

        os_image = self.os_image

        kernel_version = self.kernel_version

        container_runtime_version = self.container_runtime_version

        operating_system = self.operating_system

        architecture = self.architecture

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kubelet_version": kubelet_version,
                "os_image": os_image,
                "kernel_version": kernel_version,
                "container_runtime_version": container_runtime_version,
                "operating_system": operating_system,
                "architecture": architecture,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kubelet_version = d.pop("kubelet_version")

        os_image = d.pop("os_image")

        kernel_version = d.pop("kernel_version")

        container_runtime_version = d.pop("container_runtime_version")

        operating_system = d.pop("operating_system")

        architecture = d.pop("architecture")

        node_info_view = cls(
            kubelet_version=kubelet_version,
            os_image=os_image,
            kernel_version=kernel_version,
            container_runtime_version=container_runtime_version,
            operating_system=operating_system,
            architecture=architecture,
        )

        node_info_view.additional_properties = d
        return node_info_view

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
