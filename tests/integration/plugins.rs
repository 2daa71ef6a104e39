//! Plugin chains end to end: the example components of `plugins/dist/` in
//! front of the WebSocket broadcast, driven through the simulator.

use std::time::Duration;

use futures::StreamExt;
use nodecast::plugin::{OnError, PluginConfig};
use nodecast::sim::{self, Resource, Simulator, Write};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Nodecast, component, eventually, plugin, quiet};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn subscribe(nodecast: &Nodecast) -> Socket {
    let url = format!("{}/api/v1/ws/nodes?cluster=c1", nodecast.url.replace("http", "ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    for expected in ["connected", "subscribed"] {
        assert_eq!(next_message(&mut socket).await.unwrap()["type"], expected);
    }
    socket
}

/// The next node event, or `None` when nothing arrives within `wait`.
async fn next_event(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(wait, next_message(socket)).await.ok()??;
        if message["type"].as_str().unwrap_or_default().starts_with("node_") {
            return Some(message);
        }
    }
}

async fn next_message(socket: &mut Socket) -> Option<Value> {
    loop {
        match socket.next().await? {
            Ok(Message::Text(text)) => return serde_json::from_str(&text).ok(),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

fn edit(sim: &Simulator, node: &str, change: impl FnOnce(&mut Value)) {
    sim.store()
        .update(Resource::Nodes, node, None, Write::Commit, |mut object| {
            change(&mut object);
            Ok(object)
        })
        .unwrap();
}

fn set_ready(node: &mut Value, status: &str) {
    for condition in node["status"]["conditions"].as_array_mut().unwrap() {
        if condition["type"] == "Ready" {
            condition["status"] = json!(status);
        }
    }
}

const QUIET: Duration = Duration::from_millis(700);
const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn label_prefix_filter_drops_updates_that_only_touch_its_prefixes() {
    let sim = Simulator::start(quiet(4)).await.unwrap();
    let mut filter = plugin("label-prefix-filter");
    filter.config.insert("prefixes".into(), json!(["nodecast.io/", "scratch."]));
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| config.plugins = vec![filter]).await;
    let mut socket = subscribe(&nodecast).await;

    edit(&sim, "node-0002", |node| node["metadata"]["labels"]["nodecast.io/pool"] = json!("blue"));
    edit(&sim, "node-0002", |node| node["metadata"]["labels"]["team"] = json!("storage"));
    let kept = next_event(&mut socket, WAIT).await.unwrap();
    assert_eq!(kept["data"]["labels"]["team"], "storage");
    assert_eq!(kept["seq"].as_u64(), Some(6));
    assert_eq!(kept["prev"].as_u64(), Some(4), "seq 5 was dropped by a decision, not lost");
    edit(&sim, "node-0003", |node| node["metadata"]["labels"]["scratch.x"] = json!("1"));
    assert!(next_event(&mut socket, QUIET).await.is_none());

    let chain: Value = nodecast.json("/api/v1/plugins", 200).await;
    let stats = &chain["plugins"][0];
    // The four nodes of the first list were kept too.
    assert_eq!(
        (stats["calls"].as_u64(), stats["drops"].as_u64(), stats["keeps"].as_u64()),
        (Some(7), Some(2), Some(5))
    );
    assert_eq!(chain["clusters"][0]["committed"].as_u64(), Some(7));
    assert_eq!(chain["clusters"][0]["dropped"].as_u64(), Some(2));
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn transitions_only_keeps_ready_schedulable_taint_changes_and_deletions() {
    let sim = Simulator::start(quiet(4)).await.unwrap();
    let nodecast =
        Nodecast::watching(&[("c1", &sim)], |config| config.plugins = vec![plugin("transitions-only")]).await;
    let mut socket = subscribe(&nodecast).await;
    edit(&sim, "node-0002", |node| node["metadata"]["labels"]["team"] = json!("a"));
    edit(&sim, "node-0002", |node| node["spec"]["unschedulable"] = json!(true));
    edit(&sim, "node-0003", |node| set_ready(node, "False"));
    edit(&sim, "node-0003", |node| node["metadata"]["annotations"]["note"] = json!("x"));
    edit(&sim, "node-0004", |node| node["spec"]["taints"] = json!([{"key": "k", "effect": "NoSchedule"}]));
    sim.store().delete(Resource::Nodes, "node-0001", None, Write::Commit).unwrap();
    let mut seen = Vec::new();
    while let Some(event) = next_event(&mut socket, QUIET).await {
        seen.push((event["type"].as_str().unwrap().to_owned(), event["changes"].clone()));
    }
    assert_eq!(
        seen,
        [
            ("node_update".to_owned(), json!(["Schedulable"])),
            ("node_update".to_owned(), json!(["Status", "Conditions"])),
            ("node_update".to_owned(), json!(["Taints"])),
            ("node_delete".to_owned(), json!([])),
        ]
    );
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn severity_tagger_tags_readiness_loss_noexecute_and_cordons() {
    let sim = Simulator::start(quiet(4)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| config.plugins = vec![plugin("severity-tagger")]).await;
    let mut socket = subscribe(&nodecast).await;
    edit(&sim, "node-0002", |node| set_ready(node, "Unknown"));
    edit(&sim, "node-0003", |node| node["spec"]["unschedulable"] = json!(true));
    edit(&sim, "node-0004", |node| node["spec"]["taints"] = json!([{"key": "k", "effect": "NoExecute"}]));
    edit(&sim, "node-0004", |node| node["metadata"]["labels"]["plain"] = json!("yes"));
    let mut tags = Vec::new();
    for _ in 0..4 {
        tags.push(next_event(&mut socket, WAIT).await.unwrap()["tags"].clone());
    }
    assert_eq!(
        tags,
        [json!({"severity": "critical"}), json!({"severity": "warning"}), json!({"severity": "critical"}), json!({})]
    );
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn the_c_example_keeps_only_readiness_changes_and_deletions() {
    let sim = Simulator::start(quiet(4)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| config.plugins = vec![plugin("c-keep-ready")]).await;
    let mut socket = subscribe(&nodecast).await;
    edit(&sim, "node-0002", |node| node["metadata"]["labels"]["team"] = json!("a"));
    edit(&sim, "node-0003", |node| set_ready(node, "False"));
    sim.store().delete(Resource::Nodes, "node-0004", None, Write::Commit).unwrap();
    let first = next_event(&mut socket, WAIT).await.unwrap();
    assert_eq!((first["type"].as_str(), first["node_name"].as_str()), (Some("node_update"), Some("node-0003")));
    assert_eq!(next_event(&mut socket, WAIT).await.unwrap()["type"], "node_delete");
    assert!(next_event(&mut socket, QUIET).await.is_none());
    nodecast.shutdown().await;
    sim.shutdown().await;
}

/// Four guests that fail in four ways sit in front of the severity tagger:
/// every change still arrives, tagged, and each failing guest trips its
/// breaker after `max_failures`; a reload resets the breakers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_guests_neither_stall_the_pipeline_nor_hide_changes_from_others() {
    let sim = Simulator::start(quiet(6)).await.unwrap();
    let bomb = PluginConfig { memory_mb: 4, ..plugin("alloc-bomb") };
    let chain = vec![plugin("loop-forever"), bomb, plugin("trap"), plugin("init-fails"), plugin("severity-tagger")];
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| config.plugins = chain).await;
    let mut socket = subscribe(&nodecast).await;

    for round in 0..5 {
        edit(&sim, "node-0002", |node| node["spec"]["unschedulable"] = json!(round % 2 == 0));
    }
    // The relay may still be deciding about the first list (each failing call costs its deadline).
    let mut tags = Vec::new();
    while tags.len() < 5 {
        let event = next_event(&mut socket, WAIT).await.expect("every change arrives");
        if event["type"] == "node_update" {
            tags.push(event["tags"].clone());
        }
    }
    assert_eq!(tags[0], json!({"severity": "warning"}), "the plugin after the failing ones still decided");

    let chain: Value = nodecast.json("/api/v1/plugins", 200).await;
    for failing in &chain["plugins"].as_array().unwrap()[..4] {
        assert_eq!(failing["errors"].as_u64(), Some(3), "{failing}");
        assert_eq!(failing["state"], "disabled", "{failing}");
        assert!(failing["disabled_in"]["c1"].as_str().unwrap().contains("3 failures"), "{failing}");
    }
    let reasons: Vec<&str> =
        chain["plugins"].as_array().unwrap()[..4].iter().map(|p| p["disabled_in"]["c1"].as_str().unwrap()).collect();
    assert!(reasons[0].contains("deadline"), "{reasons:?}");
    assert!(reasons[3].contains("init failed"), "{reasons:?}");
    assert_eq!(chain["plugins"][4]["errors"].as_u64(), Some(0));
    assert_eq!(chain["plugins"][4]["calls"].as_u64(), Some(6 + 5), "the first list and the five edits");

    let reloaded = nodecast.post("/api/v1/plugins/reload").send().await.unwrap();
    assert_eq!(reloaded.status().as_u16(), 200);
    let reloaded: Value = reloaded.json().await.unwrap();
    assert!(reloaded["plugins"].as_array().unwrap().iter().all(|p| p["state"] == "active"), "breakers reset");
    edit(&sim, "node-0003", |node| node["spec"]["unschedulable"] = json!(true));
    assert_eq!(next_event(&mut socket, WAIT).await.unwrap()["tags"], json!({"severity": "warning"}));
    let chain: Value = nodecast.json("/api/v1/plugins", 200).await;
    assert_eq!(chain["plugins"][0]["errors"].as_u64(), Some(4), "the reloaded guest was called again");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_guest_cannot_hoard_node_views() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let hoarder = PluginConfig { max_failures: 1, ..plugin("hoard-views") };
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| config.plugins = vec![hoarder]).await;
    let mut socket = subscribe(&nodecast).await;
    // 16 views a call, 64 allowed: calls 1-4 hold them all and call 5 is
    // refused, which trips the breaker. The first list makes three calls.
    for round in 0..8 {
        edit(&sim, "node-0001", |node| node["metadata"]["labels"]["round"] = json!(round.to_string()));
    }
    for round in 0..8 {
        let event = next_event(&mut socket, WAIT).await.expect("on_error = keep broadcasts every change");
        assert_eq!(event["data"]["labels"]["round"], round.to_string());
    }
    let chain: Value = nodecast.json("/api/v1/plugins", 200).await;
    let hoarder = &chain["plugins"][0];
    assert_eq!((hoarder["calls"].as_u64(), hoarder["errors"].as_u64()), (Some(5), Some(1)), "{hoarder}");
    assert_eq!(hoarder["state"], "disabled", "{hoarder}");
    assert!(hoarder["disabled_in"]["c1"].as_str().unwrap().contains("64 node views"), "{hoarder}");

    let metrics = nodecast.get("/metrics").send().await.unwrap().text().await.unwrap();
    for series in [
        "nodecast_plugin_calls_total{plugin=\"hoard-views\"} 5",
        "nodecast_plugin_errors_total{plugin=\"hoard-views\"} 1",
        "nodecast_plugin_decisions_total{plugin=\"hoard-views\",decision=\"keep\"} 5",
        "nodecast_plugin_decisions_total{plugin=\"hoard-views\",decision=\"drop\"} 0",
        "nodecast_plugin_call_seconds_count{plugin=\"hoard-views\"} 5",
        "nodecast_plugin_call_seconds_bucket{le=\"+Inf\",plugin=\"hoard-views\"} 5",
        "nodecast_plugin_disabled_clusters{plugin=\"hoard-views\"} 1",
    ] {
        assert!(metrics.lines().any(|line| line == series), "{series} missing from:\n{metrics}");
    }
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn on_error_drop_drops_until_the_breaker_trips() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    // Three failures on the first list, three on the edits: the breaker trips at six.
    let trap = PluginConfig { on_error: OnError::Drop, max_failures: 6, ..plugin("trap") };
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| config.plugins = vec![trap]).await;
    let mut socket = subscribe(&nodecast).await;
    for pool in ["a", "b", "c", "d"] {
        edit(&sim, "node-0002", |node| node["metadata"]["labels"]["pool"] = json!(pool));
    }
    let event = next_event(&mut socket, WAIT).await.unwrap();
    assert_eq!(event["data"]["labels"]["pool"], "d", "the failing calls dropped their changes");
    assert!(next_event(&mut socket, QUIET).await.is_none());
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_reload_that_fails_keeps_the_old_chain_and_says_why() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("tagger.wasm");
    std::fs::copy(component("severity-tagger"), &path).unwrap();
    let tagger = PluginConfig { path: path.clone(), ..plugin("severity-tagger") };
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| config.plugins = vec![tagger]).await;
    let before: Value = nodecast.json("/api/v1/plugins", 200).await;

    std::fs::write(&path, b"not a component").unwrap();
    let response = nodecast.post("/api/v1/plugins/reload").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let error: Value = response.json().await.unwrap();
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("severity-tagger") && message.contains("not a filter component"), "{message}");
    let after: Value = nodecast.json("/api/v1/plugins", 200).await;
    assert_eq!(after["generation"], before["generation"]);
    assert_eq!(after["plugins"][0]["hash"], before["plugins"][0]["hash"]);

    let mut socket = subscribe(&nodecast).await;
    edit(&sim, "node-0002", |node| node["spec"]["unschedulable"] = json!(true));
    assert_eq!(
        next_event(&mut socket, WAIT).await.unwrap()["tags"],
        json!({"severity": "warning"}),
        "the old chain runs"
    );
    nodecast.shutdown().await;
    sim.shutdown().await;
}

