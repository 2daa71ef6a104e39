//! The simulator's Kubernetes semantics through kube-rs and plain HTTP: status
//! subresources, graceful deletion, disruption budgets as API objects, leases,
//! validation, bookmarks and the list rules, and what objects look like once created.

use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{Api, DeleteParams, EvictParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use nodecast::sim::{self, Resource, Simulator, Write};
use serde_json::{Value, json};

use crate::support::{client, eventually, quiet, status};

/// GET (or another method) on the simulator, answered as (status code, JSON body).
async fn raw(sim: &Simulator, method: reqwest::Method, path: impl AsRef<str>, body: Option<Value>) -> (u16, Value) {
    let path = path.as_ref();
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", sim.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let code = response.status().as_u16();
    (code, response.json().await.unwrap_or(Value::Null))
}

fn pod_on(name: &str, node: &str, app: &str) -> Pod {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": "busybox"}]},
    }))
    .unwrap()
}

#[tokio::test]
async fn writes_to_a_node_keep_its_status_and_writes_to_its_status_keep_its_spec() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let main = json!({"spec": {"unschedulable": true}, "status": {"conditions": []}});
    let patched = nodes.patch("node-0002", &PatchParams::default(), &Patch::Merge(&main)).await.unwrap();
    assert_eq!(patched.spec.unwrap().unschedulable, Some(true));
    assert_eq!(patched.status.unwrap().conditions.unwrap().len(), 5, "status is ignored on the main resource");

    let ready_false = json!({"spec": {"unschedulable": false}, "status": {"conditions": [
        {"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "simulated"}]}});
    let patched =
        nodes.patch_status("node-0002", &PatchParams::default(), &Patch::Strategic(&ready_false)).await.unwrap();
    assert_eq!(patched.spec.unwrap().unschedulable, Some(true), "spec is ignored on /status");
    let conditions = patched.status.unwrap().conditions.unwrap();
    assert_eq!(conditions.len(), 5, "conditions merge by type");
    assert!(conditions.iter().any(|c| c.type_ == "Ready" && c.status == "False"));

    let fetched = nodes.get_status("node-0002").await.unwrap();
    assert_eq!(fetched.metadata.resource_version, nodes.get("node-0002").await.unwrap().metadata.resource_version);
    let mut replaced = fetched.clone();
    replaced.status.as_mut().unwrap().conditions = Some(Vec::new());
    replaced.spec.as_mut().unwrap().unschedulable = None;
    let replaced = nodes.replace_status("node-0002", &PostParams::default(), &replaced).await.unwrap();
    assert_eq!(replaced.status.unwrap().conditions.unwrap_or_default().len(), 0);
    assert_eq!(replaced.spec.unwrap().unschedulable, Some(true));
    sim.shutdown().await;
}

#[tokio::test]
async fn pod_status_is_written_only_through_its_subresource() {
    let sim = Simulator::start(quiet(2)).await.unwrap();
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "demo");
    let created = pods.create(&PostParams::default(), &pod_on("lonely", "", "solo")).await.unwrap();
    assert_eq!(created.status.as_ref().unwrap().phase.as_deref(), Some("Pending"));
    let labelled = json!({"metadata": {"labels": {"tier": "x"}}, "status": {"phase": "Running"}});
    let patched = pods.patch("lonely", &PatchParams::default(), &Patch::Merge(&labelled)).await.unwrap();
    assert_eq!(patched.status.unwrap().phase.as_deref(), Some("Pending"));
    let running = json!({"status": {"phase": "Failed"}, "spec": {"activeDeadlineSeconds": 5}});
    let patched = pods.patch_status("lonely", &PatchParams::default(), &Patch::Merge(&running)).await.unwrap();
    assert_eq!(patched.status.unwrap().phase.as_deref(), Some("Failed"));
    assert_eq!(patched.spec.unwrap().active_deadline_seconds, None);
    sim.shutdown().await;
}

#[tokio::test]
async fn kubelets_run_the_pods_bound_to_their_nodes_and_leave_others_pending() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let client = client(&sim).await;
    let nodes: Api<Node> = Api::all(client.clone());
    let orphan_node: Node =
        serde_json::from_value(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "bare-metal-1"}}))
            .unwrap();
    nodes.create(&PostParams::default(), &orphan_node).await.unwrap();
    let pods: Api<Pod> = Api::namespaced(client, "demo");
    for (name, node) in [("runs", "node-0002"), ("unscheduled", ""), ("no-kubelet", "bare-metal-1")] {
        let created = pods.create(&PostParams::default(), &pod_on(name, node, "web")).await.unwrap();
        assert_eq!(created.status.unwrap().phase.as_deref(), Some("Pending"), "{name} starts Pending");
    }
    let running = eventually("the kubelet runs its pod", || async {
        let pod = pods.get("runs").await.unwrap();
        (pod.status.as_ref()?.phase.as_deref() == Some("Running")).then_some(pod)
    })
    .await;
    let status = running.status.unwrap();
    assert!(status.conditions.unwrap().iter().any(|c| c.type_ == "Ready" && c.status == "True"));
    assert!(status.pod_ip.is_some() && status.host_ip.is_some());
    assert!(status.container_statuses.unwrap()[0].ready);
    for name in ["unscheduled", "no-kubelet"] {
        assert_eq!(pods.get(name).await.unwrap().status.unwrap().phase.as_deref(), Some("Pending"), "{name}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn deleting_a_pod_terminates_it_gracefully_until_its_kubelet_is_done() {
    let sim = Simulator::start(sim::Config { pod_termination_secs: 1.0, ..quiet(3) }).await.unwrap();
    let client = client(&sim).await;
    let nodes: Api<Node> = Api::all(client.clone());
    let bare: Node =
        serde_json::from_value(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "bare"}})).unwrap();
    nodes.create(&PostParams::default(), &bare).await.unwrap();
    let pods: Api<Pod> = Api::namespaced(client, "demo");
    let mut graceful = pod_on("graceful", "node-0002", "web");
    graceful.spec.as_mut().unwrap().termination_grace_period_seconds = Some(45);
    pods.create(&PostParams::default(), &graceful).await.unwrap();
    pods.create(&PostParams::default(), &pod_on("stuck", "bare", "web")).await.unwrap();
    pods.create(&PostParams::default(), &pod_on("unbound", "", "web")).await.unwrap();

    let deleted = pods.delete("graceful", &DeleteParams::default()).await.unwrap().left().expect("the pod itself");
    assert_eq!(deleted.metadata.deletion_grace_period_seconds, Some(45));
    assert!(deleted.metadata.deletion_timestamp.is_some());
    assert!(pods.get("graceful").await.is_ok(), "still there while its kubelet stops it");
    eventually("the kubelet finishes the pod", || async { pods.get("graceful").await.is_err().then_some(()) }).await;

    pods.delete("stuck", &DeleteParams::default()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stuck = pods.get("stuck").await.unwrap();
    assert_eq!(stuck.metadata.deletion_grace_period_seconds, Some(30), "the default grace period");
    pods.delete("stuck", &DeleteParams { grace_period_seconds: Some(0), ..DeleteParams::default() }).await.unwrap();
    assert_eq!(status(pods.get("stuck").await), (404, "NotFound".into()), "force deletion removes it at once");

    // kube-apiserver deletes a pod no node runs at once, grace period or not.
    pods.delete("unbound", &DeleteParams::default()).await.unwrap();
    assert_eq!(status(pods.get("unbound").await), (404, "NotFound".into()));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_pod_without_a_kubelet_delay_goes_as_soon_as_its_kubelet_sees_it() {
    let sim = Simulator::start(sim::Config { pod_termination_secs: 0.0, ..quiet(3) }).await.unwrap();
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "demo");
    pods.create(&PostParams::default(), &pod_on("quick", "node-0003", "web")).await.unwrap();
    eventually("running", || async { (pods.get("quick").await.ok()?.status?.phase? == "Running").then_some(()) }).await;
    pods.delete("quick", &DeleteParams::default()).await.unwrap();
    eventually("gone", || async { pods.get("quick").await.is_err().then_some(()) }).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn deleting_a_node_answers_a_success_status_naming_it() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let uid = sim.store().get(Resource::Nodes, "node-0003").unwrap()["metadata"]["uid"].clone();
    let (code, body) = raw(&sim, reqwest::Method::DELETE, "/api/v1/nodes/node-0003", None).await;
    assert_eq!(code, 200);
    assert_eq!(
        body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
               "details": {"name": "node-0003", "kind": "nodes", "uid": uid}})
    );
    assert!(sim.store().get(Resource::Nodes, "node-0003").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn the_pod_garbage_collector_removes_the_pods_of_a_deleted_node_and_no_others() {
    let sim = Simulator::start(sim::Config { pods_per_node: 0, ..quiet(4) }).await.unwrap();
    let client = client(&sim).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    for (name, node) in [("orphan-a", "node-0004"), ("orphan-b", "node-0004"), ("elsewhere", "node-0003")] {
        pods.create(&PostParams::default(), &pod_on(name, node, "web")).await.unwrap();
    }
    Api::<Node>::all(client).delete("node-0004", &DeleteParams::default()).await.unwrap();
    eventually("orphans collected", || async {
        let names: Vec<String> = pods
            .list(&ListParams::default())
            .await
            .ok()?
            .items
            .into_iter()
            .filter_map(|pod| pod.metadata.name)
            .collect();
        (names == ["elsewhere"]).then_some(())
    })
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn budgets_created_through_the_api_track_their_pods_and_bound_evictions() {
    let sim = Simulator::start(sim::Config { pods_per_node: 0, ..quiet(4) }).await.unwrap();
    let client = client(&sim).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "demo");
    for (index, node) in ["node-0002", "node-0003", "node-0004"].iter().enumerate() {
        pods.create(&PostParams::default(), &pod_on(&format!("db-{index}"), node, "db")).await.unwrap();
    }
    let budgets: Api<PodDisruptionBudget> = Api::namespaced(client, "demo");
    let budget: PodDisruptionBudget = serde_json::from_value(json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "db"},
        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "db"}}}}))
    .unwrap();
    budgets.create(&PostParams::default(), &budget).await.unwrap();
    let counts = |budget: &PodDisruptionBudget| {
        let status = budget.status.as_ref().unwrap();
        (status.current_healthy, status.desired_healthy, status.disruptions_allowed, status.expected_pods)
    };
    let settled = eventually("the controller counts the running pods", || async {
        let budget = budgets.get("db").await.unwrap();
        (counts(&budget) == (3, 2, 1, 3)).then_some(budget)
    })
    .await;
    assert_eq!(settled.status.unwrap().observed_generation, Some(1));

    pods.evict("db-0", &EvictParams::default()).await.unwrap();
    let refused = pods.evict("db-1", &EvictParams::default()).await.unwrap_err();
    let kube::Error::Api(refused) = refused else { panic!("a Status") };
    assert_eq!((refused.code, refused.reason.as_str()), (429, "TooManyRequests"));
    assert_eq!(refused.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    let raw_refusal = raw(
        &sim,
        reqwest::Method::POST,
        "/api/v1/namespaces/demo/pods/db-1/eviction",
        Some(json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "db-1"}})),
    )
    .await;
    assert_eq!(
        raw_refusal.1["details"]["causes"],
        json!([{"reason": "DisruptionBudget", "message": "The disruption budget db needs 2 healthy pods and has 2 currently"}])
    );
    eventually("the status follows the eviction", || async {
        (counts(&budgets.get("db").await.unwrap()) == (2, 2, 0, 2)).then_some(())
    })
    .await;

    let loosen = json!({"spec": {"minAvailable": 1}});
    let loosened = budgets.patch("db", &PatchParams::default(), &Patch::Merge(&loosen)).await.unwrap();
    assert_eq!(loosened.metadata.generation, Some(2), "a spec change is a new generation");
    eventually("the looser budget allows one more", || async {
        (counts(&budgets.get("db").await.unwrap()) == (2, 1, 1, 2)).then_some(())
    })
    .await;
    pods.evict("db-1", &EvictParams::default()).await.unwrap();
    sim.shutdown().await;
}

