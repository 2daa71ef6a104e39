from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BatchUncordon")


@_attrs_define
class BatchUncordon:
    """
    Attributes:
        node_names (list[str]): The nodes, each named once; 1 to 1000.
        cluster_name (str | Unset): The cluster; may be left out when only one is watched.
        dry_run (bool | Unset): Check every node's change with the API server (`dryRun=All`) without making it. Default:
            False.
    """

    node_names: list[str]
    cluster_name: str | Unset = UNSET
    dry_run: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        node_names = self.node_names

        cluster_name = self.cluster_name

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "node_names": node_names,
            }
        )
        if cluster_name is not UNSET:
            field_dict["cluster_name"] = cluster_name
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        node_names = cast(list[str], d.pop("node_names"))

        cluster_name = d.pop("cluster_name", UNSET)

        dry_run = d.pop("dry_run", UNSET)

        batch_uncordon = cls(
            node_names=node_names,
            cluster_name=cluster_name,
            dry_run=dry_run,
        )

        batch_uncordon.additional_properties = d
        return batch_uncordon

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
