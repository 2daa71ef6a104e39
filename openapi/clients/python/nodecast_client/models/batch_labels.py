from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_labels_set import BatchLabelsSet


T = TypeVar("T", bound="BatchLabels")


@_attrs_define
class BatchLabels:
    """
    Attributes:
        node_names (list[str]): The nodes, each named once; 1 to 1000.
        cluster_name (str | Unset): The cluster; may be left out when only one is watched.
        set_ (BatchLabelsSet | Unset): Labels to set (added, or changed to this value).
        remove (list[str] | Unset): Label keys to remove.
        dry_run (bool | Unset): Check every node's change with the API server (`dryRun=All`) without making it. Default:
            False.
    """

    node_names: list[str]
    cluster_name: str | Unset = UNSET
    set_: BatchLabelsSet | Unset = UNSET
    remove: list[str] | Unset = UNSET
    dry_run: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        node_names = self.node_names

        cluster_name = self.cluster_name

        set_: dict[str, Any] | Unset = UNSET
        if not isinstance(self.set_, Unset):
            set_ = self.set_.to_dict()

        remove: list[str] | Unset = UNSET
        if not isinstance(self.remove, Unset):
            remove = self.remove

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
        if set_ is not UNSET:
            field_dict["set"] = set_
        if remove is not UNSET:
            field_dict["remove"] = remove
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_labels_set import BatchLabelsSet  # noqa: PLC0415

        d = dict(src_dict)
        node_names = cast(list[str], d.pop("node_names"))

        cluster_name = d.pop("cluster_name", UNSET)

        _set_ = d.pop("set", UNSET)
        set_: BatchLabelsSet | Unset
        if isinstance(_set_, Unset):
            set_ = UNSET
        else:
            set_ = BatchLabelsSet.from_dict(_set_)

        remove = cast(list[str], d.pop("remove", UNSET))

        dry_run = d.pop("dry_run", UNSET)

        batch_labels = cls(
            node_names=node_names,
            cluster_name=cluster_name,
            set_=set_,
            remove=remove,
            dry_run=dry_run,
        )

        batch_labels.additional_properties = d
        return batch_labels

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
