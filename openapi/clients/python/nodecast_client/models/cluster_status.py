from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.cluster_origin import ClusterOrigin
from ..models.watch_state import WatchState
from ..types import UNSET, Unset

T = TypeVar("T", bound="ClusterStatus")


@_attrs_define
class ClusterStatus:
    """
    Attributes:
        name (str):
        origin (ClusterOrigin): How a cluster came to be watched.
        ready (bool): The first list has completed (what `/readyz` waits for).
        stale (bool): The watch is down: the cluster's data may be out of date.
        nodes (int):
        seq (int):
        watch_state (WatchState): Where a cluster's watch stands.
        watch_state_since (datetime.datetime): When `watch_state` began.
        reconnect_attempts (int): Failed attempts since the watch last worked.
        watcher_restarts (int):
        relists (int):
        subscribers (int): Consumers of the change stream.
        last_event_time (datetime.datetime | Unset):
        last_contact_time (datetime.datetime | Unset): The last time the API server answered: an event, a list, or a
            probe.
        last_error (str | Unset): Why the watch is down; absent once it works again.
        last_error_time (datetime.datetime | Unset):
        last_failure (str | Unset): The most recent failure, kept after recovery.
        last_failure_time (datetime.datetime | Unset):
    """

    name: str
    origin: ClusterOrigin
    ready: bool
    stale: bool
    nodes: int
    seq: int
    watch_state: WatchState
    watch_state_since: datetime.datetime
    reconnect_attempts: int
    watcher_restarts: int
    relists: int
    subscribers: int
    last_event_time: datetime.datetime | Unset = UNSET
    last_contact_time: datetime.datetime | Unset = UNSET
    last_error: str | Unset = UNSET
    last_error_time: datetime.datetime | Unset = UNSET
    last_failure: str | Unset = UNSET
    last_failure_time: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        origin = self.origin.value

        ready = self.ready

        stale = self.stale

        nodes = self.nodes

        seq = self.seq

        watch_state = self.watch_state.value

        watch_state_since = self.watch_state_since.isoformat()

        reconnect_attempts = self.reconnect_attempts

        watcher_restarts = self.watcher_restarts

        relists = self.relists

        subscribers = self.subscribers

        last_event_time: str | Unset = UNSET
        if not isinstance(self.last_event_time, Unset):
            last_event_time = self.last_event_time.isoformat()

        last_contact_time: str | Unset = UNSET
        if not isinstance(self.last_contact_time, Unset):
            last_contact_time = self.last_contact_time.isoformat()

        last_error = self.last_error

        last_error_time: str | Unset = UNSET
        if not isinstance(self.last_error_time, Unset):
            last_error_time = self.last_error_time.isoformat()

        last_failure = self.last_failure

        last_failure_time: str | Unset = UNSET
        if not isinstance(self.last_failure_time, Unset):
            last_failure_time = self.last_failure_time.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "origin": origin,
                "ready": ready,
                "stale": stale,
                "nodes": nodes,
                "seq": seq,
                "watch_state": watch_state,
                "watch_state_since": watch_state_since,
                "reconnect_attempts": reconnect_attempts,
                "watcher_restarts": watcher_restarts,
                "relists": relists,
                "subscribers": subscribers,
            }
        )
        if last_event_time is not UNSET:
            field_dict["last_event_time"] = last_event_time
        if last_contact_time is not UNSET:
            field_dict["last_contact_time"] = last_contact_time
        if last_error is not UNSET:
            field_dict["last_error"] = last_error
        if last_error_time is not UNSET:
            field_dict["last_error_time"] = last_error_time
        if last_failure is not UNSET:
            field_dict["last_failure"] = last_failure
        if last_failure_time is not UNSET:
            field_dict["last_failure_time"] = last_failure_time

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        origin = ClusterOrigin(d.pop("origin"))

        ready = d.pop("ready")

        stale = d.pop("stale")

        nodes = d.pop("nodes")

        seq = d.pop("seq")

        watch_state = WatchState(d.pop("watch_state"))

        watch_state_since = datetime.datetime.fromisoformat(d.pop("watch_state_since"))

        reconnect_attempts = d.pop("reconnect_attempts")

        watcher_restarts = d.pop("watcher_restarts")

        relists = d.pop("relists")

        subscribers = d.pop("subscribers")

        _last_event_time = d.pop("last_event_time", UNSET)
        last_event_time: datetime.datetime | Unset
        if isinstance(_last_event_time, Unset):
            last_event_time = UNSET
        else:
            last_event_time = datetime.datetime.fromisoformat(_last_event_time)

        _last_contact_time = d.pop("last_contact_time", UNSET)
        last_contact_time: datetime.datetime | Unset
        if isinstance(_last_contact_time, Unset):
            last_contact_time = UNSET
        else:
            last_contact_time = datetime.datetime.fromisoformat(_last_contact_time)

        last_error = d.pop("last_error", UNSET)

        _last_error_time = d.pop("last_error_time", UNSET)
        last_error_time: datetime.datetime | Unset
        if isinstance(_last_error_time, Unset):
            last_error_time = UNSET
        else:
            last_error_time = datetime.datetime.fromisoformat(_last_error_time)

        last_failure = d.pop("last_failure", UNSET)

        _last_failure_time = d.pop("last_failure_time", UNSET)
        last_failure_time: datetime.datetime | Unset
        if isinstance(_last_failure_time, Unset):
            last_failure_time = UNSET
        else:
            last_failure_time = datetime.datetime.fromisoformat(_last_failure_time)

        cluster_status = cls(
            name=name,
            origin=origin,
            ready=ready,
            stale=stale,
            nodes=nodes,
            seq=seq,
            watch_state=watch_state,
            watch_state_since=watch_state_since,
            reconnect_attempts=reconnect_attempts,
            watcher_restarts=watcher_restarts,
            relists=relists,
            subscribers=subscribers,
            last_event_time=last_event_time,
            last_contact_time=last_contact_time,
            last_error=last_error,
            last_error_time=last_error_time,
            last_failure=last_failure,
            last_failure_time=last_failure_time,
        )

        cluster_status.additional_properties = d
        return cluster_status

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
