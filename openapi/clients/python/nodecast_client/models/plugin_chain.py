from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.cluster_flow import ClusterFlow
    from ..models.plugin_info import PluginInfo


T = TypeVar("T", bound="PluginChain")


@_attrs_define
class PluginChain:
    """
    Attributes:
        generation (int): Rises with every successful reload.
        plugins (list[PluginInfo]):
        clusters (list[ClusterFlow]):
    """

    generation: int
    plugins: list[PluginInfo]
    clusters: list[ClusterFlow]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        generation = self.generation

        plugins = []
        for plugins_item_data in self.plugins:
            plugins_item = plugins_item_data.to_dict()
            plugins.append(plugins_item)

        clusters = []
        for clusters_item_data in self.clusters:
            clusters_item = clusters_item_data.to_dict()
            clusters.append(clusters_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "generation": generation,
                "plugins": plugins,
                "clusters": clusters,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cluster_flow import ClusterFlow  # noqa: PLC0415
        from ..models.plugin_info import PluginInfo  # noqa: PLC0415

        d = dict(src_dict)
        generation = d.pop("generation")

        plugins = []
        _plugins = d.pop("plugins")
        for plugins_item_data in _plugins:
            plugins_item = PluginInfo.from_dict(plugins_item_data)

            plugins.append(plugins_item)

        clusters = []
        _clusters = d.pop("clusters")
        for clusters_item_data in _clusters:
            clusters_item = ClusterFlow.from_dict(clusters_item_data)

            clusters.append(clusters_item)

        plugin_chain = cls(
            generation=generation,
            plugins=plugins,
            clusters=clusters,
        )

        plugin_chain.additional_properties = d
        return plugin_chain

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
