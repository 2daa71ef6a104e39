from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.label_edit_set import LabelEditSet


T = TypeVar("T", bound="LabelEdit")


@_attrs_define
class LabelEdit:
    """Label changes, for one node or each of a batch.

    Attributes:
        set_ (LabelEditSet | Unset): Labels to set (added, or changed to this value).
        remove (list[str] | Unset): Label keys to remove.
        dry_run (bool | Unset): Check every node's change with the API server (`dryRun=All`) without making it. Default:
            False.
    """

    set_: LabelEditSet | Unset = UNSET
    remove: list[str] | Unset = UNSET
    dry_run: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        set_: dict[str, Any] | Unset = UNSET
        if not isinstance(self.set_, Unset):
            set_ = self.set_.to_dict()

        remove: list[str] | Unset = UNSET
        if not isinstance(self.remove, Unset):
            remove = self.remove

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if set_ is not UNSET:
            field_dict["set"] = set_
        if remove is not UNSET:
            field_dict["remove"] = remove
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.label_edit_set import LabelEditSet  # noqa: PLC0415

        d = dict(src_dict)
        _set_ = d.pop("set", UNSET)
        set_: LabelEditSet | Unset
        if isinstance(_set_, Unset):
            set_ = UNSET
        else:
            set_ = LabelEditSet.from_dict(_set_)

        remove = cast(list[str], d.pop("remove", UNSET))

        dry_run = d.pop("dry_run", UNSET)

        label_edit = cls(
            set_=set_,
            remove=remove,
            dry_run=dry_run,
        )

        label_edit.additional_properties = d
        return label_edit

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
