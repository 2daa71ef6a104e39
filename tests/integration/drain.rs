//! Drains end to end: nodecast's operations against the simulator, with
//! disruption budgets and pods made with the real kubectl, followed on the
//! WebSocket, and the result checked with kubectl.

use std::time::Duration;

use nodecast::sim::{self, Resource, Simulator};
use serde_json::{Value, json};

use crate::sim_kubectl::Kubectl;
use crate::support::{Nodecast, Socket, eventually, next, quiet};

/// A simulator with no pods of its own, kubectl, and nodecast watching it as `c1`.
async fn cluster(nodes: u32) -> (Simulator, Kubectl, Nodecast) {
    let sim = Simulator::start(sim::Config { pods_per_node: 0, ..quiet(nodes) }).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    (sim, kubectl, nodecast)
}

/// `kubectl run NAME` in `demo` on `node`, labelled `app=db`; it declares no controller.
async fn run_db(kubectl: &Kubectl, name: &str, node: &str) {
    let overrides = format!(r#"{{"spec":{{"nodeName":"{node}"}}}}"#);
    kubectl.run(&["run", name, "--image=busybox", "-l", "app=db", "-n", "demo", "--overrides", &overrides]).await;
}

/// Creates with kubectl a pod on `node` controlled by a `kind` (ReplicaSet, DaemonSet).
async fn create_owned(kubectl: &Kubectl, name: &str, node: &str, kind: &str) {
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "demo", "ownerReferences": [{
            "apiVersion": "apps/v1", "kind": kind, "name": format!("{name}-owner"),
            "uid": "5e0b7c1a-0000-4000-8000-000000000001", "controller": true,
        }]},
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": "busybox"}]},
    });
    let file = kubectl.file(&format!("{name}.json"), &pod);
    kubectl.run(&["create", "-f", &file, "--validate=false"]).await;
}

async fn start_drain(nodecast: &Nodecast, node: &str, options: Value) -> (String, Value) {
    let response = nodecast.post(&format!("/api/v1/nodes/c1/{node}/drain?reason=maintenance")).json(&options);
    let response = response.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    (location, response.json().await.unwrap())
}

/// The operation at `location` once it has finished.
async fn finished(nodecast: &Nodecast, location: &str) -> Value {
    eventually("the operation finishes", || async {
        let operation: Value = nodecast.get(location).send().await.unwrap().json().await.unwrap();
        (operation["state"] != "running").then_some(operation)
    })
    .await
}

/// The next `operation` message on `socket` that `wanted` accepts.
async fn operation_message(socket: &mut Socket, wanted: impl Fn(&Value) -> bool) -> Value {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let message = next(socket).await;
            if message["type"] == "operation" && wanted(&message["data"]) {
                return message["data"].clone();
            }
        }
    })
    .await
    .expect("the operation message arrives")
}