#[tokio::test]
async fn dry_runs_decide_as_the_write_would_and_keep_nothing() {
    let sim = Simulator::start(sim::Config { pods_per_node: 0, ..quiet(3) }).await.unwrap();
    let client = client(&sim).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "demo");
    for (index, node) in ["node-0002", "node-0003"].iter().enumerate() {
        pods.create(&PostParams::default(), &pod_on(&format!("db-{index}"), node, "db")).await.unwrap();
    }
    let budgets: Api<PodDisruptionBudget> = Api::namespaced(client.clone(), "demo");
    let budget: PodDisruptionBudget = serde_json::from_value(json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "db"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "db"}}}}))
    .unwrap();
    budgets.create(&PostParams::default(), &budget).await.unwrap();
    eventually("both pods run and the budget allows one disruption", || async {
        let allowed = budgets.get("db").await.unwrap().status.map(|status| status.disruptions_allowed);
        (allowed == Some(1)).then_some(())
    })
    .await;
    let version = sim.store().resource_version();

    let dry = EvictParams { delete_options: None, post_options: PostParams { dry_run: true, ..Default::default() } };
    for _ in 0..2 {
        pods.evict("db-0", &dry).await.expect("the budget allows it, every time, since nothing is spent");
    }
    let nodes: Api<Node> = Api::all(client);
    let cordon = json!({"spec": {"unschedulable": true}});
    let dry_patch = PatchParams { dry_run: true, ..Default::default() };
    let answered = nodes.patch("node-0002", &dry_patch, &Patch::Merge(&cordon)).await.unwrap();
    assert_eq!(answered.spec.unwrap().unschedulable, Some(true));
    let force = DeleteParams { dry_run: true, grace_period_seconds: Some(0), ..Default::default() };
    assert!(pods.delete("db-1", &force).await.unwrap().is_left(), "a dry-run delete answers with the pod");
    assert_eq!(sim.store().resource_version(), version, "nothing was written");
    assert!(pods.get("db-0").await.unwrap().metadata.deletion_timestamp.is_none());

    let (code, body) = raw(
        &sim,
        reqwest::Method::POST,
        "/api/v1/namespaces?dryRun=Some",
        Some(json!({
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ghost"}})),
    )
    .await;
    assert_eq!((code, body["reason"].as_str()), (422, Some("Invalid")));
    assert_eq!(
        body["message"],
        "CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"Some\"}: supported values: \"All\""
    );
    assert!(sim.store().get(Resource::Namespaces, "ghost").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn invalid_objects_are_refused_with_their_causes_and_nothing_is_stored() {
    let sim = Simulator::start(quiet(2)).await.unwrap();
    let before = sim.store().resource_version();
    let (code, body) = raw(
        &sim,
        reqwest::Method::POST,
        "/api/v1/nodes",
        Some(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "Node_1"}})),
    )
    .await;
    assert_eq!((code, body["reason"].as_str()), (422, Some("Invalid")));
    assert_eq!(body["details"]["causes"][0]["field"], "metadata.name");
    assert_eq!(body["details"]["causes"][0]["reason"], "FieldValueInvalid");
    assert!(body["message"].as_str().unwrap().starts_with(
        "Node \"Node_1\" is invalid: metadata.name: Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain"
    ));

    let (code, body) = raw(
        &sim,
        reqwest::Method::POST,
        "/api/v1/namespaces/demo/pods",
        Some(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}})),
    )
    .await;
    assert_eq!(code, 422);
    assert_eq!(
        body["details"]["causes"],
        json!([{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers"}])
    );

    let (code, body) = raw(
        &sim,
        reqwest::Method::POST,
        "/api/v1/namespaces",
        Some(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {}})),
    )
    .await;
    assert_eq!(code, 422);
    assert_eq!(body["details"]["causes"][0]["message"], "Required value: name or generateName is required");
    assert_eq!(sim.store().resource_version(), before, "nothing was stored");
    sim.shutdown().await;
}

