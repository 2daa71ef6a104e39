from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_drain_options import BatchDrainOptions


T = TypeVar("T", bound="BatchDrain")


@_attrs_define
class BatchDrain:
    """
    Attributes:
        node_names (list[str]): The nodes, each named once; 1 to 100.
        cluster_name (str | Unset): The cluster; may be left out when only one is watched.
        concurrency (int | Unset): Nodes drained at once, 1 to 16. Default: 1.
        reason (str | Unset): The cordon's reason, recorded on each node.
        options (BatchDrainOptions | Unset):
    """

    node_names: list[str]
    cluster_name: str | Unset = UNSET
    concurrency: int | Unset = 1
    reason: str | Unset = UNSET
    options: BatchDrainOptions | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        node_names = self.node_names

        cluster_name = self.cluster_name

        concurrency = self.concurrency

        reason = self.reason

        options: dict[str, Any] | Unset = UNSET
        if not isinstance(self.options, Unset):
            options = self.options.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "node_names": node_names,
            }
        )
        if cluster_name is not UNSET:
            field_dict["cluster_name"] = cluster_name
        if concurrency is not UNSET:
            field_dict["concurrency"] = concurrency
        if reason is not UNSET:
            field_dict["reason"] = reason
        if options is not UNSET:
            field_dict["options"] = options

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_drain_options import BatchDrainOptions  # noqa: PLC0415

        d = dict(src_dict)
        node_names = cast(list[str], d.pop("node_names"))

        cluster_name = d.pop("cluster_name", UNSET)

        concurrency = d.pop("concurrency", UNSET)

        reason = d.pop("reason", UNSET)

        _options = d.pop("options", UNSET)
        options: BatchDrainOptions | Unset
        if isinstance(_options, Unset):
            options = UNSET
        else:
            options = BatchDrainOptions.from_dict(_options)

        batch_drain = cls(
            node_names=node_names,
            cluster_name=cluster_name,
            concurrency=concurrency,
            reason=reason,
            options=options,
        )

        batch_drain.additional_properties = d
        return batch_drain

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