async fn pods_on(kubectl: &Kubectl, node: &str) -> Vec<String> {
    let selector = format!("spec.nodeName={node}");
    let listed = kubectl.run(&["get", "pods", "-A", "--no-headers", "--field-selector", &selector]).await;
    listed.lines().map(|line| line.split_whitespace().nth(1).unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_waits_for_a_budget_made_with_kubectl_then_finishes_and_is_followed_live() {
    let (sim, kubectl, nodecast) = cluster(4).await;
    run_db(&kubectl, "db-0", "node-0002").await;
    run_db(&kubectl, "db-1", "node-0003").await;
    kubectl.run(&["create", "pdb", "db", "--selector=app=db", "--min-available=2", "-n", "demo"]).await;
    eventually("both pods run and the budget counts them", || async {
        let budget = sim.store().get(Resource::PodDisruptionBudgets, "demo/db")?;
        (budget["status"]["currentHealthy"] == 2).then_some(())
    })
    .await;
    let url = format!("{}/api/v1/ws/nodes?cluster=c1", nodecast.url.replace("http", "ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    while next(&mut socket).await["type"] != "subscribed" {}

    let (location, started) = start_drain(&nodecast, "node-0002", json!({"force": true})).await;
    assert_eq!(location, format!("/api/v1/operations/{}", started["id"].as_str().unwrap()));
    assert_eq!((started["state"].as_str(), started["kind"].as_str()), (Some("running"), Some("drain")));
    let blocked =
        operation_message(&mut socket, |operation| operation["nodes"][0]["pods"][0]["state"] == "blocked").await;
    let why = blocked["nodes"][0]["pods"][0]["message"].as_str().unwrap();
    assert!(why.contains("The disruption budget db needs 2 healthy pods and has 2 currently"), "{why}");
    assert!(sim.store().get(Resource::Pods, "demo/db-0").is_some(), "the budget keeps the pod");

    // A third replica elsewhere lets the budget spare one.
    run_db(&kubectl, "db-2", "node-0004").await;
    let done = operation_message(&mut socket, |operation| operation["state"] != "running").await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let operation = finished(&nodecast, &location).await;
    assert_eq!(operation["nodes"][0]["state"], "drained");
    let pod = &operation["nodes"][0]["pods"][0];
    assert_eq!((pod["name"].as_str(), pod["state"].as_str()), (Some("db-0"), Some("gone")));
    assert!(pod["attempts"].as_u64().unwrap() >= 2, "asked again after the refusal: {pod}");

    assert!(kubectl.run(&["get", "node", "node-0002"]).await.contains("Ready,SchedulingDisabled"));
    assert!(pods_on(&kubectl, "node-0002").await.is_empty(), "no pod is left on the drained node");
    let node = sim.store().get(Resource::Nodes, "node-0002").unwrap();
    assert_eq!(node["metadata"]["annotations"]["nodecast.io/cordon-reason"], "maintenance");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemonset_pods_stop_a_drain_unless_ignored_and_then_stay() {
    let (sim, kubectl, nodecast) = cluster(3).await;
    create_owned(&kubectl, "agent", "node-0002", "DaemonSet").await;
    create_owned(&kubectl, "web", "node-0002", "ReplicaSet").await;

    let (location, _) = start_drain(&nodecast, "node-0002", json!({})).await;
    let refused = finished(&nodecast, &location).await;
    assert_eq!(refused["state"], "failed", "{refused}");
    assert_eq!(
        refused["nodes"][0]["message"],
        "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): demo/agent"
    );
    let mut left = pods_on(&kubectl, "node-0002").await;
    left.sort();
    assert_eq!(left, ["agent", "web"], "nothing is evicted while any pod cannot be");

    let (location, _) = start_drain(&nodecast, "node-0002", json!({"ignore_daemonsets": true})).await;
    let drained = finished(&nodecast, &location).await;
    assert_eq!(drained["state"], "succeeded", "{drained}");
    let states: Vec<(&str, &str)> = drained["nodes"][0]["pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pod| (pod["name"].as_str().unwrap(), pod["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [("agent", "skipped"), ("web", "gone")]);
    assert_eq!(pods_on(&kubectl, "node-0002").await, ["agent"], "the DaemonSet's pod stays");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_drain_stops_evicting_keeps_the_cordon_and_says_so() {
    let (sim, kubectl, nodecast) = cluster(3).await;
    run_db(&kubectl, "db-0", "node-0002").await;
    kubectl.run(&["create", "pdb", "db", "--selector=app=db", "--min-available=1", "-n", "demo"]).await;
    let (location, started) = start_drain(&nodecast, "node-0002", json!({"force": true})).await;
    let id = started["id"].as_str().unwrap().to_owned();
    eventually("the budget blocks the eviction", || async {
        let operation: Value = nodecast.get(&location).send().await.unwrap().json().await.unwrap();
        (operation["nodes"][0]["pods"][0]["state"] == "blocked").then_some(())
    })
    .await;

    let again = nodecast.post("/api/v1/nodes/c1/node-0002/drain").json(&json!({})).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 409);
    let again: Value = again.json().await.unwrap();
    assert!(again["message"].as_str().unwrap().contains(&id), "{again}");

    let cancelled = nodecast.delete(&location).send().await.unwrap();
    assert_eq!(cancelled.status().as_u16(), 200);
    let cancelled: Value = cancelled.json().await.unwrap();
    assert_eq!(
        (cancelled["state"].as_str(), cancelled["cancelled_by"].as_str()),
        (Some("cancelled"), Some("anonymous"))
    );
    assert!(cancelled["message"].as_str().unwrap().contains("stay cordoned"), "{cancelled}");
    assert_eq!(cancelled["nodes"][0]["state"], "cancelled");
    assert_eq!(nodecast.delete(&location).send().await.unwrap().status().as_u16(), 409, "it has finished");

    assert!(kubectl.run(&["get", "node", "node-0002"]).await.contains("Ready,SchedulingDisabled"));
    assert_eq!(pods_on(&kubectl, "node-0002").await, ["db-0"], "no eviction after the cancel");
    let listed: Value = nodecast.get("/api/v1/operations").send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["operations"][0]["id"], id.as_str());
    let unknown = nodecast.get("/api/v1/operations/nope").send().await.unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_drain_checks_every_eviction_and_changes_nothing() {
    let (sim, kubectl, nodecast) = cluster(3).await;
    run_db(&kubectl, "db-0", "node-0002").await;
    run_db(&kubectl, "db-1", "node-0002").await;
    eventually("the pods run", || async {
        let pod = sim.store().get(Resource::Pods, "demo/db-1")?;
        (pod["status"]["phase"] == "Running").then_some(())
    })
    .await;
    let version = sim.store().resource_version();
    let (location, _) = start_drain(&nodecast, "node-0002", json!({"force": true, "dry_run": true})).await;
    let operation = finished(&nodecast, &location).await;
    assert_eq!(operation["state"], "succeeded", "{operation}");
    let pods = operation["nodes"][0]["pods"].as_array().unwrap();
    assert!(pods.iter().all(|pod| pod["state"] == "would_evict"), "{pods:?}");
    assert_eq!(sim.store().resource_version(), version, "the simulator stored nothing");
    assert!(!kubectl.run(&["get", "node", "node-0002"]).await.contains("SchedulingDisabled"));
    assert_eq!(pods_on(&kubectl, "node-0002").await.len(), 2);
    nodecast.shutdown().await;
    sim.shutdown().await;
}
