from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

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
        pod_ip (None | str | Unset):
        controller (None | str | Unset): The kind and name of its controller: `ReplicaSet/web-7d4b9`, `DaemonSet/agent`.
        created_at (datetime.datetime | None | Unset):
    """

    namespace: str
    name: str
    phase: str
    ready_containers: int
    containers: int
    restarts: int
    terminating: bool
    pod_ip: None | str | Unset = UNSET
    controller: None | str | Unset = UNSET
    created_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        namespace = self.namespace

        name = self.name

        phase = self.phase

        ready_containers = self.ready_containers

        containers = self.containers

        restarts = self.restarts

        terminating = self.terminating

        pod_ip: None | str | Unset
        if isinstance(self.pod_ip, Unset):
            pod_ip = UNSET
        else:
            pod_ip = self.pod_ip

        controller: None | str | Unset
        if isinstance(self.controller, Unset):
            controller = UNSET
        else:
            controller = self.controller

        created_at: None | str | Unset
        if isinstance(self.created_at, Unset):
            created_at = UNSET
        elif isinstance(self.created_at, datetime.datetime):
            created_at = self.created_at.isoformat()
        else:
            created_at = self.created_at

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

        def _parse_pod_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pod_ip = _parse_pod_ip(d.pop("pod_ip", UNSET))

        def _parse_controller(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        controller = _parse_controller(d.pop("controller", UNSET))

        def _parse_created_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_at_type_0 = datetime.datetime.fromisoformat(data)

                return created_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created_at = _parse_created_at(d.pop("created_at", UNSET))

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
