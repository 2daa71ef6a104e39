from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.taint_removal import TaintRemoval
    from ..models.taint_spec import TaintSpec


T = TypeVar("T", bound="TaintEdit")


@_attrs_define
class TaintEdit:
    """Taint changes, for one node or each of a batch.

    Attributes:
        add (list[TaintSpec] | Unset): Taints to add; one with the same key and effect is replaced.
        remove (list[TaintRemoval] | Unset): Taints to remove, by key and effect.
        dry_run (bool | Unset): Check every node's change with the API server (`dryRun=All`) without making it. Default:
            False.
    """

    add: list[TaintSpec] | Unset = UNSET
    remove: list[TaintRemoval] | Unset = UNSET
    dry_run: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        add: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.add, Unset):
            add = []
            for add_item_data in self.add:
                add_item = add_item_data.to_dict()
                add.append(add_item)

        remove: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.remove, Unset):
            remove = []
            for remove_item_data in self.remove:
                remove_item = remove_item_data.to_dict()
                remove.append(remove_item)

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if add is not UNSET:
            field_dict["add"] = add
        if remove is not UNSET:
            field_dict["remove"] = remove
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.taint_removal import TaintRemoval  # noqa: PLC0415
        from ..models.taint_spec import TaintSpec  # noqa: PLC0415

        d = dict(src_dict)
        _add = d.pop("add", UNSET)
        add: list[TaintSpec] | Unset = UNSET
        if _add is not UNSET:
            add = []
            for add_item_data in _add:
                add_item = TaintSpec.from_dict(add_item_data)

                add.append(add_item)

        _remove = d.pop("remove", UNSET)
        remove: list[TaintRemoval] | Unset = UNSET
        if _remove is not UNSET:
            remove = []
            for remove_item_data in _remove:
                remove_item = TaintRemoval.from_dict(remove_item_data)

                remove.append(remove_item)

        dry_run = d.pop("dry_run", UNSET)

        taint_edit = cls(
            add=add,
            remove=remove,
            dry_run=dry_run,
        )

        taint_edit.additional_properties = d
        return taint_edit

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
