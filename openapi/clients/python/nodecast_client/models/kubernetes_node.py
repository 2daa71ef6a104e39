from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.kubernetes_node_metadata import KubernetesNodeMetadata
    from ..models.kubernetes_node_spec import KubernetesNodeSpec
    from ..models.kubernetes_node_status import KubernetesNodeStatus


T = TypeVar("T", bound="KubernetesNode")


@_attrs_define
class KubernetesNode:
    """The Kubernetes Node (core/v1), without `metadata.managedFields`.

    Attributes:
        metadata (KubernetesNodeMetadata):
        api_version (str | Unset):
        kind (str | Unset):
        spec (KubernetesNodeSpec | Unset):
        status (KubernetesNodeStatus | Unset):
    """

    metadata: KubernetesNodeMetadata
    api_version: str | Unset = UNSET
    kind: str | Unset = UNSET
    spec: KubernetesNodeSpec | Unset = UNSET
    status: KubernetesNodeStatus | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        metadata = self.metadata.to_dict()

        api_version = self.api_version

        kind = self.kind

        spec: dict[str, Any] | Unset = UNSET
        if not isinstance(self.spec, Unset):
            spec = self.spec.to_dict()

        status: dict[str, Any] | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "metadata": metadata,
            }
        )
        if api_version is not UNSET:
            field_dict["apiVersion"] = api_version
        if kind is not UNSET:
            field_dict["kind"] = kind
        if spec is not UNSET:
            field_dict["spec"] = spec
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.kubernetes_node_metadata import KubernetesNodeMetadata  # noqa: PLC0415
        from ..models.kubernetes_node_spec import KubernetesNodeSpec  # noqa: PLC0415
        from ..models.kubernetes_node_status import KubernetesNodeStatus  # noqa: PLC0415

        d = dict(src_dict)
        metadata = KubernetesNodeMetadata.from_dict(d.pop("metadata"))

        api_version = d.pop("apiVersion", UNSET)

        kind = d.pop("kind", UNSET)

        _spec = d.pop("spec", UNSET)
        spec: KubernetesNodeSpec | Unset
        if isinstance(_spec, Unset):
            spec = UNSET
        else:
            spec = KubernetesNodeSpec.from_dict(_spec)

        _status = d.pop("status", UNSET)
        status: KubernetesNodeStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = KubernetesNodeStatus.from_dict(_status)

        kubernetes_node = cls(
            metadata=metadata,
            api_version=api_version,
            kind=kind,
            spec=spec,
            status=status,
        )

        kubernetes_node.additional_properties = d
        return kubernetes_node

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
