from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PodSummary")


@_attrs_define
class PodSummary:
    """What a dashboard shows of one pod.

    Attributes:
        namespace (str):
        name (str):
        phase (str): `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
        ready_containers (int): Containers ready, of `containers`.
        containers (int):
        restarts (int): Container restarts, summed.
        terminating (bool): It is being deleted (its containers are stopping).
        pod_ip (str | Unset):
        controller (str | Unset): The kind and name of its controller: `ReplicaSet/web-7d4b9`, `DaemonSet/agent`.
        created_at (datetime.datetime | Unset):
    """

    namespace: str
    name: str
    phase: str
    ready_containers: int
    containers: int
    restarts: int
    terminating: bool
    pod_ip: str | Unset = UNSET
    controller: str | Unset = UNSET
    created_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        namespace = self.namespace

        name = self.name

        phase = self.phase

        ready_containers = self.ready_containers

        containers = self.containers

        restarts = self.restarts

        terminating = self.terminating

        pod_ip = self.pod_ip

        controller = self.controller

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "namespace": namespace,
                "name": name,
                "phase": phase,
                "ready_containers": ready_containers,
                "containers": containers,
                "restarts": restarts,
                "terminating": terminating,
            }
        )
        if pod_ip is not UNSET:
            field_dict["pod_ip"] = pod_ip
        if controller is not UNSET:
            field_dict["controller"] = controller
        if created_at is not UNSET:
            field_dict["created_at"] = created_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        namespace = d.pop("namespace")

        name = d.pop("name")

        phase = d.pop("phase")

        ready_containers = d.pop("ready_containers")

        containers = d.pop("containers")

        restarts = d.pop("restarts")

        terminating = d.pop("terminating")

        pod_ip = d.pop("pod_ip", UNSET)

        controller = d.pop("controller", UNSET)

        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at, Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)

        pod_summary = cls(
            namespace=namespace,
            name=name,
            phase=phase,
            ready_containers=ready_containers,
            containers=containers,
            restarts=restarts,
            terminating=terminating,
            pod_ip=pod_ip,
            controller=controller,
            created_at=created_at,
        )

        pod_summary.additional_properties = d
        return pod_summary

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
