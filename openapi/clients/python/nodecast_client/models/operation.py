from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.operation_kind import OperationKind
from ..models.operation_state import OperationState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.drain_options import DrainOptions
    from ..models.node_progress import NodeProgress


T = TypeVar("T", bound="Operation")


@_attrs_define
class Operation:
    """A long-running operation and its progress, as `GET /api/v1/operations/{id}`
    and the WebSocket's `operation` messages show it.

        Attributes:
            id (str):
            kind (OperationKind):
            cluster_name (str):
            state (OperationState):
            started_by (str): Who started it: the token's name, `anonymous` with auth off.
            started_at (datetime.datetime):
            options (DrainOptions): What a drain may do, with kubectl drain's defaults and meanings.
            concurrency (int): Nodes drained at once.
            nodes (list[NodeProgress]):
            finished_at (datetime.datetime | Unset):
            message (str | Unset): How it ended.
            cancelled_by (str | Unset): Who cancelled it, when someone did.
    """

    id: str
    kind: OperationKind
    cluster_name: str
    state: OperationState
    started_by: str
    started_at: datetime.datetime
    options: DrainOptions
    concurrency: int
    nodes: list[NodeProgress]
    finished_at: datetime.datetime | Unset = UNSET
    message: str | Unset = UNSET
    cancelled_by: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        kind = self.kind.value

        cluster_name = self.cluster_name

        state = self.state.value

        started_by = self.started_by

        started_at = self.started_at.isoformat()

        options = self.options.to_dict()

        concurrency = self.concurrency

        nodes = []
        for nodes_item_data in self.nodes:
            nodes_item = nodes_item_data.to_dict()
            nodes.append(nodes_item)

        finished_at: str | Unset = UNSET
        if not isinstance(self.finished_at, Unset):
            finished_at = self.finished_at.isoformat()

        message = self.message

        cancelled_by = self.cancelled_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "cluster_name": cluster_name,
                "state": state,
                "started_by": started_by,
                "started_at": started_at,
                "options": options,
                "concurrency": concurrency,
                "nodes": nodes,
            }
        )
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if message is not UNSET:
            field_dict["message"] = message
        if cancelled_by is not UNSET:
            field_dict["cancelled_by"] = cancelled_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.drain_options import DrainOptions  # noqa: PLC0415
        from ..models.node_progress import NodeProgress  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        kind = OperationKind(d.pop("kind"))

        cluster_name = d.pop("cluster_name")

        state = OperationState(d.pop("state"))

        started_by = d.pop("started_by")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        options = DrainOptions.from_dict(d.pop("options"))

        concurrency = d.pop("concurrency")

        nodes = []
        _nodes = d.pop("nodes")
        for nodes_item_data in _nodes:
            nodes_item = NodeProgress.from_dict(nodes_item_data)

            nodes.append(nodes_item)

        _finished_at = d.pop("finished_at", UNSET)
        finished_at: datetime.datetime | Unset
        if isinstance(_finished_at, Unset):
            finished_at = UNSET
        else:
            finished_at = datetime.datetime.fromisoformat(_finished_at)

        message = d.pop("message", UNSET)

        cancelled_by = d.pop("cancelled_by", UNSET)

        operation = cls(
            id=id,
            kind=kind,
            cluster_name=cluster_name,
            state=state,
            started_by=started_by,
            started_at=started_at,
            options=options,
            concurrency=concurrency,
            nodes=nodes,
            finished_at=finished_at,
            message=message,
            cancelled_by=cancelled_by,
        )

        operation.additional_properties = d
        return operation

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
