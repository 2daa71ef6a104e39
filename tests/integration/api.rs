//! nodecast end to end: simulated clusters, watched through the real kube-rs
//! path, read through the REST API over HTTP.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, Patch, PatchParams};
use nodecast::auth::{Role, TokenConfig};
use nodecast::cache::ChangeKind;
use nodecast::detect::ChangeSet;
use nodecast::sim::{self, Resource, Simulator, Write};
use serde_json::{Value, json};

use crate::support::{Nodecast, client, eventually, quiet};

fn names(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn node_edited_through_kube_shows_up_with_its_change_and_a_higher_seq() {
    let sim = Simulator::start(quiet(10)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let mut changes = nodecast.app.cluster("c1").unwrap().subscribe();
    let before = nodecast.json("/api/v1/nodes/c1/node-0003", 200).await;
    let seq_before = before["node"]["seq"].as_u64().unwrap();
    assert!(before["node"]["last_change"]["Labels"].is_string(), "every group has a last change time");

    let nodes: Api<Node> = Api::all(client(&sim).await);
    let patch = Patch::Merge(json!({"metadata": {"labels": {"team": "storage"}}, "spec": {"unschedulable": true}}));
    nodes.patch("node-0003", &PatchParams::default(), &patch).await.unwrap();

    let change = tokio::time::timeout(Duration::from_secs(10), changes.recv()).await.unwrap().unwrap();
    assert_eq!((change.kind, change.name.as_str()), (ChangeKind::Updated, "node-0003"));
    assert_eq!(change.changes, ChangeSet::LABELS | ChangeSet::SCHEDULABLE);
    assert_eq!(change.seq, seq_before.max(10) + 1);

    let after = nodecast.json("/api/v1/nodes/node-0003?cluster_name=c1", 200).await;
    let node = &after["node"];
    assert_eq!((node["labels"]["team"].as_str(), node["schedulable"].as_bool()), (Some("storage"), Some(false)));
    assert_eq!(node["seq"].as_u64(), Some(change.seq));
    let time = |value: &Value| value.as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    assert!(time(&node["last_change"]["Labels"]) >= time(&before["node"]["last_change"]["Labels"]));
    assert_eq!(node["last_change_time"], node["last_change"]["Labels"]);
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn heartbeat_only_updates_change_no_seq() {
    let sim = Simulator::start(sim::Config { heartbeat_secs: 0.3, ..quiet(6) }).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let mut changes = nodecast.app.cluster("c1").unwrap().subscribe();
    let summary = nodecast.json("/api/v1/nodes?cluster_name=c1", 200).await;
    let full_etag = |response: &reqwest::Response| response.headers()["etag"].to_str().unwrap().to_owned();
    let first_full = full_etag(&nodecast.get("/api/v1/nodes?cluster_name=c1&view=full").send().await.unwrap());

    let written = sim.store().resource_version();
    eventually("heartbeats reach nodecast", || async {
        let full = nodecast.get("/api/v1/nodes?cluster_name=c1&view=full").send().await.unwrap();
        (sim.store().resource_version() > written + 12 && full_etag(&full) != first_full).then_some(())
    })
    .await;

    let again = nodecast.json("/api/v1/nodes?cluster_name=c1", 200).await;
    assert_eq!(again["seq"], summary["seq"], "heartbeats are committed but are not changes");
    assert!(changes.try_recv().is_err(), "no change left the pipeline");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

/// In a current-thread runtime neither the simulator's watch task nor
/// nodecast's watcher can run while the test writes, so a burst larger than
/// the simulator's history reliably expires nodecast's watch (410 Gone).
#[tokio::test]
async fn expired_watch_relists_without_spurious_changes_and_drops_deleted_nodes() {
    let sim = Simulator::start(sim::Config { history: 25, ..quiet(12) }).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let cluster = nodecast.app.cluster("c1").unwrap();
    let mut changes = cluster.subscribe();
    tokio::time::sleep(Duration::from_millis(300)).await;

    sim.store().delete(Resource::Nodes, "node-0007", None, Write::Commit).unwrap();
    for round in 0..40 {
        sim.store()
            .update(Resource::Nodes, "node-0002", None, Write::Commit, |mut node| {
                node["metadata"]["labels"]["round"] = json!(round.to_string());
                Ok(node)
            })
            .unwrap();
    }

    eventually("the watcher re-listed", || async { (cluster.status().relists >= 2).then_some(()) }).await;
    eventually("the re-list committed", || async { (cluster.snapshot().nodes.len() == 11).then_some(()) }).await;
    let mut seen = Vec::new();
    while let Ok(Ok(change)) = tokio::time::timeout(Duration::from_millis(500), changes.recv()).await {
        seen.push((change.kind, change.name.clone(), change.changes));
    }
    assert_eq!(
        seen,
        [
            (ChangeKind::Deleted, "node-0007".to_owned(), ChangeSet::empty()),
            (ChangeKind::Updated, "node-0002".to_owned(), ChangeSet::LABELS)
        ]
    );
    let status = nodecast.json("/api/v1/realtime/status", 200).await;
    let c1 = &status["clusters"][0];
    assert!(c1["watcher_restarts"].as_u64() >= Some(1), "{c1}");
    assert!(
        c1["last_failure"].as_str().unwrap().contains("410")
            || c1["last_failure"].as_str().unwrap().contains("too old")
    );
    let listed = nodecast.json("/api/v1/nodes?cluster_name=c1", 200).await;
    assert!(!names(&listed).contains(&"node-0007".to_owned()), "no ghost node");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn forced_refresh_relists_and_changes_nothing() {
    let sim = Simulator::start(quiet(8)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let cluster = nodecast.app.cluster("c1").unwrap();
    let mut changes = cluster.subscribe();
    let seq = cluster.snapshot().seq;
    let response = nodecast.post("/api/v1/cache/refresh?cluster=c1").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 202);
    eventually("a second list", || async { (cluster.status().relists == 2).then_some(()) }).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(changes.try_recv().is_err());
    assert_eq!(cluster.snapshot().seq, seq);
    let stats = nodecast.json("/api/cache/stats", 200).await;
    assert_eq!((stats["activeInformers"].as_u64(), stats["totalObjects"].as_u64()), (Some(1), Some(8)));
    assert_eq!(stats["resourceStats"]["c1/v1/nodes"]["objectCount"].as_u64(), Some(8));
    let unknown = nodecast.post("/api/v1/cache/refresh?cluster=nope").send().await.unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn clusters_stay_isolated_and_are_registered_and_unregistered_at_run_time() {
    let a = Simulator::start(quiet(5)).await.unwrap();
    let b = Simulator::start(sim::Config { seed: 2, ..quiet(7) }).await.unwrap();
    let nodecast = Nodecast::watching(&[("a", &a)], |_| {}).await;

    let body = json!({"name": "b", "kubeconfig": b.kubeconfig()});
    let response = nodecast.post("/api/v1/clusters").json(&body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let again = nodecast.post("/api/v1/clusters").json(&body).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 409);
    eventually("b listed", || async { nodecast.app.ready().then_some(()) }).await;

    assert_eq!(names(&nodecast.json("/api/v1/nodes?cluster_name=a", 200).await).len(), 5);
    assert_eq!(names(&nodecast.json("/api/v1/nodes?cluster_name=b", 200).await).len(), 7);
    let seq_a = nodecast.json("/api/v1/nodes?cluster_name=a", 200).await["seq"].clone();
    let mut b_changes = nodecast.app.cluster("b").unwrap().subscribe();
    b.store().delete(Resource::Nodes, "node-0006", None, Write::Commit).unwrap();
    tokio::time::timeout(Duration::from_secs(10), b_changes.recv()).await.unwrap().unwrap();
    assert_eq!(nodecast.json("/api/v1/nodes?cluster_name=a", 200).await["seq"], seq_a, "b's change stays in b");
    let error = nodecast.json("/api/v1/nodes", 400).await;
    assert!(error["message"].as_str().unwrap().contains("cluster_name"), "{error}");

    let clusters = nodecast.json("/api/v1/clusters", 200).await;
    let listed: Vec<&str> = clusters.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(listed, ["a", "b"]);

    assert_eq!(nodecast.delete("/api/v1/clusters/b").send().await.unwrap().status().as_u16(), 204);
    assert_eq!(nodecast.json("/api/v1/nodes?cluster_name=b", 404).await["code"], "not_found");
    assert_eq!(nodecast.delete("/api/v1/clusters/b").send().await.unwrap().status().as_u16(), 404);
    assert_eq!(nodecast.json("/api/v1/clusters", 200).await.as_array().unwrap().len(), 1);
    nodecast.shutdown().await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn bad_kubeconfig_content_gets_a_400_that_says_why() {
    let sim = Simulator::start(quiet(2)).await.unwrap();
    let nodecast = Nodecast::watching(&[("a", &sim)], |_| {}).await;
    let exec = sim.kubeconfig().replace(
        "  user:\n    {}\n",
        "  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /usr/bin/touch\n      args: [/tmp/pwned]\n",
    );
    let cases = [
        (json!({"name": "x", "kubeconfig": exec}), "exec credential plugin"),
        (json!({"name": "x", "kubeconfig": "clusters: 12"}), "kubeconfig is not valid"),
        (json!({"name": "bad name!", "kubeconfig": sim.kubeconfig()}), "invalid cluster name"),
        (json!({"name": "x"}), "RegisterCluster"),
    ];
    for (body, why) in cases {
        let response = nodecast.post("/api/v1/clusters").json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "bad_request");
        assert!(error["message"].as_str().unwrap().contains(why), "{error}");
    }
    assert!(!std::path::Path::new("/tmp/pwned").exists(), "nothing ran");
    assert_eq!(nodecast.json("/api/v1/clusters", 200).await.as_array().unwrap().len(), 1, "nothing was registered");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn selectors_and_filters_pick_nodes() {
    let sim = Simulator::start(quiet(12)).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    for name in ["node-0004", "node-0005"] {
        let patch = Patch::Merge(json!({"metadata": {"labels": {"pool": "gpu"}}}));
        nodes.patch(name, &PatchParams::default(), &patch).await.unwrap();
    }
    nodes
        .patch("node-0005", &PatchParams::default(), &Patch::Merge(json!({"spec": {"unschedulable": true}})))
        .await
        .unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let gpu = nodecast.json("/api/v1/nodes?cluster_name=c1&label_selector=pool%3Dgpu", 200).await;
    assert_eq!(names(&gpu), ["node-0004", "node-0005"]);
    assert_eq!(gpu["total"].as_u64(), Some(12));
    let cordoned = nodecast.json("/api/v1/nodes?cluster_name=c1&schedulable=false", 200).await;
    assert_eq!(names(&cordoned), ["node-0005"]);
    let workers = nodecast
        .json("/api/v1/nodes?cluster_name=c1&label_selector=!node-role.kubernetes.io%2Fcontrol-plane", 200)
        .await;
    assert_eq!(names(&workers).len(), 9);
    assert_eq!(names(&nodecast.json("/api/v1/nodes?cluster_name=c1&ready=false", 200).await).len(), 0);
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paged_walk_returns_every_lasting_node_exactly_once_while_churn_runs() {
    let sim = Simulator::start(sim::Config { churn: 300.0, heartbeat_secs: 1.0, ..quiet(60) }).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let at_start: BTreeSet<String> = sim.store().list(Resource::Nodes).1.keys().cloned().collect();
    let mut walked = Vec::new();
    let mut path = "/api/v1/nodes?cluster_name=c1&limit=7".to_owned();
    loop {
        let page = nodecast.json(&path, 200).await;
        walked.extend(names(&page));
        tokio::time::sleep(Duration::from_millis(30)).await;
        match page["continue"].as_str() {
            Some(token) => path = format!("/api/v1/nodes?cluster_name=c1&limit=7&continue={token}"),
            None => break,
        }
    }
    let at_end: BTreeSet<String> = sim.store().list(Resource::Nodes).1.keys().cloned().collect();
    let unique: BTreeSet<String> = walked.iter().cloned().collect();
    assert_eq!(unique.len(), walked.len(), "no node twice: {walked:?}");
    let lasting: BTreeSet<&String> = at_start.intersection(&at_end).collect();
    assert!(lasting.iter().all(|name| unique.contains(*name)), "every lasting node once");
    let stale = nodecast.json("/api/v1/nodes?cluster_name=c1&continue=***", 400).await;
    assert!(stale["message"].as_str().unwrap().starts_with("continue"), "{stale}");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn etag_answers_304_until_the_data_changes() {
    let sim = Simulator::start(quiet(4)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    for path in ["/api/v1/nodes?cluster_name=c1", "/api/v1/nodes/c1/node-0002"] {
        let first = nodecast.get(path).send().await.unwrap();
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let cached = nodecast.get(path).header("If-None-Match", &etag).send().await.unwrap();
        assert_eq!(cached.status().as_u16(), 304, "{path}");
        let mut changes = nodecast.app.cluster("c1").unwrap().subscribe();
        sim.store()
            .update(Resource::Nodes, "node-0002", None, Write::Commit, |mut node| {
                node["metadata"]["labels"]["etag"] = json!(path.len().to_string());
                Ok(node)
            })
            .unwrap();
        tokio::time::timeout(Duration::from_secs(10), changes.recv()).await.unwrap().unwrap();
        let fresh = nodecast.get(path).header("If-None-Match", &etag).send().await.unwrap();
        assert_eq!(fresh.status().as_u16(), 200, "{path}");
        assert_ne!(fresh.headers()["etag"].to_str().unwrap(), etag);
    }
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_fields_projection_returns_only_the_named_summary_fields() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let list = nodecast.json("/api/v1/nodes?cluster_name=c1&fields=name,ready,schedulable,roles", 200).await;
    let full = nodecast.json("/api/v1/nodes?cluster_name=c1", 200).await;
    assert_eq!(names(&list), names(&full));
    for (projected, summary) in list["items"].as_array().unwrap().iter().zip(full["items"].as_array().unwrap()) {
        let expected: serde_json::Map<String, Value> = ["name", "ready", "schedulable", "roles"]
            .into_iter()
            .map(|field| (field.to_owned(), summary[field].clone()))
            .collect();
        assert_eq!(projected.as_object().unwrap(), &expected);
    }
    let one = nodecast.json("/api/v1/nodes/c1/node-0001?fields=roles", 200).await;
    assert_eq!(one["node"], json!({"roles": ["control-plane"]}));
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn errors_are_json_with_a_code_and_a_message() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    for (path, status, code, mentions) in [
        ("/api/v1/nodes?cluster_name=nope", 404, "not_found", "nope"),
        ("/api/v1/nodes/c1/node-9999", 404, "not_found", "node-9999"),
        ("/api/v1/nodes?cluster_name=c1&limit=0", 400, "bad_request", "limit"),
        ("/api/v1/nodes?cluster_name=c1&limit=ten", 400, "bad_request", "limit"),
        ("/api/v1/nodes?cluster_name=c1&ready=maybe", 400, "bad_request", "ready"),
        ("/api/v1/nodes?cluster_name=c1&view=everything", 400, "bad_request", "view"),
        ("/api/v1/nodes?cluster_name=c1&label_selector=a%20in%20b", 400, "bad_request", "label_selector"),
        (
            "/api/v1/nodes?cluster_name=c1&fields=name,readiness",
            400,
            "bad_request",
            "\"readiness\" is not a summary field",
        ),
        ("/api/v1/nodes?cluster_name=c1&fields=name&view=full", 400, "bad_request", "fields"),
        ("/api/v1/nodes/c1/node-0002?fields=", 400, "bad_request", "fields"),
    ] {
        let error = nodecast.json(path, status).await;
        assert_eq!(error["code"], code, "{path}: {error}");
        assert!(error["message"].as_str().unwrap().contains(mentions), "{path}: {error}");
    }
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_cluster_that_has_not_listed_answers_503_with_retry_after() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let unreachable = sim.kubeconfig().replace(&sim.url(), "http://127.0.0.1:9");
    let body = json!({"name": "far", "kubeconfig": unreachable});
    assert_eq!(nodecast.post("/api/v1/clusters").json(&body).send().await.unwrap().status().as_u16(), 201);
    let response = nodecast.get("/api/v1/nodes?cluster_name=far").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "cluster_not_ready");
    let ready = nodecast.json("/readyz", 503).await;
    assert_eq!(ready["waiting_for"], json!(["far"]));
    eventually("the watcher reports its failures", || async {
        let status = nodecast.app.cluster("far").unwrap().status();
        (status.watcher_restarts > 0 && status.last_error.is_some()).then_some(())
    })
    .await;
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn tokens_roles_and_cluster_patterns_are_enforced() {
    let a = Simulator::start(quiet(2)).await.unwrap();
    let b = Simulator::start(quiet(2)).await.unwrap();
    let token = |name: &str, role: Role, clusters: &[&str]| TokenConfig {
        name: name.to_owned(),
        token: format!("{name}-token-0123456789"),
        role,
        clusters: clusters.iter().map(|c| (*c).to_owned()).collect(),
    };
    let nodecast = Nodecast::watching(&[("prod-a", &a), ("dev-b", &b)], |config| {
        config.api.auth.enabled = true;
        config.api.auth.tokens =
            vec![token("viewer", Role::Viewer, &["prod-*"]), token("operator", Role::Operator, &["*"])];
    })
    .await;
    let call = |method: &str, path: &str, token: Option<&str>| {
        let request = match method {
            "GET" => nodecast.get(path),
            _ => nodecast.post(path),
        };
        let request = match token {
            Some(token) => request.bearer_auth(format!("{token}-token-0123456789")),
            None => request,
        };
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let cases = [
        ("GET", "/api/v1/nodes?cluster_name=prod-a", None, 401),
        ("GET", "/api/v1/nodes?cluster_name=prod-a", Some("stranger"), 401),
        ("GET", "/api/v1/nodes?cluster_name=prod-a", Some("viewer"), 200),
        ("GET", "/api/v1/nodes?cluster_name=dev-b", Some("viewer"), 403),
        ("GET", "/api/v1/nodes/dev-b/node-0001", Some("viewer"), 403),
        ("POST", "/api/v1/cache/refresh?cluster=prod-a", Some("viewer"), 403),
        ("POST", "/api/v1/cache/refresh?cluster=dev-b", Some("operator"), 202),
        ("GET", "/api/v1/nodes?cluster_name=dev-b", Some("operator"), 200),
        ("GET", "/metrics", None, 401),
        ("GET", "/healthz", None, 200),
        ("GET", "/readyz", None, 200),
        ("GET", "/openapi.json", None, 200),
    ];
    for (method, path, token, expected) in cases {
        assert_eq!(call(method, path, token).await, expected, "{method} {path} as {token:?}");
    }
    let unauthorized = nodecast.get("/api/v1/clusters").send().await.unwrap();
    let body: Value = unauthorized.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    let visible = nodecast.get("/api/v1/clusters").bearer_auth("viewer-token-0123456789").send().await.unwrap();
    let visible: Value = visible.json().await.unwrap();
    assert_eq!(visible.as_array().unwrap().len(), 1, "a viewer sees only its clusters: {visible}");
    nodecast.shutdown().await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn metrics_count_changes_by_cluster_and_kind() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let text = nodecast.get("/metrics").send().await.unwrap().text().await.unwrap();
    let lines: BTreeMap<&str, &str> = text.lines().filter_map(|line| line.rsplit_once(' ')).collect();
    assert_eq!(lines.get(r#"nodecast_events_total{cluster="c1",change="Added"}"#), Some(&"3"), "{text}");
    assert_eq!(lines.get(r#"nodecast_snapshot_nodes{cluster="c1"}"#), Some(&"3"), "{text}");
    assert!(text.contains("nodecast_stage_seconds_bucket"), "{text}");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

/// The figures the seeds say operators watch, after one change reached one client.
#[tokio::test]
async fn metrics_show_lag_latencies_connections_and_queues() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let url = format!("{}/api/v1/ws/nodes?cluster=c1", nodecast.url.replace("http", "ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    sim.store()
        .update(Resource::Nodes, "node-0001", None, Write::Commit, |mut node| {
            node["metadata"]["labels"]["pool"] = json!("blue");
            Ok(node)
        })
        .unwrap();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), futures::StreamExt::next(&mut socket)).await;
        let text = message.unwrap().unwrap().unwrap().into_text().unwrap();
        if text.contains("node_update") {
            break;
        }
    }
    // A stage's time is observed once its output has left, so a client can hold
    // the frame a moment before the histogram counts it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let text = loop {
        let text = nodecast.get("/metrics").send().await.unwrap().text().await.unwrap();
        let settled = ["nodecast_filter_seconds_count 4", "nodecast_broadcast_seconds_count 4"];
        if settled.iter().all(|line| text.lines().any(|l| l == *line)) || tokio::time::Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let lines: BTreeMap<&str, &str> = text.lines().filter_map(|line| line.rsplit_once(' ')).collect();
    let count = |series: &str| lines.get(series).and_then(|v| v.parse::<f64>().ok()).unwrap_or(-1.0);
    assert!(count(r#"nodecast_informer_lag_seconds_count{cluster="c1"}"#) >= 2.0, "{text}");
    assert_eq!(count("nodecast_filter_seconds_count"), 4.0, "three additions and the edit: {text}");
    assert_eq!(count("nodecast_broadcast_seconds_count"), 4.0, "{text}");
    assert!(count("nodecast_push_latency_seconds_count") >= 1.0, "{text}");
    assert_eq!(count("nodecast_ws_open_connections"), 1.0, "{text}");
    assert_eq!(count("nodecast_ws_connections_total"), 1.0, "{text}");
    assert_eq!(count(r#"nodecast_room_subscribers{cluster="c1"}"#), 1.0, "{text}");
    assert!(count(r#"nodecast_room_queue_depth{cluster="c1"}"#) >= 0.0, "{text}");
    assert_eq!(count(r#"nodecast_watch_up{cluster="c1"}"#), 1.0, "{text}");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

/// Full views are the API server's objects byte for byte (less `managedFields`),
/// served from stored bytes, and bodies are compressed as the client asks.
#[tokio::test]
async fn full_views_are_the_api_servers_objects_and_bodies_compress_on_request() {
    let sim = Simulator::start(quiet(4)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let mut served = (*sim.store().get(Resource::Nodes, "node-0002").unwrap()).clone();
    served["metadata"].as_object_mut().unwrap().remove("managedFields");
    let one = nodecast.json("/api/v1/nodes/c1/node-0002?view=full", 200).await;
    assert_eq!(one["node"], served, "{one}");
    assert!(one["node"]["status"]["images"].as_array().unwrap().len() >= 40, "a realistic node");
    let path = "/api/v1/nodes?cluster_name=c1&view=full";
    let plain = nodecast.get(path).send().await.unwrap().bytes().await.unwrap();
    let list: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(list["items"][1], served);

    let gzip = nodecast.get(path).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let compressed = gzip.bytes().await.unwrap();
    assert!(compressed.len() * 4 < plain.len(), "{} of {} bytes", compressed.len(), plain.len());
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&compressed[..]), &mut decoded).unwrap();
    assert_eq!(decoded, plain);
    let brotli = nodecast.get(path).header("accept-encoding", "deflate;q=0.5, br").send().await.unwrap();
    assert_eq!(brotli.headers()["content-encoding"], "br");
    let identity = nodecast.get(path).send().await.unwrap();
    assert!(identity.headers().get("content-encoding").is_none());
    nodecast.shutdown().await;
    sim.shutdown().await;
}
