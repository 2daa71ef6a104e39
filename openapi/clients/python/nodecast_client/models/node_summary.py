from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.address_view import AddressView
    from ..models.condition_view import ConditionView
    from ..models.node_info_view import NodeInfoView
    from ..models.node_summary_allocatable import NodeSummaryAllocatable
    from ..models.node_summary_capacity import NodeSummaryCapacity
    from ..models.node_summary_labels import NodeSummaryLabels
    from ..models.node_summary_last_change import NodeSummaryLastChange
    from ..models.taint_view import TaintView


T = TypeVar("T", bound="NodeSummary")


@_attrs_define
class NodeSummary:
    """A node as nodecast summarizes it.

    Attributes:
        name (str):
        ready (bool): The status of the `Ready` condition is `True`.
        schedulable (bool): `spec.unschedulable` is not set (the node is not cordoned).
        roles (list[str]): From the `node-role.kubernetes.io/<role>` labels.
        labels (NodeSummaryLabels):
        taints (list[TaintView]):
        capacity (NodeSummaryCapacity):
        allocatable (NodeSummaryAllocatable):
        conditions (list[ConditionView]):
        addresses (list[AddressView]):
        node_info (NodeInfoView):
        last_change (NodeSummaryLastChange): When each field group last changed (keys are change names: `Labels`,
            `Taints`, …).
        last_change_time (datetime.datetime): The latest of `last_change`.
        seq (int): The cluster's `seq` at this node's last significant change.
        created (datetime.datetime | None | Unset): Null when the API server gave no creation time.
    """

    name: str
    ready: bool
    schedulable: bool
    roles: list[str]
    labels: NodeSummaryLabels
    taints: list[TaintView]
    capacity: NodeSummaryCapacity
    allocatable: NodeSummaryAllocatable
    conditions: list[ConditionView]
    addresses: list[AddressView]
    node_info: NodeInfoView
    last_change: NodeSummaryLastChange
    last_change_time: datetime.datetime
    seq: int
    created: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        ready = self.ready

        schedulable = self.schedulable

        roles = self.roles

        labels = self.labels.to_dict()

        taints = []
        for taints_item_data in self.taints:
            taints_item = taints_item_data.to_dict()
            taints.append(taints_item)

        capacity = self.capacity.to_dict()

        allocatable = self.allocatable.to_dict()

        conditions = []
        for conditions_item_data in self.conditions:
            conditions_item = conditions_item_data.to_dict()
            conditions.append(conditions_item)

        addresses = []
        for addresses_item_data in self.addresses:
            addresses_item = addresses_item_data.to_dict()
            addresses.append(addresses_item)

        node_info = self.node_info.to_dict()

        last_change = self.last_change.to_dict()

        last_change_time = self.last_change_time.isoformat()

        seq = self.seq

        created: None | str | Unset
        if isinstance(self.created, Unset):
            created = UNSET
        elif isinstance(self.created, datetime.datetime):
            created = self.created.isoformat()
        else:
            created = self.created

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "ready": ready,
                "schedulable": schedulable,
                "roles": roles,
                "labels": labels,
                "taints": taints,
                "capacity": capacity,
                "allocatable": allocatable,
                "conditions": conditions,
                "addresses": addresses,
                "node_info": node_info,
                "last_change": last_change,
                "last_change_time": last_change_time,
                "seq": seq,
            }
        )
        if created is not UNSET:
            field_dict["created"] = created

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address_view import AddressView  # noqa: PLC0415
        from ..models.condition_view import ConditionView  # noqa: PLC0415
        from ..models.node_info_view import NodeInfoView  # noqa: PLC0415
        from ..models.node_summary_allocatable import NodeSummaryAllocatable  # noqa: PLC0415
        from ..models.node_summary_capacity import NodeSummaryCapacity  # noqa: PLC0415
        from ..models.node_summary_labels import NodeSummaryLabels  # noqa: PLC0415
        from ..models.node_summary_last_change import NodeSummaryLastChange  # noqa: PLC0415
        from ..models.taint_view import TaintView  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        ready = d.pop("ready")

        schedulable = d.pop("schedulable")

        roles = cast(list[str], d.pop("roles"))

        labels = NodeSummaryLabels.from_dict(d.pop("labels"))

        taints = []
        _taints = d.pop("taints")
        for taints_item_data in _taints:
            taints_item = TaintView.from_dict(taints_item_data)

            taints.append(taints_item)

        capacity = NodeSummaryCapacity.from_dict(d.pop("capacity"))

        allocatable = NodeSummaryAllocatable.from_dict(d.pop("allocatable"))

        conditions = []
        _conditions = d.pop("conditions")
        for conditions_item_data in _conditions:
            conditions_item = ConditionView.from_dict(conditions_item_data)

            conditions.append(conditions_item)

        addresses = []
        _addresses = d.pop("addresses")
        for addresses_item_data in _addresses:
            addresses_item = AddressView.from_dict(addresses_item_data)

            addresses.append(addresses_item)

        node_info = NodeInfoView.from_dict(d.pop("node_info"))

        last_change = NodeSummaryLastChange.from_dict(d.pop("last_change"))

        last_change_time = datetime.datetime.fromisoformat(d.pop("last_change_time"))

        seq = d.pop("seq")

        def _parse_created(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_type_0 = datetime.datetime.fromisoformat(data)

                return created_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created = _parse_created(d.pop("created", UNSET))

        node_summary = cls(
            name=name,
            ready=ready,
            schedulable=schedulable,
            roles=roles,
            labels=labels,
            taints=taints,
            capacity=capacity,
            allocatable=allocatable,
            conditions=conditions,
            addresses=addresses,
            node_info=node_info,
            last_change=last_change,
            last_change_time=last_change_time,
            seq=seq,
            created=created,
        )

        node_summary.additional_properties = d
        return node_summary

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
