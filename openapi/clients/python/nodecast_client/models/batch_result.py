from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.node_result import NodeResult


T = TypeVar("T", bound="BatchResult")


@_attrs_define
class BatchResult:
    """
    Attributes:
        cluster_name (str):
        dry_run (bool): The changes were only checked, not made.
        results (list[NodeResult]): One per requested node, in the request's order.
    """

    cluster_name: str
    dry_run: bool
    results: list[NodeResult]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cluster_name = self.cluster_name

        dry_run = self.dry_run

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cluster_name": cluster_name,
                "dry_run": dry_run,
                "results": results,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.node_result import NodeResult  # noqa: PLC0415

        d = dict(src_dict)
        cluster_name = d.pop("cluster_name")

        dry_run = d.pop("dry_run")

        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = NodeResult.from_dict(results_item_data)

            results.append(results_item)

        batch_result = cls(
            cluster_name=cluster_name,
            dry_run=dry_run,
            results=results,
        )

        batch_result.additional_properties = d
        return batch_result

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
