from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ResourceStats")


@_attrs_define
class ResourceStats:
    """
    Attributes:
        object_count (int):
        namespace_count (int): Nodes are cluster-scoped: always 0.
        ready (bool):
        last_sync (datetime.datetime | None | Unset):
        sync_duration (None | str | Unset): How long the latest complete list took, as `2.5s`.
    """

    object_count: int
    namespace_count: int
    ready: bool
    last_sync: datetime.datetime | None | Unset = UNSET
    sync_duration: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_count = self.object_count

        namespace_count = self.namespace_count

        ready = self.ready

        last_sync: None | str | Unset
        if isinstance(self.last_sync, Unset):
            last_sync = UNSET
        elif isinstance(self.last_sync, datetime.datetime):
            last_sync = self.last_sync.isoformat()
        else:
            last_sync = self.last_sync

        sync_duration: None | str | Unset
        if isinstance(self.sync_duration, Unset):
            sync_duration = UNSET
        else:
            sync_duration = self.sync_duration

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "objectCount": object_count,
                "namespaceCount": namespace_count,
                "ready": ready,
            }
        )
        if last_sync is not UNSET:
            field_dict["lastSync"] = last_sync
        if sync_duration is not UNSET:
            field_dict["syncDuration"] = sync_duration

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_count = d.pop("objectCount")

        namespace_count = d.pop("namespaceCount")

        ready = d.pop("ready")

        def _parse_last_sync(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_sync_type_0 = datetime.datetime.fromisoformat(data)

                return last_sync_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_sync = _parse_last_sync(d.pop("lastSync", UNSET))

        def _parse_sync_duration(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        sync_duration = _parse_sync_duration(d.pop("syncDuration", UNSET))

        resource_stats = cls(
            object_count=object_count,
            namespace_count=namespace_count,
            ready=ready,
            last_sync=last_sync,
            sync_duration=sync_duration,
        )

        resource_stats.additional_properties = d
        return resource_stats

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