/// Every committed change is either broadcast or dropped by a decision, across
/// reloads, while churn runs; a client receives exactly the broadcast ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_under_churn_lose_nothing() {
    let sim = Simulator::start(sim::Config { churn: 300.0, heartbeat_secs: 1.0, ..quiet(30) }).await.unwrap();
    let mut filter = plugin("label-prefix-filter");
    filter.config.insert("prefixes".into(), json!("nodecast.io/"));
    let nodecast =
        Nodecast::watching(&[("c1", &sim)], |config| config.plugins = vec![filter, plugin("severity-tagger")]).await;
    let mut socket = subscribe(&nodecast).await;
    let counting = tokio::spawn(async move {
        let (mut received, mut last, mut gaps) = (0u64, None, 0u64);
        while let Some(event) = next_event(&mut socket, Duration::from_secs(3)).await {
            if last.is_some_and(|last| event["prev"].as_u64() != Some(last)) {
                gaps += 1;
            }
            last = event["seq"].as_u64();
            received += 1;
        }
        (received, last, gaps)
    });
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(nodecast.post("/api/v1/plugins/reload").send().await.unwrap().status().as_u16(), 200);
    }
    sim.shutdown().await;
    let (received, last, gaps) = counting.await.unwrap();
    let flow = eventually("the relay drained", || async {
        let chain: Value = nodecast.json("/api/v1/plugins", 200).await;
        let flow = chain["clusters"][0].clone();
        let committed = nodecast.app.cluster("c1").unwrap().snapshot().seq;
        (flow["committed"].as_u64() == Some(committed)).then_some(flow)
    })
    .await;
    let (committed, broadcast, dropped) =
        (flow["committed"].as_u64().unwrap(), flow["broadcast"].as_u64().unwrap(), flow["dropped"].as_u64().unwrap());
    assert_eq!(committed, broadcast + dropped, "{flow}");
    assert!(dropped > 0 && broadcast > 0, "{flow}");
    assert!(received > 0);
    assert_eq!(gaps, 0, "every event the client got names the one before it");
    assert_eq!(last, flow["last_broadcast_seq"].as_u64(), "and it got through to the last one broadcast");
    nodecast.shutdown().await;
}

