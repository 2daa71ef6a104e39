from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.cache_stats_resource_stats import CacheStatsResourceStats


T = TypeVar("T", bound="CacheStats")


@_attrs_define
class CacheStats:
    """The seeds' cache statistics, for nodes: one informer per cluster.

    Attributes:
        active_informers (int):
        total_objects (int):
        resource_stats (CacheStatsResourceStats): Keyed `<cluster>/v1/nodes`.
        last_update (datetime.datetime | None | Unset): Null until a cluster has completed a list: the seeds' shape
            keeps the key.
    """

    active_informers: int
    total_objects: int
    resource_stats: CacheStatsResourceStats
    last_update: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_informers = self.active_informers

        total_objects = self.total_objects

        resource_stats = self.resource_stats.to_dict()

        last_update: None | str | Unset
        if isinstance(self.last_update, Unset):
            last_update = UNSET
        elif isinstance(self.last_update, datetime.datetime):
            last_update = self.last_update.isoformat()
        else:
            last_update = self.last_update

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "activeInformers": active_informers,
                "totalObjects": total_objects,
                "resourceStats": resource_stats,
            }
        )
        if last_update is not UNSET:
            field_dict["lastUpdate"] = last_update

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cache_stats_resource_stats import CacheStatsResourceStats  # noqa: PLC0415

        d = dict(src_dict)
        active_informers = d.pop("activeInformers")

        total_objects = d.pop("totalObjects")

        resource_stats = CacheStatsResourceStats.from_dict(d.pop("resourceStats"))

        def _parse_last_update(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_update_type_0 = datetime.datetime.fromisoformat(data)

                return last_update_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_update = _parse_last_update(d.pop("lastUpdate", UNSET))

        cache_stats = cls(
            active_informers=active_informers,
            total_objects=total_objects,
            resource_stats=resource_stats,
            last_update=last_update,
        )

        cache_stats.additional_properties = d
        return cache_stats

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