#[tokio::test]
async fn created_namespaces_are_active_and_generated_names_are_filled_in() {
    let sim = Simulator::start(quiet(1)).await.unwrap();
    let namespaces: Api<Namespace> = Api::all(client(&sim).await);
    let created: Namespace = namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"generateName": "team-"}})).unwrap(),
        )
        .await
        .unwrap();
    let name = created.metadata.name.unwrap();
    assert!(name.starts_with("team-") && name.len() == 10, "{name}");
    assert_eq!(created.status.unwrap().phase.as_deref(), Some("Active"));
    assert_eq!(created.metadata.labels.unwrap()["kubernetes.io/metadata.name"], name);
    sim.shutdown().await;
}

#[tokio::test]
async fn lease_style_kubelets_renew_leases_that_are_a_full_resource() {
    let config = sim::Config {
        heartbeat_style: sim::HeartbeatStyle::Lease,
        heartbeat_secs: 0.5,
        node_status_report_secs: 3600.0,
        ..quiet(3)
    };
    let sim = Simulator::start(config).await.unwrap();
    let client = client(&sim).await;
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-node-lease");
    let listed = leases.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items.len(), 3);
    let first = leases.get("node-0002").await.unwrap();
    assert_eq!(first.spec.as_ref().unwrap().holder_identity.as_deref(), Some("node-0002"));
    assert_eq!(first.spec.as_ref().unwrap().lease_duration_seconds, Some(40));

    let version = listed.metadata.resource_version.unwrap();
    let mut watch = leases.watch(&WatchParams::default().timeout(10), &version).await.unwrap().boxed();
    let renewed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(Ok(WatchEvent::Modified(lease))) = watch.next().await {
                break lease;
            }
        }
    })
    .await
    .expect("a renewal within the period");
    assert_ne!(renewed.spec.unwrap().renew_time, None);
    let nodes: Api<Node> = Api::all(client);
    let heartbeat =
        |node: &Node| node.status.as_ref().unwrap().conditions.as_ref().unwrap()[3].last_heartbeat_time.clone();
    let before = heartbeat(&nodes.get("node-0002").await.unwrap());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(heartbeat(&nodes.get("node-0002").await.unwrap()), before, "no status report before it is due");

    let created: Lease =
        serde_json::from_value(json!({"metadata": {"name": "my-lock"}, "spec": {"holderIdentity": "me"}})).unwrap();
    leases.create(&PostParams::default(), &created).await.unwrap();
    let (code, body) = raw(
        &sim,
        reqwest::Method::DELETE,
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/my-lock",
        None,
    )
    .await;
    assert_eq!((code, body["details"]["group"].as_str()), (200, Some("coordination.k8s.io")));
    sim.shutdown().await;
}