/// Every cluster's plugin spins until its one-second deadline, call after call;
/// REST and WebSocket still answer for every cluster in a fraction of that,
/// because the calls run on the filter stages' own threads, not on the two
/// workers of the async runtime that serve HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_stuck_at_their_deadline_never_hold_up_rest_or_websockets() {
    let sims = [
        Simulator::start(quiet(2)).await.unwrap(),
        Simulator::start(quiet(2)).await.unwrap(),
        Simulator::start(quiet(2)).await.unwrap(),
    ];
    let names = ["c1", "c2", "c3"];
    let stuck = PluginConfig { timeout_ms: 1000, max_failures: 1000, ..plugin("loop-forever") };
    let clusters: Vec<(&str, &Simulator)> = names.iter().copied().zip(sims.iter()).collect();
    let nodecast = Nodecast::watching(&clusters, |config| config.plugins = vec![stuck]).await;
    for sim in &sims {
        for round in 0..4 {
            edit(sim, "node-0001", |node| node["metadata"]["labels"]["round"] = json!(round.to_string()));
        }
    }
    let in_a_call = |flow: &Value| {
        flow["committed"].as_u64() > Some(flow["broadcast"].as_u64().unwrap() + flow["dropped"].as_u64().unwrap())
    };
    eventually("every cluster's plugin is in a call", || async {
        let chain: Value = nodecast.json("/api/v1/plugins", 200).await;
        chain["clusters"].as_array().unwrap().iter().all(in_a_call).then_some(())
    })
    .await;

    let limit = Duration::from_millis(500);
    for name in names {
        let started = std::time::Instant::now();
        let listed = nodecast.json(&format!("/api/v1/nodes?cluster_name={name}"), 200).await;
        assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
        let url = format!("{}/api/v1/ws/nodes?cluster={name}", nodecast.url.replace("http", "ws"));
        let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let first = tokio::time::timeout(limit, socket.next()).await.expect("the session greets at once");
        assert!(matches!(first, Some(Ok(Message::Text(_)))));
        assert!(
            started.elapsed() < limit,
            "{name}: REST and WebSocket took {:?} while plugins were stuck",
            started.elapsed()
        );
    }
    let chain: Value = nodecast.json("/api/v1/plugins", 200).await;
    assert!(chain["clusters"].as_array().unwrap().iter().all(in_a_call), "the calls were still running: {chain}");
    nodecast.shutdown().await;
    for sim in sims {
        sim.shutdown().await;
    }
}
