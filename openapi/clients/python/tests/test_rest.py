"""The generated REST client against a live server."""

import time
import uuid
from http import HTTPStatus

import pytest
from conftest import CLUSTER, env, kubectl, node_names, token_client

from nodecast_client import Client
from nodecast_client.api.clusters import list_clusters, register_cluster, unregister_cluster
from nodecast_client.api.nodes import get_cluster_node, get_node, list_nodes
from nodecast_client.models import (
    ErrorBody,
    KubernetesNode,
    NodeFields,
    NodeItem,
    NodeList,
    NodeSummary,
    RegisterCluster,
    View,
)
from nodecast_client.result import ApiError, unwrap
from nodecast_client.types import UNSET


def test_list_nodes_gives_summaries_with_the_stream_position(client):
    listed = unwrap(list_nodes.sync_detailed(client=client, cluster_name=CLUSTER))
    assert isinstance(listed, NodeList)
    assert listed.cluster_name == CLUSTER
    assert listed.epoch and listed.seq >= 0
    assert 20 <= listed.total <= 40
    assert len(listed.items) == listed.total
    names = [item.name for item in listed.items]
    assert names == sorted(names) and all(name.startswith("node-") for name in names)
    first = listed.items[0]
    assert isinstance(first, NodeSummary)
    assert isinstance(first.ready, bool) and first.node_info.kubelet_version
    assert listed.continue_ is UNSET


def test_get_node_by_cluster_path_and_by_query(client):
    name = node_names(client)[0]
    item = unwrap(get_cluster_node.sync_detailed(client=client, cluster=CLUSTER, node=name))
    assert isinstance(item, NodeItem)
    assert item.cluster_name == CLUSTER
    assert isinstance(item.node, NodeSummary) and item.node.name == name
    again = unwrap(get_node.sync_detailed(client=client, node=name, cluster_name=CLUSTER))
    assert again.node.name == name


def test_full_view_is_the_kubernetes_node(client):
    name = node_names(client)[0]
    item = unwrap(get_cluster_node.sync_detailed(client=client, cluster=CLUSTER, node=name, view=View.FULL))
    assert isinstance(item.node, KubernetesNode)
    assert item.node.kind == "Node"
    assert item.node.metadata["name"] == name
    assert "managedFields" not in item.node.metadata.additional_properties


def test_fields_keeps_only_the_named_summary_fields(client):
    listed = unwrap(list_nodes.sync_detailed(client=client, cluster_name=CLUSTER, fields="name,ready"))
    assert listed.items
    for item in listed.items:
        assert isinstance(item, NodeFields)
        assert item.name.startswith("node-") and isinstance(item.ready, bool)
        assert item.schedulable is UNSET and item.labels is UNSET


def test_paging_with_limit_and_continue_returns_every_node_once(client):
    before = set(node_names(client))
    walked: list[str] = []
    pages = 0
    cursor = UNSET
    while True:
        page = unwrap(list_nodes.sync_detailed(client=client, cluster_name=CLUSTER, limit=7, continue_=cursor))
        pages += 1
        assert len(page.items) <= 7
        walked.extend(item.name for item in page.items)
        if page.continue_ is UNSET:
            break
        cursor = page.continue_
    after = set(node_names(client))
    assert len(walked) == len(set(walked)), f"a node came twice: {walked}"
    assert walked == sorted(walked)
    # The simulator's churn adds and removes nodes: every node present
    # throughout the walk must be in it, exactly once.
    assert before & after <= set(walked)
    assert set(walked) <= before | after
    assert pages == -(-len(walked) // 7)


def test_register_list_and_delete_a_cluster(client):
    name = f"second-{uuid.uuid4().hex[:8]}"
    with open(env("LIVE_KUBECONFIG"), encoding="utf-8") as f:
        kubeconfig = f.read()
    created = register_cluster.sync_detailed(client=client, body=RegisterCluster(name=name, kubeconfig=kubeconfig))
    assert created.status_code == HTTPStatus.CREATED, created.content
    assert created.parsed.name == name

    listed = {cluster.name for cluster in unwrap(list_clusters.sync_detailed(client=client))}
    assert {CLUSTER, name} <= listed

    with pytest.raises(ApiError) as twice:
        unwrap(register_cluster.sync_detailed(client=client, body=RegisterCluster(name=name, kubeconfig=kubeconfig)))
    assert twice.value.status == 409

    deleted = unregister_cluster.sync_detailed(client=client, name=name)
    assert deleted.status_code == HTTPStatus.NO_CONTENT, deleted.content
    listed = {cluster.name for cluster in unwrap(list_clusters.sync_detailed(client=client))}
    assert name not in listed and CLUSTER in listed
    with pytest.raises(ApiError) as gone:
        unwrap(unregister_cluster.sync_detailed(client=client, name=name))
    assert gone.value.status == 404


def test_unknown_node_is_a_typed_404(client):
    response = get_cluster_node.sync_detailed(client=client, cluster=CLUSTER, node="no-such-node")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert isinstance(response.parsed, ErrorBody)
    assert response.parsed.code == "not_found" and "no-such-node" in response.parsed.message
    with pytest.raises(ApiError) as raised:
        unwrap(response)
    assert raised.value.status == 404 and raised.value.code == "not_found"


@pytest.mark.parametrize(
    ("query", "named"),
    [({"fields": "name,bogus"}, "bogus"), ({"limit": 0}, "limit"), ({"limit": 10001}, "limit")],
)
def test_bad_query_is_a_typed_400_naming_the_parameter(client, query, named):
    with pytest.raises(ApiError) as raised:
        unwrap(list_nodes.sync_detailed(client=client, cluster_name=CLUSTER, **query))
    assert raised.value.status == 400 and raised.value.code == "bad_request"
    assert named in raised.value.message
    assert isinstance(raised.value.body, ErrorBody)


def test_no_token_is_401_and_a_viewer_registering_is_403(auth_url):
    with Client(base_url=auth_url) as anonymous:
        with pytest.raises(ApiError) as unauthorized:
            unwrap(list_nodes.sync_detailed(client=anonymous, cluster_name=CLUSTER))
    assert unauthorized.value.status == 401 and unauthorized.value.code == "unauthorized"

    with token_client(auth_url, "LIVE_VIEWER_TOKEN") as viewer:
        assert unwrap(list_nodes.sync_detailed(client=viewer, cluster_name=CLUSTER)).items
        with open(env("LIVE_AUTH_KUBECONFIG"), encoding="utf-8") as f:
            body = RegisterCluster(name="viewer-may-not", kubeconfig=f.read())
        with pytest.raises(ApiError) as forbidden:
            unwrap(register_cluster.sync_detailed(client=viewer, body=body))
    assert forbidden.value.status == 403 and forbidden.value.code == "forbidden"

    with token_client(auth_url, "LIVE_OPERATOR_TOKEN") as operator:
        clusters = {cluster.name for cluster in unwrap(list_clusters.sync_detailed(client=operator))}
    assert "viewer-may-not" not in clusters


def test_a_kubectl_label_shows_in_the_next_read(client):
    name = node_names(client)[-1]
    value = uuid.uuid4().hex[:12]
    kubectl("label", "node", name, f"sdk-read={value}", "--overwrite")
    for _ in range(100):
        node = unwrap(get_cluster_node.sync_detailed(client=client, cluster=CLUSTER, node=name)).node
        if node.labels.additional_properties.get("sdk-read") == value:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"label sdk-read={value} never reached the cache")
    assert node.last_change["Labels"]
