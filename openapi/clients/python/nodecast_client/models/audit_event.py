from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AuditEvent")


@_attrs_define
class AuditEvent:
    """One mutating call and what came of it.

    Attributes:
        at (datetime.datetime):
        principal (str): The token's name, `anonymous` with auth off, `unauthenticated` when none was valid.
        action (str): The API operation, as the OpenAPI document names it (`batchCordon`), or the method and path.
        targets (list[str]): What it acted on: nodes, a cluster, an operation.
        status (int): The HTTP status of the answer.
        ok (bool): It did all it was asked to.
        result (str): What happened: the error, how many nodes succeeded, the operation started.
        cluster (str | Unset):
    """

    at: datetime.datetime
    principal: str
    action: str
    targets: list[str]
    status: int
    ok: bool
    result: str
    cluster: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        principal = self.principal

        action = self.action

        targets = self.targets

        status = self.status

        ok = self.ok

        result = self.result

        cluster = self.cluster

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "principal": principal,
                "action": action,
                "targets": targets,
                "status": status,
                "ok": ok,
                "result": result,
            }
        )
        if cluster is not UNSET:
            field_dict["cluster"] = cluster

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        principal = d.pop("principal")

        action = d.pop("action")

        targets = cast(list[str], d.pop("targets"))

        status = d.pop("status")

        ok = d.pop("ok")

        result = d.pop("result")

        cluster = d.pop("cluster", UNSET)

        audit_event = cls(
            at=at,
            principal=principal,
            action=action,
            targets=targets,
            status=status,
            ok=ok,
            result=result,
            cluster=cluster,
        )

        audit_event.additional_properties = d
        return audit_event

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
