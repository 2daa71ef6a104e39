from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DrainOptions")


@_attrs_define
class DrainOptions:
    """What a drain may do, with kubectl drain's defaults and meanings.

    Attributes:
        grace_period_seconds (int | Unset): Seconds each pod is given to stop; its own `terminationGracePeriodSeconds`
            when left out (kubectl's `--grace-period=-1`).
        timeout_seconds (int | Unset): Give up on a node after this many seconds; 0 waits as long as it takes (kubectl's
            default). Default: 0.
        ignore_daemonsets (bool | Unset): Leave DaemonSet pods on the node instead of refusing to drain it. Default:
            False.
        delete_emptydir_data (bool | Unset): Evict pods with `emptyDir` volumes too, losing that data. Default: False.
        force (bool | Unset): Evict pods that no controller manages; nothing will re-create them. Default: False.
        dry_run (bool | Unset): Cordon and evict in dry run (`dryRun=All`): budgets are checked, nothing changes.
            Default: False.
    """

    grace_period_seconds: int | Unset = UNSET
    timeout_seconds: int | Unset = 0
    ignore_daemonsets: bool | Unset = False
    delete_emptydir_data: bool | Unset = False
    force: bool | Unset = False
    dry_run: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        grace_period_seconds = self.grace_period_seconds

        timeout_seconds = self.timeout_seconds

        ignore_daemonsets = self.ignore_daemonsets

        delete_emptydir_data = self.delete_emptydir_data

        force = self.force

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if grace_period_seconds is not UNSET:
            field_dict["grace_period_seconds"] = grace_period_seconds
        if timeout_seconds is not UNSET:
            field_dict["timeout_seconds"] = timeout_seconds
        if ignore_daemonsets is not UNSET:
            field_dict["ignore_daemonsets"] = ignore_daemonsets
        if delete_emptydir_data is not UNSET:
            field_dict["delete_emptydir_data"] = delete_emptydir_data
        if force is not UNSET:
            field_dict["force"] = force
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        grace_period_seconds = d.pop("grace_period_seconds", UNSET)

        timeout_seconds = d.pop("timeout_seconds", UNSET)

        ignore_daemonsets = d.pop("ignore_daemonsets", UNSET)

        delete_emptydir_data = d.pop("delete_emptydir_data", UNSET)

        force = d.pop("force", UNSET)

        dry_run = d.pop("dry_run", UNSET)

        drain_options = cls(
            grace_period_seconds=grace_period_seconds,
            timeout_seconds=timeout_seconds,
            ignore_daemonsets=ignore_daemonsets,
            delete_emptydir_data=delete_emptydir_data,
            force=force,
            dry_run=dry_run,
        )

        drain_options.additional_properties = d
        return drain_options

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