#[tokio::test]
async fn status_style_heartbeats_are_strategic_merge_patches_of_conditions() {
    let sim = Simulator::start(sim::Config { heartbeat_secs: 0.3, ..quiet(2) }).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let before = nodes.get("node-0002").await.unwrap();
    let after = eventually("a heartbeat", || async {
        let node = nodes.get("node-0002").await.unwrap();
        (node.metadata.resource_version != before.metadata.resource_version).then_some(node)
    })
    .await;
    let (mut before, mut after) = (serde_json::to_value(before).unwrap(), serde_json::to_value(after).unwrap());
    for node in [&mut before, &mut after] {
        node["metadata"]["resourceVersion"] = json!(null);
        for condition in node["status"]["conditions"].as_array_mut().unwrap() {
            condition["lastHeartbeatTime"] = json!(null);
        }
    }
    assert_eq!(before, after, "only heartbeat times changed");
    let (_, leases) = sim.store().list(Resource::Leases);
    assert!(leases.is_empty(), "old-style kubelets keep no lease");
    sim.shutdown().await;
}

#[tokio::test]
async fn bookmarks_arrive_before_the_timeout_and_the_timeout_ends_the_watch() {
    // Periodic bookmarks are a minute apart: the one seen here is the pre-timeout bookmark.
    let sim = Simulator::start(sim::Config { bookmark_secs: 60.0, ..quiet(3) }).await.unwrap();
    let pods: Api<Pod> = Api::all(client(&sim).await);
    let version = pods.list(&ListParams::default()).await.unwrap().metadata.resource_version.unwrap();
    let started = Instant::now();
    let mut stream = pods.watch(&WatchParams::default().timeout(4), &version).await.unwrap().boxed();
    let mut bookmarks = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("the stream ends")
    {
        if let WatchEvent::Bookmark(bookmark) = event.unwrap() {
            bookmarks.push((started.elapsed(), bookmark.metadata.resource_version));
        }
    }
    let ended = started.elapsed();
    assert_eq!(bookmarks.len(), 1, "{bookmarks:?}");
    assert!(bookmarks[0].0 >= Duration::from_millis(1500), "{bookmarks:?}");
    assert!(ended >= Duration::from_secs(4) && bookmarks[0].0 < ended, "ended after {ended:?}");
    assert!(bookmarks[0].1.parse::<u64>().unwrap() >= version.parse().unwrap());

    let response =
        reqwest::get(format!("{}/api/v1/nodes?watch=1&allowWatchBookmarks=true&timeoutSeconds=3", sim.url()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    let bookmark: Value = response
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|event| event["type"] == "BOOKMARK")
        .expect("a bookmark");
    assert_eq!(bookmark["object"]["kind"], "Node");
    assert_eq!(bookmark["object"]["metadata"].as_object().unwrap().keys().collect::<Vec<_>>(), ["resourceVersion"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn lists_follow_the_resource_version_rules() {
    let sim = Simulator::start(quiet(12)).await.unwrap();
    let get = |path: String| raw(&sim, reqwest::Method::GET, path, None);
    let (_, page) = get("/api/v1/nodes?limit=5".to_owned()).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    assert_eq!(page["metadata"]["remainingItemCount"], 7);
    let (_, selected) = get("/api/v1/nodes?limit=5&labelSelector=kubernetes.io%2Fos%3Dlinux".to_owned()).await;
    assert!(selected["metadata"]["continue"].is_string());
    assert!(selected["metadata"].get("remainingItemCount".to_owned()).is_none(), "unknown under a selector");

    let (_, cached) = get("/api/v1/nodes?limit=5&resourceVersion=0".to_owned()).await;
    assert_eq!(cached["items"].as_array().unwrap().len(), 12, "the watch cache ignores limit");
    assert!(cached["metadata"].get("continue".to_owned()).is_none());

    let old: u64 = page["metadata"]["resourceVersion"].as_str().unwrap().parse().unwrap();
    sim.store().delete(Resource::Nodes, "node-0012", None, Write::Commit).unwrap();
    let (_, exact) = get(format!("/api/v1/nodes?resourceVersion={old}&resourceVersionMatch=Exact")).await;
    assert_eq!(exact["items"].as_array().unwrap().len(), 12, "as it was at that version");
    assert_eq!(exact["metadata"]["resourceVersion"], old.to_string());
    let (_, legacy) = get(format!("/api/v1/nodes?resourceVersion={old}&limit=20")).await;
    assert_eq!(legacy["items"].as_array().unwrap().len(), 12, "a version with a limit is exact");
    let (_, not_older) = get(format!("/api/v1/nodes?resourceVersion={old}&resourceVersionMatch=NotOlderThan")).await;
    assert_eq!(not_older["items"].as_array().unwrap().len(), 11);

    for (query, code, message) in [
        ("resourceVersionMatch=Exact", 422, "resourceVersionMatch is forbidden unless resourceVersion is provided"),
        (
            "resourceVersion=0&resourceVersionMatch=Exact",
            422,
            "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
        ),
        ("resourceVersion=5&resourceVersionMatch=Latest", 422, "Unsupported value: \"Latest\""),
        ("resourceVersion=999999&resourceVersionMatch=NotOlderThan", 504, "Too large resource version: 999999"),
    ] {
        let (got, body) = get(format!("/api/v1/nodes?{query}")).await;
        assert_eq!(got, code, "{query}");
        assert!(body["message"].as_str().unwrap().contains(message), "{query}: {body}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn deletecollection_removes_what_the_selector_picks() {
    let sim = Simulator::start(quiet(6)).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let label = json!({"metadata": {"labels": {"retire": "yes"}}});
    for name in ["node-0004", "node-0005"] {
        nodes.patch(name, &PatchParams::default(), &Patch::Merge(&label)).await.unwrap();
    }
    let deleted =
        nodes.delete_collection(&DeleteParams::default(), &ListParams::default().labels("retire=yes")).await.unwrap();
    let names: Vec<String> =
        deleted.left().unwrap().items.into_iter().map(|node| node.metadata.name.unwrap()).collect();
    assert_eq!(names, ["node-0004", "node-0005"]);
    assert_eq!(nodes.list(&ListParams::default()).await.unwrap().items.len(), 4);
    let (code, _) = raw(&sim, reqwest::Method::DELETE, "/api/v1/namespaces", None).await;
    assert_eq!(code, 405, "namespaces are not deleted by collection");
    sim.shutdown().await;
}

#[tokio::test]
async fn discovery_lists_every_resource_with_kube_apiservers_verbs() {
    let sim = Simulator::start(quiet(1)).await.unwrap();
    let (_, core) = raw(&sim, reqwest::Method::GET, "/api/v1", None).await;
    let verbs = |list: &Value, name: &str| {
        list["resources"].as_array().unwrap().iter().find(|r| r["name"] == name).map(|r| r["verbs"].clone())
    };
    let all = json!(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]);
    assert_eq!(verbs(&core, "nodes"), Some(all.clone()));
    assert_eq!(verbs(&core, "pods"), Some(all.clone()));
    assert_eq!(verbs(&core, "nodes/status"), Some(json!(["get", "patch", "update"])));
    assert_eq!(verbs(&core, "pods/status"), Some(json!(["get", "patch", "update"])));
    assert_eq!(verbs(&core, "pods/eviction"), Some(json!(["create"])));
    assert_eq!(
        verbs(&core, "namespaces"),
        Some(json!(["create", "delete", "get", "list", "patch", "update", "watch"]))
    );
    let (_, policy) = raw(&sim, reqwest::Method::GET, "/apis/policy/v1", None).await;
    assert_eq!(verbs(&policy, "poddisruptionbudgets"), Some(all.clone()));
    assert_eq!(verbs(&policy, "poddisruptionbudgets/status"), Some(json!(["get", "patch", "update"])));
    let (_, coordination) = raw(&sim, reqwest::Method::GET, "/apis/coordination.k8s.io/v1", None).await;
    assert_eq!(verbs(&coordination, "leases"), Some(all));
    let (_, groups) = raw(&sim, reqwest::Method::GET, "/apis", None).await;
    let names: Vec<&str> = groups["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"policy") && names.contains(&"coordination.k8s.io"), "{names:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn self_subject_access_reviews_answer_for_the_admin_and_the_viewer() {
    let config =
        sim::Config { token: Some("admin-token".into()), read_only_token: Some("viewer-token".into()), ..quiet(2) };
    let sim = Simulator::start(config).await.unwrap();
    let client_with = |token: &str| {
        let mut config = kube::Config::new(sim.url().parse().unwrap());
        config.auth_info.token = Some(token.to_owned().into());
        kube::Client::try_from(config).unwrap()
    };
    let can_i = |client: kube::Client, attributes: Value| async move {
        let review =
            json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": attributes});
        let request = http::Request::post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&review).unwrap())
            .unwrap();
        let answer: Value = client.request(request).await.unwrap();
        answer["status"]["allowed"].as_bool().unwrap()
    };
    let patch_nodes = json!({"resourceAttributes": {"verb": "patch", "resource": "nodes"}});
    let watch_pods = json!({"resourceAttributes": {"verb": "watch", "resource": "pods", "namespace": "demo"}});
    let evict = json!({"resourceAttributes": {"verb": "create", "resource": "pods", "subresource": "eviction", "namespace": "demo"}});
    let metrics = json!({"nonResourceAttributes": {"verb": "get", "path": "/metrics"}});
    let admin = client_with("admin-token");
    let viewer = client_with("viewer-token");
    for (attributes, admin_may, viewer_may) in
        [(patch_nodes, true, false), (watch_pods, true, true), (evict, true, false), (metrics, true, true)]
    {
        assert_eq!(can_i(admin.clone(), attributes.clone()).await, admin_may, "admin {attributes}");
        assert_eq!(can_i(viewer.clone(), attributes.clone()).await, viewer_may, "viewer {attributes}");
    }
    let rules_review = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": "demo"}});
    let request = http::Request::post("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&rules_review).unwrap())
        .unwrap();
    let rules: Value = viewer.request(request).await.unwrap();
    assert_eq!(
        rules["status"]["resourceRules"][0],
        json!({"verbs": ["get", "list", "watch"], "apiGroups": ["*"], "resources": ["*"]})
    );
    sim.shutdown().await;
}

/// Collects a kube-rs watcher's events until it reports `node-0002` labelled `round=done`.
async fn watch_until_labelled(config: kube::runtime::watcher::Config, nodes: Api<Node>) -> Vec<&'static str> {
    use kube::runtime::watcher;
    let mut stream = watcher(nodes, config).boxed();
    let mut seen = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(20), stream.next()).await.expect("watcher event in time");
        match event.unwrap() {
            Ok(watcher::Event::Init) => seen.push("init"),
            Ok(watcher::Event::InitDone) => seen.push("init-done"),
            Ok(watcher::Event::Apply(node)) => {
                let labels = node.metadata.labels.unwrap_or_default();
                if labels.get("round").map(String::as_str) == Some("done") {
                    seen.push("labelled");
                    return seen;
                }
            }
            Ok(_) => {}
            Err(_) => seen.push("error"),
        }
    }
}

/// A watcher whose selector matches nothing sees no events while other nodes
/// change, so its last version falls out of the history; only the bookmark sent
/// before each timeout lets it resume where it was instead of starting over with a list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kube_watcher_resumes_from_bookmarks_across_timeouts_instead_of_relisting() {
    use kube::runtime::watcher;
    let sim = Simulator::start(sim::Config { history: 40, ..quiet(3) }).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let selective = watcher::Config::default().labels("round=done").timeout(4);
    let with_bookmarks = tokio::spawn(watch_until_labelled(selective.clone(), nodes.clone()));
    let without = tokio::spawn(watch_until_labelled(selective.disable_bookmarks(), nodes.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    for round in 0..100 {
        let tick = json!({"metadata": {"labels": {"round": round.to_string()}}});
        nodes.patch("node-0001", &PatchParams::default(), &Patch::Merge(&tick)).await.unwrap();
    }
    // Past the first watch's timeout (4 s), so both watchers have had to start a new watch.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let done = json!({"metadata": {"labels": {"round": "done"}}});
    nodes.patch("node-0002", &PatchParams::default(), &Patch::Merge(&done)).await.unwrap();
    assert_eq!(with_bookmarks.await.unwrap(), ["init", "init-done", "labelled"], "resumed from the bookmark");
    let relisted = without.await.unwrap();
    assert_eq!(relisted.iter().filter(|event| **event == "init").count(), 2, "without bookmarks: {relisted:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_deleted_namespace_terminates_refuses_new_content_and_goes_once_empty() {
    let sim = Simulator::start(sim::Config { pod_termination_secs: 1.0, ..quiet(3) }).await.unwrap();
    let client = client(&sim).await;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let doomed: Namespace = serde_json::from_value(json!({"metadata": {"name": "doomed"}})).unwrap();
    namespaces.create(&PostParams::default(), &doomed).await.unwrap();
    let pods: Api<Pod> = Api::namespaced(client, "doomed");
    pods.create(&PostParams::default(), &pod_on("worker", "node-0002", "web")).await.unwrap();
    eventually("running", || async { (pods.get("worker").await.ok()?.status?.phase? == "Running").then_some(()) })
        .await;

    let (code, body) = raw(&sim, reqwest::Method::DELETE, "/api/v1/namespaces/doomed", None).await;
    assert_eq!((code, body["kind"].as_str()), (200, Some("Namespace")), "the namespace answers, still there");
    assert_eq!(body["status"]["phase"], "Terminating");
    let refused = pods.create(&PostParams::default(), &pod_on("late", "node-0002", "web")).await.unwrap_err();
    let kube::Error::Api(refused) = refused else { panic!("a Status") };
    assert_eq!(refused.code, 403);
    assert_eq!(
        refused.message,
        "pods \"late\" is forbidden: unable to create new content in namespace doomed because it is being terminated"
    );
    eventually("the pod terminates and the namespace goes", || async {
        namespaces.get("doomed").await.is_err().then_some(())
    })
    .await;
    assert!(sim.store().get(Resource::Pods, "doomed/worker").is_none());
    sim.shutdown().await;
}
