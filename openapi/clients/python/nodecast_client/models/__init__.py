"""Contains all the data models used in inputs/outputs"""

from .address_view import AddressView
from .audit_event import AuditEvent
from .audit_events import AuditEvents
from .batch_cordon import BatchCordon
from .batch_drain import BatchDrain
from .batch_drain_options import BatchDrainOptions
from .batch_labels import BatchLabels
from .batch_labels_set import BatchLabelsSet
from .batch_result import BatchResult
from .batch_taints import BatchTaints
from .batch_uncordon import BatchUncordon
from .cache_stats import CacheStats
from .cache_stats_resource_stats import CacheStatsResourceStats
from .cluster_flow import ClusterFlow
from .cluster_info import ClusterInfo
from .cluster_origin import ClusterOrigin
from .cluster_status import ClusterStatus
from .condition_view import ConditionView
from .drain_options import DrainOptions
from .error_body import ErrorBody
from .health import Health
from .include import Include
from .kubernetes_node import KubernetesNode
from .kubernetes_node_metadata import KubernetesNodeMetadata
from .kubernetes_node_spec import KubernetesNodeSpec
from .kubernetes_node_status import KubernetesNodeStatus
from .label_edit import LabelEdit
from .label_edit_set import LabelEditSet
from .node_fields import NodeFields
from .node_fields_allocatable import NodeFieldsAllocatable
from .node_fields_capacity import NodeFieldsCapacity
from .node_fields_labels import NodeFieldsLabels
from .node_fields_last_change import NodeFieldsLastChange
from .node_info_view import NodeInfoView
from .node_item import NodeItem
from .node_item_pod_counts import NodeItemPodCounts
from .node_list import NodeList
from .node_list_pod_counts import NodeListPodCounts
from .node_pods import NodePods
from .node_progress import NodeProgress
from .node_result import NodeResult
from .node_state import NodeState
from .node_summary import NodeSummary
from .node_summary_allocatable import NodeSummaryAllocatable
from .node_summary_capacity import NodeSummaryCapacity
from .node_summary_labels import NodeSummaryLabels
from .node_summary_last_change import NodeSummaryLastChange
from .operation import Operation
from .operation_kind import OperationKind
from .operation_list import OperationList
from .operation_state import OperationState
from .plugin_chain import PluginChain
from .plugin_info import PluginInfo
from .plugin_info_disabled_in import PluginInfoDisabledIn
from .pod_counts import PodCounts
from .pod_counts_counts import PodCountsCounts
from .pod_progress import PodProgress
from .pod_state import PodState
from .pod_summary import PodSummary
from .realtime_status import RealtimeStatus
from .refresh_accepted import RefreshAccepted
from .register_cluster import RegisterCluster
from .resource_stats import ResourceStats
from .taint_edit import TaintEdit
from .taint_effect import TaintEffect
from .taint_removal import TaintRemoval
from .taint_spec import TaintSpec
from .taint_view import TaintView
from .view import View
from .watch_state import WatchState
from .ws_ping import WsPing
from .ws_stats import WsStats
from .ws_stats_subscribers import WsStatsSubscribers
from .ws_test_message import WsTestMessage
from .ws_test_result import WsTestResult

__all__ = (
    "AddressView",
    "AuditEvent",
    "AuditEvents",
    "BatchCordon",
    "BatchDrain",
    "BatchDrainOptions",
    "BatchLabels",
    "BatchLabelsSet",
    "BatchResult",
    "BatchTaints",
    "BatchUncordon",
    "CacheStats",
    "CacheStatsResourceStats",
    "ClusterFlow",
    "ClusterInfo",
    "ClusterOrigin",
    "ClusterStatus",
    "ConditionView",
    "DrainOptions",
    "ErrorBody",
    "Health",
    "Include",
    "KubernetesNode",
    "KubernetesNodeMetadata",
    "KubernetesNodeSpec",
    "KubernetesNodeStatus",
    "LabelEdit",
    "LabelEditSet",
    "NodeFields",
    "NodeFieldsAllocatable",
    "NodeFieldsCapacity",
    "NodeFieldsLabels",
    "NodeFieldsLastChange",
    "NodeInfoView",
    "NodeItem",
    "NodeItemPodCounts",
    "NodeList",
    "NodeListPodCounts",
    "NodePods",
    "NodeProgress",
    "NodeResult",
    "NodeState",
    "NodeSummary",
    "NodeSummaryAllocatable",
    "NodeSummaryCapacity",
    "NodeSummaryLabels",
    "NodeSummaryLastChange",
    "Operation",
    "OperationKind",
    "OperationList",
    "OperationState",
    "PluginChain",
    "PluginInfo",
    "PluginInfoDisabledIn",
    "PodCounts",
    "PodCountsCounts",
    "PodProgress",
    "PodState",
    "PodSummary",
    "RealtimeStatus",
    "RefreshAccepted",
    "RegisterCluster",
    "ResourceStats",
    "TaintEdit",
    "TaintEffect",
    "TaintRemoval",
    "TaintSpec",
    "TaintView",
    "View",
    "WatchState",
    "WsPing",
    "WsStats",
    "WsStatsSubscribers",
    "WsTestMessage",
    "WsTestResult",
)
