//! A cluster's connection health, end to end: the API server stops and comes
//! back under a running nodecast, and every reader is told in the meantime.

use std::net::SocketAddr;
use std::time::Duration;

use futures::StreamExt;
use nodecast::sim::{self, Simulator};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Nodecast, eventually, quiet};

async fn cluster_status(nodecast: &Nodecast) -> Value {
    nodecast.json("/api/v1/realtime/status", 200).await["clusters"][0].clone()
}

/// The `connected` message and the `snapshot` that follows it.
async fn greeting(nodecast: &Nodecast) -> (Value, Value) {
    let url = format!("{}/api/v1/ws/nodes?cluster=c1&snapshot=true", nodecast.url.replace("http", "ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let mut messages = Vec::new();
    while messages.len() < 2 {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.unwrap().unwrap().unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if matches!(value["type"].as_str(), Some("connected" | "snapshot")) {
                messages.push(value);
            }
        }
    }
    let snapshot = messages.pop().unwrap();
    (messages.pop().unwrap(), snapshot)
}

async fn watch_up(nodecast: &Nodecast) -> String {
    let metrics = nodecast.get("/metrics").send().await.unwrap().text().await.unwrap();
    metrics.lines().find(|line| line.starts_with("nodecast_watch_up{")).unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_api_server_marks_its_cluster_stale_until_it_answers_again() {
    let sim = Simulator::start(quiet(4)).await.unwrap();
    let address: SocketAddr = sim.url().trim_start_matches("http://").parse().unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| {
        config.pipeline.probe_interval = Duration::from_millis(200);
    })
    .await;
    let up = cluster_status(&nodecast).await;
    assert_eq!((up["watch_state"].as_str(), up["stale"].as_bool()), (Some("watching"), Some(false)), "{up}");
    assert!(up["last_error"].is_null() && up["last_contact_time"].is_string(), "{up}");
    assert_eq!(watch_up(&nodecast).await, "nodecast_watch_up{cluster=\"c1\"} 1");

    sim.shutdown().await;
    let down = eventually("the watch is reported down", || async {
        let status = cluster_status(&nodecast).await;
        (status["watch_state"] == "reconnecting").then_some(status)
    })
    .await;
    assert_eq!(down["stale"], true, "{down}");
    assert!(down["last_error"].is_string() && down["reconnect_attempts"].as_u64() >= Some(1), "{down}");
    let listed = nodecast.json("/api/v1/nodes?cluster_name=c1", 200).await;
    assert_eq!((listed["stale"].as_bool(), listed["items"].as_array().map(Vec::len)), (Some(true), Some(4)));
    let node = nodecast.json("/api/v1/nodes/c1/node-0001", 200).await;
    assert_eq!(node["stale"], true);
    let (connected, snapshot) = greeting(&nodecast).await;
    assert_eq!(connected["stale"], serde_json::json!(["c1"]), "{connected}");
    assert_eq!(snapshot["stale"], true);
    nodecast.json("/readyz", 200).await;
    assert_eq!(watch_up(&nodecast).await, "nodecast_watch_up{cluster=\"c1\"} 0");

    let sim = Simulator::start(sim::Config { listen: address, ..quiet(4) }).await.unwrap();
    let back = eventually("the watch is reported healthy again", || async {
        let status = cluster_status(&nodecast).await;
        (status["watch_state"] == "watching").then_some(status)
    })
    .await;
    assert_eq!(back["stale"], false, "{back}");
    assert!(back["last_error"].is_null(), "the error clears on recovery: {back}");
    assert!(back["last_failure"].is_string(), "the failure stays on record: {back}");
    assert!(back["last_contact_time"].as_str() > down["last_contact_time"].as_str(), "{back}");
    assert_eq!(nodecast.json("/api/v1/nodes?cluster_name=c1", 200).await["stale"], false);
    let (connected, snapshot) = greeting(&nodecast).await;
    assert_eq!((connected["stale"].clone(), snapshot["stale"].clone()), (serde_json::json!([]), Value::Bool(false)));
    assert_eq!(watch_up(&nodecast).await, "nodecast_watch_up{cluster=\"c1\"} 1");
    nodecast.shutdown().await;
    sim.shutdown().await;
}
