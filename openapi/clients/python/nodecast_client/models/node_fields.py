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
    from ..models.node_fields_allocatable import NodeFieldsAllocatable
    from ..models.node_fields_capacity import NodeFieldsCapacity
    from ..models.node_fields_labels import NodeFieldsLabels
    from ..models.node_fields_last_change import NodeFieldsLastChange
    from ..models.node_info_view import NodeInfoView
    from ..models.taint_view import TaintView


T = TypeVar("T", bound="NodeFields")


@_attrs_define
class NodeFields:
    """The summary with only the fields named in `fields`.

    Attributes:
        name (str | Unset):
        ready (bool | Unset): The status of the `Ready` condition is `True`.
        schedulable (bool | Unset): `spec.unschedulable` is not set (the node is not cordoned).
        roles (list[str] | Unset): From the `node-role.kubernetes.io/<role>` labels.
        labels (NodeFieldsLabels | Unset):
        taints (list[TaintView] | Unset):
        capacity (NodeFieldsCapacity | Unset):
        allocatable (NodeFieldsAllocatable | Unset):
        conditions (list[ConditionView] | Unset):
        addresses (list[AddressView] | Unset):
        node_info (NodeInfoView | Unset):
        last_change (NodeFieldsLastChange | Unset): When each field group last changed (keys are change names: `Labels`,
            `Taints`, …).
        last_change_time (datetime.datetime | Unset): The latest of `last_change`.
        seq (int | Unset): The cluster's `seq` at this node's last significant change.
        created (datetime.datetime | None | Unset): Null when the API server gave no creation time.
    """

    name: str | Unset = UNSET
    ready: bool | Unset = UNSET
    schedulable: bool | Unset = UNSET
    roles: list[str] | Unset = UNSET
    labels: NodeFieldsLabels | Unset = UNSET
    taints: list[TaintView] | Unset = UNSET
    capacity: NodeFieldsCapacity | Unset = UNSET
    allocatable: NodeFieldsAllocatable | Unset = UNSET
    conditions: list[ConditionView] | Unset = UNSET
    addresses: list[AddressView] | Unset = UNSET
    node_info: NodeInfoView | Unset = UNSET
    last_change: NodeFieldsLastChange | Unset = UNSET
    last_change_time: datetime.datetime | Unset = UNSET
    seq: int | Unset = UNSET
    created: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        ready = self.ready

        schedulable = self.schedulable

        roles: list[str] | Unset = UNSET
        if not isinstance(self.roles, Unset):
            roles = self.roles

        labels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels.to_dict()

        taints: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.taints, Unset):
            taints = []
            for taints_item_data in self.taints:
                taints_item = taints_item_data.to_dict()
                taints.append(taints_item)

        capacity: dict[str, Any] | Unset = UNSET
        if not isinstance(self.capacity, Unset):
            capacity = self.capacity.to_dict()

        allocatable: dict[str, Any] | Unset = UNSET
        if not isinstance(self.allocatable, Unset):
            allocatable = self.allocatable.to_dict()

        conditions: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.conditions, Unset):
            conditions = []
            for conditions_item_data in self.conditions:
                conditions_item = conditions_item_data.to_dict()
                conditions.append(conditions_item)

        addresses: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.addresses, Unset):
            addresses = []
            for addresses_item_data in self.addresses:
                addresses_item = addresses_item_data.to_dict()
                addresses.append(addresses_item)

        node_info: dict[str, Any] | Unset = UNSET
        if not isinstance(self.node_info, Unset):
            node_info = self.node_info.to_dict()

        last_change: dict[str, Any] | Unset = UNSET
        if not isinstance(self.last_change, Unset):
            last_change = self.last_change.to_dict()

        last_change_time: str | Unset = UNSET
        if not isinstance(self.last_change_time, Unset):
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
        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if ready is not UNSET:
            field_dict["ready"] = ready
        if schedulable is not UNSET:
            field_dict["schedulable"] = schedulable
        if roles is not UNSET:
            field_dict["roles"] = roles
        if labels is not UNSET:
            field_dict["labels"] = labels
        if taints is not UNSET:
            field_dict["taints"] = taints
        if capacity is not UNSET:
            field_dict["capacity"] = capacity
        if allocatable is not UNSET:
            field_dict["allocatable"] = allocatable
        if conditions is not UNSET:
            field_dict["conditions"] = conditions
        if addresses is not UNSET:
            field_dict["addresses"] = addresses
        if node_info is not UNSET:
            field_dict["node_info"] = node_info
        if last_change is not UNSET:
            field_dict["last_change"] = last_change
        if last_change_time is not UNSET:
            field_dict["last_change_time"] = last_change_time
        if seq is not UNSET:
            field_dict["seq"] = seq
        if created is not UNSET:
            field_dict["created"] = created

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address_view import AddressView  # noqa: PLC0415
        from ..models.condition_view import ConditionView  # noqa: PLC0415
        from ..models.node_fields_allocatable import NodeFieldsAllocatable  # noqa: PLC0415
        from ..models.node_fields_capacity import NodeFieldsCapacity  # noqa: PLC0415
        from ..models.node_fields_labels import NodeFieldsLabels  # noqa: PLC0415
        from ..models.node_fields_last_change import NodeFieldsLastChange  # noqa: PLC0415
        from ..models.node_info_view import NodeInfoView  # noqa: PLC0415
        from ..models.taint_view import TaintView  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name", UNSET)

        ready = d.pop("ready", UNSET)

        schedulable = d.pop("schedulable", UNSET)

        roles = cast(list[str], d.pop("roles", UNSET))

        _labels = d.pop("labels", UNSET)
        labels: NodeFieldsLabels | Unset
        if isinstance(_labels, Unset):
            labels = UNSET
        else:
            labels = NodeFieldsLabels.from_dict(_labels)

        _taints = d.pop("taints", UNSET)
        taints: list[TaintView] | Unset = UNSET
        if _taints is not UNSET:
            taints = []
            for taints_item_data in _taints:
                taints_item = TaintView.from_dict(taints_item_data)

                taints.append(taints_item)

        _capacity = d.pop("capacity", UNSET)
        capacity: NodeFieldsCapacity | Unset
        if isinstance(_capacity, Unset):
            capacity = UNSET
        else:
            capacity = NodeFieldsCapacity.from_dict(_capacity)

        _allocatable = d.pop("allocatable", UNSET)
        allocatable: NodeFieldsAllocatable | Unset
        if isinstance(_allocatable, Unset):
            allocatable = UNSET
        else:
            allocatable = NodeFieldsAllocatable.from_dict(_allocatable)

        _conditions = d.pop("conditions", UNSET)
        conditions: list[ConditionView] | Unset = UNSET
        if _conditions is not UNSET:
            conditions = []
            for conditions_item_data in _conditions:
                conditions_item = ConditionView.from_dict(conditions_item_data)

                conditions.append(conditions_item)

        _addresses = d.pop("addresses", UNSET)
        addresses: list[AddressView] | Unset = UNSET
        if _addresses is not UNSET:
            addresses = []
            for addresses_item_data in _addresses:
                addresses_item = AddressView.from_dict(addresses_item_data)

                addresses.append(addresses_item)

        _node_info = d.pop("node_info", UNSET)
        node_info: NodeInfoView | Unset
        if isinstance(_node_info, Unset):
            node_info = UNSET
        else:
            node_info = NodeInfoView.from_dict(_node_info)

        _last_change = d.pop("last_change", UNSET)
        last_change: NodeFieldsLastChange | Unset
        if isinstance(_last_change, Unset):
            last_change = UNSET
        else:
            last_change = NodeFieldsLastChange.from_dict(_last_change)

        _last_change_time = d.pop("last_change_time", UNSET)
        last_change_time: datetime.datetime | Unset
        if isinstance(_last_change_time, Unset):
            last_change_time = UNSET
        else:
            last_change_time = datetime.datetime.fromisoformat(_last_change_time)

        seq = d.pop("seq", UNSET)

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

        node_fields = cls(
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

        node_fields.additional_properties = d
        return node_fields

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
