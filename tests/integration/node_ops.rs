//! Node operations end to end: cordon and uncordon through nodecast's REST
//! API, written to the simulated cluster through kube-rs, audited on the
//! node, and seen live by a WebSocket client.

use k8s_openapi::api::core::v1::Node;
use kube::api::Api;
use nodecast::auth::{Role, TokenConfig};
use nodecast::ops::{AT_ANNOTATION, BY_ANNOTATION, REASON_ANNOTATION};
use nodecast::sim::Simulator;
use serde_json::{Value, json};

use crate::support::{Nodecast, Socket, client, next, quiet};

/// The next `want` `node_update` messages a WebSocket client receives, as (node, changes).
async fn updates(socket: &mut Socket, want: usize) -> Vec<(String, Value)> {
    let mut updates = Vec::new();
    while updates.len() < want {
        let message = next(socket).await;
        if message["type"] == "node_update" {
            updates.push((message["node_name"].as_str().unwrap().to_owned(), message["changes"].clone()));
        }
    }
    updates
}

#[tokio::test]
async fn a_batch_cordon_is_audited_on_each_node_reported_per_node_and_broadcast_once_per_node() {
    let sim = Simulator::start(quiet(4)).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let url = format!("{}/api/v1/ws/nodes?cluster=c1", nodecast.url.replace("http", "ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    // Changes made before the subscription took effect would not be streamed.
    while next(&mut socket).await["type"] != "subscribed" {}

    let body = json!({"cluster_name": "c1", "node_names": ["node-0003", "node-9999", "node-0004"], "reason": "kernel upgrade"});
    let response = nodecast.post("/api/v1/nodes/batch-cordon").json(&body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let batch: Value = response.json().await.unwrap();
    let results = batch["results"].as_array().unwrap();
    assert_eq!(
        results.iter().map(|r| r["node"].as_str().unwrap()).collect::<Vec<_>>(),
        ["node-0003", "node-9999", "node-0004"]
    );
    assert_eq!(results.iter().map(|r| r["ok"].as_bool().unwrap()).collect::<Vec<_>>(), [true, false, true]);
    assert_eq!(results[1]["code"], "not_found");
    assert!(results[1]["message"].as_str().unwrap().contains("node-9999"), "{}", results[1]);

    for (result, name) in [(&results[0], "node-0003"), (&results[2], "node-0004")] {
        let node = nodes.get(name).await.unwrap();
        assert_eq!(node.spec.as_ref().unwrap().unschedulable, Some(true));
        assert_eq!(result["resource_version"].as_str(), node.metadata.resource_version.as_deref());
        let annotations = node.metadata.annotations.unwrap();
        assert_eq!(annotations[REASON_ANNOTATION], "kernel upgrade");
        assert_eq!(annotations[BY_ANNOTATION], "anonymous");
        assert!(chrono::DateTime::parse_from_rfc3339(&annotations[AT_ANNOTATION]).is_ok());
    }
    let mut seen = updates(&mut socket, 2).await;
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(seen.iter().map(|(node, _)| node.as_str()).collect::<Vec<_>>(), ["node-0003", "node-0004"]);
    for (_, changes) in &seen {
        assert!(changes.as_array().unwrap().contains(&json!("Schedulable")), "{changes}");
    }

    let response = nodecast.post("/api/v1/nodes/c1/node-0003/uncordon").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let node = nodes.get("node-0003").await.unwrap();
    assert_ne!(node.spec.unwrap().unschedulable, Some(true));
    let annotations = node.metadata.annotations.unwrap_or_default();
    assert!([REASON_ANNOTATION, BY_ANNOTATION, AT_ANNOTATION].iter().all(|key| !annotations.contains_key(*key)));
    assert_eq!(updates(&mut socket, 1).await[0].0, "node-0003");

    let one = nodecast.post("/api/v1/nodes/c1/node-0002/cordon?reason=disk").send().await.unwrap();
    assert_eq!(one.status().as_u16(), 200);
    assert_eq!(nodes.get("node-0002").await.unwrap().metadata.annotations.unwrap()[REASON_ANNOTATION], "disk");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn node_operations_refuse_bad_batches_unknown_nodes_and_viewers() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let token = |name: &str, role: Role| TokenConfig {
        name: name.to_owned(),
        token: format!("{name}-token-0123456789"),
        role,
        clusters: vec!["*".into()],
    };
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| {
        config.api.auth.enabled = true;
        config.api.auth.tokens = vec![token("viewer", Role::Viewer), token("ops", Role::Operator)];
    })
    .await;
    let post = |path: &str, token: &str, body: Value| {
        let request = nodecast.post(path).bearer_auth(format!("{token}-token-0123456789")).json(&body);
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let cordon = |names: Value| json!({"cluster_name": "c1", "node_names": names});
    let every_operation = [
        ("/api/v1/nodes/batch-cordon", cordon(json!(["node-0002"]))),
        ("/api/v1/nodes/batch-uncordon", cordon(json!(["node-0002"]))),
        ("/api/v1/nodes/batch-labels", json!({"cluster_name": "c1", "node_names": ["node-0002"], "set": {"a": "b"}})),
        (
            "/api/v1/nodes/batch-taints",
            json!({"cluster_name": "c1", "node_names": ["node-0002"], "add": [{"key": "k", "effect": "NoSchedule"}]}),
        ),
        ("/api/v1/nodes/c1/node-0002/cordon", Value::Null),
        ("/api/v1/nodes/c1/node-0002/uncordon", Value::Null),
        ("/api/v1/nodes/c1/node-0002/drain", json!({})),
        ("/api/v1/nodes/batch-drain", json!({"cluster_name": "c1", "node_names": ["node-0002"]})),
        // Refused as a viewer before the bad key is looked at.
        (
            "/api/v1/nodes/batch-labels",
            json!({"cluster_name": "c1", "node_names": ["node-0002"], "set": {"bad key": "b"}}),
        ),
    ];
    let before = sim.store().get(nodecast::sim::Resource::Nodes, "node-0002").unwrap();
    for (path, body) in every_operation {
        let (status, body) = post(path, "viewer", body).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{path}: {body}");
    }
    assert_eq!(sim.store().get(nodecast::sim::Resource::Nodes, "node-0002").unwrap(), before, "viewers change nothing");
    let (status, body) = post("/api/v1/nodes/batch-cordon", "ops", cordon(json!([]))).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("node_names"), "{body}");
    let (status, body) = post("/api/v1/nodes/batch-cordon", "ops", cordon(json!(["node-0002", "node-0002"]))).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("named twice"), "{body}");
    let (status, body) = post("/api/v1/nodes/c1/node-9999/cordon", "ops", Value::Null).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "{body}");

    let (status, body) = post("/api/v1/nodes/batch-cordon", "ops", cordon(json!(["node-0002"]))).await;
    assert_eq!((status, body["results"][0]["ok"].as_bool()), (200, Some(true)), "{body}");
    let bare = nodecast.post("/api/v1/nodes/c1/node-0003/cordon").bearer_auth("ops-token-0123456789");
    assert_eq!(bare.send().await.unwrap().status().as_u16(), 200, "a cordon needs no reason");
    let node = sim.store().get(nodecast::sim::Resource::Nodes, "node-0002").unwrap();
    assert_eq!(node["metadata"]["annotations"][BY_ANNOTATION], "ops", "the token's name is recorded");

    let (status, drain) =
        post("/api/v1/nodes/c1/node-0003/drain", "ops", json!({"dry_run": true, "force": true})).await;
    assert_eq!(status, 202, "{drain}");
    let cancel = nodecast.delete(&format!("/api/v1/operations/{}", drain["id"].as_str().unwrap()));
    let refused = cancel.bearer_auth("viewer-token-0123456789").send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 403, "a viewer cannot cancel an operation");

    let anonymous = nodecast.post("/api/v1/nodes/batch-uncordon").json(&cordon(json!(["node-0002"])));
    assert_eq!(anonymous.send().await.unwrap().status().as_u16(), 401);
    let audit = |token: &str| nodecast.get("/api/v1/audit?limit=1000").bearer_auth(format!("{token}-token-0123456789"));
    assert_eq!(audit("viewer").send().await.unwrap().status().as_u16(), 403, "the audit log is for operators");
    let log: Value = audit("ops").send().await.unwrap().json().await.unwrap();
    let events = log["events"].as_array().unwrap();
    let newest = &events[0];
    assert_eq!(
        (newest["principal"].as_str(), newest["status"].as_u64()),
        (Some("unauthenticated"), Some(401)),
        "{newest}"
    );
    let find = |principal: &str, action: &str, status: u64| {
        events
            .iter()
            .find(|e| e["principal"] == principal && e["action"] == action && e["status"] == status)
            .unwrap_or_else(|| panic!("no {principal} {action} {status} in {log}"))
    };
    let refused = find("viewer", "batchCordon", 403);
    assert_eq!((refused["ok"].as_bool(), refused["cluster"].as_str()), (Some(false), Some("c1")));
    assert!(refused["result"].as_str().unwrap().starts_with("forbidden: "), "{refused}");
    let cordoned = find("ops", "batchCordon", 200);
    assert_eq!(cordoned["targets"], json!(["node-0002"]));
    assert_eq!((cordoned["ok"].as_bool(), cordoned["result"].as_str()), (Some(true), Some("1 of 1 nodes changed")));
    let drained = find("ops", "drainNode", 202);
    assert_eq!(drained["targets"], json!(["node-0003"]));
    assert!(drained["result"].as_str().unwrap().starts_with("operation "), "{drained}");
    find("ops", "batchCordon", 400);
    find("viewer", "cancelOperation", 403);
    assert!(events.iter().all(|e| e["action"] != "listAudit"), "reads are not audited");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn batch_labels_set_and_remove_and_bad_keys_write_nothing() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let labels = |body: Value| nodecast.post("/api/v1/nodes/batch-labels").json(&body).send();

    let body = json!({"cluster_name": "c1", "node_names": ["node-0002", "node-0003"], "set": {"nodecast.io/pool": "gpu", "tier": "a"}});
    assert_eq!(labels(body).await.unwrap().status().as_u16(), 200);
    let body = json!({"cluster_name": "c1", "node_names": ["node-0003"], "remove": ["tier"]});
    let result: Value = labels(body).await.unwrap().json().await.unwrap();
    assert_eq!(result["results"][0]["ok"], true, "{result}");
    let of = |node: Node| node.metadata.labels.unwrap_or_default();
    let (two, three) = (of(nodes.get("node-0002").await.unwrap()), of(nodes.get("node-0003").await.unwrap()));
    assert_eq!((two["nodecast.io/pool"].as_str(), two["tier"].as_str()), ("gpu", "a"));
    assert_eq!((three["nodecast.io/pool"].as_str(), three.get("tier")), ("gpu", None));

    for (body, says) in [
        (json!({"cluster_name": "c1", "node_names": ["node-0002"], "set": {"bad key": "x"}}), "\"bad key\""),
        (json!({"cluster_name": "c1", "node_names": ["node-0002"], "set": {"a": "b"}, "remove": ["a"]}), "both"),
        (json!({"cluster_name": "c1", "node_names": ["node-0002"]}), "at least one"),
    ] {
        let response = labels(body).await.unwrap();
        assert_eq!(response.status().as_u16(), 400);
        let error: Value = response.json().await.unwrap();
        assert!(error["message"].as_str().unwrap().contains(says), "{error}");
    }
    assert_eq!(of(nodes.get("node-0002").await.unwrap()), two, "a refused batch writes nothing");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_taint_edits_of_one_node_are_all_kept() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let taints = |body: Value| {
        let request = nodecast.post("/api/v1/nodes/batch-taints").json(&body);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    // Ten clients each add their own taint to the same node at the same time:
    // every read-modify-write but one per round meets a newer resourceVersion.
    let edits = (0..10).map(|i| {
        taints(json!({"cluster_name": "c1", "node_names": ["node-0002"],
                      "add": [{"key": format!("team-{i}"), "value": "x", "effect": "NoSchedule"}]}))
    });
    for result in futures::future::join_all(edits).await {
        assert_eq!(result["results"][0]["ok"], true, "{result}");
    }
    let keys = |node: Node| -> Vec<String> {
        let mut keys: Vec<String> =
            node.spec.and_then(|spec| spec.taints).unwrap_or_default().into_iter().map(|t| t.key).collect();
        keys.sort();
        keys
    };
    let expected: Vec<String> = (0..10).map(|i| format!("team-{i}")).collect();
    assert_eq!(keys(nodes.get("node-0002").await.unwrap()), expected, "no concurrent edit was lost");

    let removed = taints(json!({"cluster_name": "c1", "node_names": ["node-0002", "ghost"],
                                "remove": [{"key": "team-3"}, {"key": "team-4", "effect": "NoExecute"}]}))
    .await;
    assert_eq!(
        (removed["results"][0]["ok"].as_bool(), removed["results"][1]["code"].as_str()),
        (Some(true), Some("not_found"))
    );
    let left = keys(nodes.get("node-0002").await.unwrap());
    assert!(!left.contains(&"team-3".to_owned()) && left.contains(&"team-4".to_owned()), "{left:?}");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_nodes_pods_are_read_from_the_cluster_paged_and_counted_without_finished_ones() {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{ListParams, PatchParams, PostParams};

    let sim = Simulator::start(quiet(3)).await.unwrap();
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "demo");
    let finished: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "job-done"},
        "spec": {"nodeName": "node-0002", "containers": [{"name": "main", "image": "busybox"}]},
    }))
    .unwrap();
    pods.create(&PostParams::default(), &finished).await.unwrap();
    let succeeded = json!({"status": {"phase": "Succeeded"}});
    pods.patch_status("job-done", &PatchParams::default(), &kube::api::Patch::Merge(&succeeded)).await.unwrap();
    let on_node = |node: &str| ListParams::default().fields(&format!("spec.nodeName={node}"));
    let everything: Api<Pod> = Api::all(client(&sim).await);
    let expected: Vec<String> = everything
        .list(&on_node("node-0002"))
        .await
        .unwrap()
        .items
        .iter()
        .map(|pod| pod.metadata.name.clone().unwrap())
        .collect();
    assert!(expected.len() >= 3, "{expected:?}");
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;

    let mut listed = Vec::new();
    let mut path = "/api/v1/nodes/c1/node-0002/pods?limit=2".to_owned();
    loop {
        let page = nodecast.json(&path, 200).await;
        assert!(page["items"].as_array().unwrap().len() <= 2);
        listed.extend(page["items"].as_array().unwrap().iter().map(|pod| pod["name"].as_str().unwrap().to_owned()));
        match page["continue"].as_str() {
            Some(token) => path = format!("/api/v1/nodes/c1/node-0002/pods?limit=2&continue={token}"),
            None => break,
        }
    }
    assert_eq!(listed, expected, "every pod once, in the API server's order");
    let done = nodecast.json("/api/v1/nodes/c1/node-0002/pods", 200).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pod| pod["name"] == "job-done")
        .cloned()
        .unwrap();
    assert_eq!((done["phase"].as_str(), done["containers"].as_u64()), (Some("Succeeded"), Some(1)));

    let list = nodecast.json("/api/v1/nodes?include=pod_counts", 200).await;
    let counts = &list["pod_counts"]["counts"];
    for node in ["node-0001", "node-0002", "node-0003"] {
        let unfinished = everything
            .list(&on_node(node))
            .await
            .unwrap()
            .items
            .iter()
            .filter(|pod| !matches!(pod.status.as_ref().and_then(|s| s.phase.as_deref()), Some("Succeeded" | "Failed")))
            .count();
        assert_eq!(counts[node].as_u64(), Some(unfinished as u64), "{node}: {counts}");
    }
    assert_eq!(counts["node-0002"].as_u64(), Some(expected.len() as u64 - 1), "the finished pod is not counted");
    let one = nodecast.json("/api/v1/nodes/c1/node-0002?include=pod_counts", 200).await;
    assert_eq!(one["pod_counts"]["counts"], json!({"node-0002": expected.len() - 1}));
    assert_eq!(
        one["pod_counts"]["counted_at"], list["pod_counts"]["counted_at"],
        "counts are served again while fresh"
    );
    assert!(nodecast.json("/api/v1/nodes", 200).await.get("pod_counts").is_none(), "counts are opt-in");

    nodecast.json("/api/v1/nodes?include=everything", 400).await;
    nodecast.json("/api/v1/nodes/c1/node-0002/pods?limit=0", 400).await;
    nodecast.json("/api/v1/nodes/c1/ghost/pods", 404).await;
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn one_nodes_labels_and_taints_are_edited_as_a_batch_edits_them() {
    let sim = Simulator::start(quiet(2)).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let labelled = nodecast.post("/api/v1/nodes/c1/node-0002/labels").json(&json!({"set": {"team": "db"}}));
    let labelled: Value = labelled.send().await.unwrap().json().await.unwrap();
    assert_eq!((labelled["node"].as_str(), labelled["ok"].as_bool()), (Some("node-0002"), Some(true)), "{labelled}");
    assert_eq!(nodes.get("node-0002").await.unwrap().metadata.labels.unwrap()["team"], "db");

    let taint = json!({"add": [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]});
    let tainted = nodecast.post("/api/v1/nodes/c1/node-0002/taints").json(&taint).send().await.unwrap();
    assert_eq!(tainted.status().as_u16(), 200);
    let taints = nodes.get("node-0002").await.unwrap().spec.unwrap().taints.unwrap();
    assert!(taints.iter().any(|t| t.key == "dedicated" && t.value.as_deref() == Some("db")), "{taints:?}");

    let bad = nodecast.post("/api/v1/nodes/c1/node-0002/labels").json(&json!({"set": {"bad key": "x"}}));
    let bad = bad.send().await.unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    assert!(bad.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("bad key"));
    let missing = nodecast.post("/api/v1/nodes/c1/node-9999/taints").json(&taint).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404, "one node's failure is the request's error");
    nodecast.shutdown().await;
    sim.shutdown().await;
}
