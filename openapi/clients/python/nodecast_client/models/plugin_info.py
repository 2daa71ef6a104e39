from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.plugin_info_disabled_in import PluginInfoDisabledIn


T = TypeVar("T", bound="PluginInfo")


@_attrs_define
class PluginInfo:
    """One plugin of the chain.

    Attributes:
        name (str):
        path (str):
        hash_ (str): sha256 of the component file.
        clusters (list[str]):
        on_error (str): `keep` or `drop`.
        timeout_ms (int):
        memory_mb (int):
        state (str): `active`, or `disabled` when switched off in some cluster (see `disabled_in`).
        disabled_in (PluginInfoDisabledIn): Clusters where it is switched off until reloaded, with the last error.
        calls (int):
        keeps (int):
        drops (int):
        errors (int):
        mean_call_us (float):
        p99_call_us (float): Upper bound of the 99th percentile call time (within a factor of two).
    """

    name: str
    path: str
    hash_: str
    clusters: list[str]
    on_error: str
    timeout_ms: int
    memory_mb: int
    state: str
    disabled_in: PluginInfoDisabledIn
    calls: int
    keeps: int
    drops: int
    errors: int
    mean_call_us: float
    p99_call_us: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        path = self.path

        hash_ = self.hash_

        clusters = self.clusters

        on_error = self.on_error

        timeout_ms = self.timeout_ms

        memory_mb = self.memory_mb

        state = self.state

        disabled_in = self.disabled_in.to_dict()

        calls = self.calls

        keeps = self.keeps

        drops = self.drops

        errors = self.errors

        mean_call_us = self.mean_call_us

        p99_call_us = self.p99_call_us

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "path": path,
                "hash": hash_,
                "clusters": clusters,
                "on_error": on_error,
                "timeout_ms": timeout_ms,
                "memory_mb": memory_mb,
                "state": state,
                "disabled_in": disabled_in,
                "calls": calls,
                "keeps": keeps,
                "drops": drops,
                "errors": errors,
                "mean_call_us": mean_call_us,
                "p99_call_us": p99_call_us,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.plugin_info_disabled_in import PluginInfoDisabledIn  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        path = d.pop("path")

        hash_ = d.pop("hash")

        clusters = cast(list[str], d.pop("clusters"))

        on_error = d.pop("on_error")

        timeout_ms = d.pop("timeout_ms")

        memory_mb = d.pop("memory_mb")

        state = d.pop("state")

        disabled_in = PluginInfoDisabledIn.from_dict(d.pop("disabled_in"))

        calls = d.pop("calls")

        keeps = d.pop("keeps")

        drops = d.pop("drops")

        errors = d.pop("errors")

        mean_call_us = d.pop("mean_call_us")

        p99_call_us = d.pop("p99_call_us")

        plugin_info = cls(
            name=name,
            path=path,
            hash_=hash_,
            clusters=clusters,
            on_error=on_error,
            timeout_ms=timeout_ms,
            memory_mb=memory_mb,
            state=state,
            disabled_in=disabled_in,
            calls=calls,
            keeps=keeps,
            drops=drops,
            errors=errors,
            mean_call_us=mean_call_us,
            p99_call_us=p99_call_us,
        )

        plugin_info.additional_properties = d
        return plugin_info

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
