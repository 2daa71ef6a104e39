//! The WebSocket hub with a real WebSocket client (tokio-tungstenite): message
//! fields, resume without gaps, resync, isolation, guards, slow clients, pings.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use nodecast::auth::{Role, TokenConfig};
use nodecast::sim::{self, Resource, Simulator, Write};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::support::{Nodecast, Socket, next, quiet};

async fn connect(nodecast: &Nodecast, query: &str) -> Socket {
    let url = format!("{}/api/v1/ws/nodes?{query}", nodecast.url.replace("http", "ws"));
    tokio_tungstenite::connect_async(url).await.expect("the upgrade succeeds").0
}

/// Messages until `want` node events have arrived (or 10 s pass).
async fn node_events(socket: &mut Socket, want: usize) -> Vec<Value> {
    let mut events = Vec::new();
    while events.len() < want {
        let message = next(socket).await;
        if message["type"].as_str().unwrap().starts_with("node_") {
            events.push(message);
        }
    }
    events
}

fn label(sim: &Simulator, node: &str, value: &str) {
    sim.store()
        .update(Resource::Nodes, node, None, Write::Commit, |mut object| {
            object["metadata"]["labels"]["pool"] = json!(value);
            Ok(object)
        })
        .unwrap();
}

#[tokio::test]
async fn messages_carry_the_seeds_fields_and_ours() {
    let sim = Simulator::start(quiet(4)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let mut socket = connect(&nodecast, "cluster=c1").await;
    let connected = next(&mut socket).await;
    assert_eq!(
        (connected["type"].as_str(), connected["epoch"].as_str()),
        (Some("connected"), Some(nodecast.app.epoch()))
    );
    assert_eq!(next(&mut socket).await["type"], "subscribed");

    label(&sim, "node-0002", "blue");
    let event = &node_events(&mut socket, 1).await[0];
    for field in ["type", "cluster_name", "node_name", "data", "changes", "timestamp", "seq", "epoch", "prev", "tags"] {
        assert!(event.get(field).is_some(), "{field} missing from {event}");
    }
    assert_eq!(event["type"], "node_update");
    assert_eq!((event["cluster_name"].as_str(), event["node_name"].as_str()), (Some("c1"), Some("node-0002")));
    assert_eq!(event["changes"], json!(["Labels"]));
    assert_eq!(event["data"]["labels"]["pool"], "blue");
    assert_eq!(event["seq"].as_u64(), Some(5));
    assert!(event["timestamp"].as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().is_ok());

    sim.store().delete(Resource::Nodes, "node-0003", None, Write::Commit).unwrap();
    let deleted = &node_events(&mut socket, 1).await[0];
    assert_eq!((deleted["type"].as_str(), deleted["data"]["name"].as_str()), (Some("node_delete"), Some("node-0003")));
    assert_eq!(deleted["prev"], event["seq"]);

    let mut full = connect(&nodecast, "cluster=c1&view=full").await;
    next(&mut full).await;
    next(&mut full).await;
    label(&sim, "node-0001", "green");
    let event = &node_events(&mut full, 1).await[0];
    assert_eq!(event["data"]["kind"], "Node", "view=full sends the Kubernetes object");
    assert_eq!(event["data"]["metadata"]["labels"]["pool"], "green");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_across_a_disconnect_under_churn_has_no_gap_and_no_duplicate() {
    let sim = Simulator::start(sim::Config { churn: 400.0, ..quiet(40) }).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let mut witness = connect(&nodecast, "cluster=c1").await;
    next(&mut witness).await;
    next(&mut witness).await;

    let mut client = connect(&nodecast, "cluster=c1&snapshot=true").await;
    next(&mut client).await;
    let snapshot = next(&mut client).await;
    assert_eq!(snapshot["type"], "snapshot");
    let mut seqs = vec![snapshot["seq"].as_u64().unwrap()];
    let mut prevs = Vec::new();
    for event in node_events(&mut client, 40).await {
        seqs.push(event["seq"].as_u64().unwrap());
        prevs.push(event["prev"].as_u64().unwrap());
    }
    drop(client);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let since = *seqs.last().unwrap();
    let mut client = connect(&nodecast, &format!("cluster=c1&since={since}&epoch={}", nodecast.app.epoch())).await;
    next(&mut client).await;
    for event in node_events(&mut client, 60).await {
        seqs.push(event["seq"].as_u64().unwrap());
        prevs.push(event["prev"].as_u64().unwrap());
    }
    // Each event names the one before it: after the snapshot, the chain is unbroken.
    assert_eq!(prevs[0], seqs[0].max(prevs[0]), "the first event follows the snapshot");
    for (index, prev) in prevs.iter().enumerate().skip(1) {
        assert_eq!(*prev, seqs[index], "gap or duplicate before seq {}", seqs[index + 1]);
    }
    let unique: BTreeSet<u64> = seqs.iter().copied().collect();
    assert_eq!(unique.len(), seqs.len(), "no duplicate");

    let last = *seqs.last().unwrap();
    let mut witnessed = Vec::new();
    while witnessed.last().is_none_or(|seq| *seq < last) {
        witnessed.push(node_events(&mut witness, 1).await[0]["seq"].as_u64().unwrap());
    }
    let resumed: Vec<u64> = seqs.iter().copied().filter(|seq| *seq > seqs[1]).collect();
    let seen: Vec<u64> = witnessed.into_iter().filter(|seq| *seq > seqs[1]).collect();
    assert_eq!(resumed, seen, "the resumed client saw exactly what a connected one saw");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn since_older_than_the_history_or_another_epoch_means_resync() {
    let sim = Simulator::start(quiet(5)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| config.hub.history = 3).await;
    let mut watcher = connect(&nodecast, "cluster=c1").await;
    next(&mut watcher).await;
    next(&mut watcher).await;
    for round in 0..8 {
        label(&sim, "node-0004", &format!("r{round}"));
    }
    let last = node_events(&mut watcher, 8).await.last().unwrap()["seq"].as_u64().unwrap();

    let epoch = nodecast.app.epoch().to_owned();
    for query in
        [format!("cluster=c1&since={}&epoch={epoch}", last - 6), format!("cluster=c1&since={last}&epoch=other")]
    {
        let mut client = connect(&nodecast, &query).await;
        next(&mut client).await;
        let resync = next(&mut client).await;
        assert_eq!(resync["type"], "resync", "{query}");
        let snapshot = next(&mut client).await;
        assert_eq!((snapshot["type"].as_str(), snapshot["seq"].as_u64()), (Some("snapshot"), Some(last)));
        assert_eq!(snapshot["data"].as_array().unwrap().len(), 5);
    }
    let mut recent = connect(&nodecast, &format!("cluster=c1&since={}&epoch={epoch}", last - 2)).await;
    next(&mut recent).await;
    let replayed = node_events(&mut recent, 2).await;
    assert_eq!(replayed.iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>(), [last - 1, last]);
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn clients_of_one_cluster_never_see_another_clusters_messages() {
    let a = Simulator::start(quiet(3)).await.unwrap();
    let b = Simulator::start(quiet(3)).await.unwrap();
    let nodecast = Nodecast::watching(&[("a", &a), ("b", &b)], |_| {}).await;
    let mut socket = connect(&nodecast, "cluster=a").await;
    next(&mut socket).await;
    next(&mut socket).await;
    label(&b, "node-0001", "from-b");
    label(&a, "node-0002", "from-a");
    let event = &node_events(&mut socket, 1).await[0];
    assert_eq!((event["cluster_name"].as_str(), event["node_name"].as_str()), (Some("a"), Some("node-0002")));

    socket.send(Message::text(json!({"type": "subscribe", "data": "b"}).to_string())).await.unwrap();
    assert_eq!(next(&mut socket).await["type"], "subscribed");
    label(&b, "node-0003", "now");
    // b's earlier label may still have been on its way when the subscription
    // began, and arrive first: wait for this one.
    loop {
        let event = &node_events(&mut socket, 1).await[0];
        assert_eq!(event["cluster_name"], "b");
        if event["node_name"] == "node-0003" {
            break;
        }
    }
    socket.send(Message::text(json!({"type": "unsubscribe", "data": "b"}).to_string())).await.unwrap();
    loop {
        let message = next(&mut socket).await;
        if message["type"] == "unsubscribed" {
            break;
        }
        assert_eq!(message["cluster_name"], "b", "only b's events sent before the unsubscription: {message}");
    }
    label(&b, "node-0003", "later");
    label(&a, "node-0003", "later");
    assert_eq!(node_events(&mut socket, 1).await[0]["cluster_name"], "a");
    nodecast.shutdown().await;
    a.shutdown().await;
    b.shutdown().await;
}

fn handshake_status(result: Result<(Socket, impl Sized), WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => 101,
    }
}

#[tokio::test]
async fn tokens_cluster_access_and_origins_are_checked_before_the_upgrade() {
    let a = Simulator::start(quiet(2)).await.unwrap();
    let b = Simulator::start(quiet(2)).await.unwrap();
    let nodecast = Nodecast::watching(&[("a", &a), ("b", &b)], |config| {
        config.api.auth.enabled = true;
        config.api.auth.tokens = vec![TokenConfig {
            name: "viewer".into(),
            token: "viewer-token-0123456789".into(),
            role: Role::Viewer,
            clusters: vec!["a".into()],
        }];
        config.hub.allowed_origins = vec!["https://dash.example".into()];
    })
    .await;
    let base = nodecast.url.replace("http", "ws");
    let attempt = |query: &str, headers: &[(&'static str, &str)]| {
        let mut request = format!("{base}/api/v1/ws/nodes?{query}").into_client_request().unwrap();
        for (name, value) in headers {
            request.headers_mut().insert(*name, value.parse().unwrap());
        }
        tokio_tungstenite::connect_async(request)
    };
    assert_eq!(handshake_status(attempt("cluster=a", &[]).await), 401);
    assert_eq!(handshake_status(attempt("cluster=a&token=wrong-token-0000000", &[]).await), 401);
    assert_eq!(handshake_status(attempt("cluster=b&token=viewer-token-0123456789", &[]).await), 403);
    assert_eq!(handshake_status(attempt("cluster=a&token=viewer-token-0123456789", &[]).await), 101);
    let protocol = [("sec-websocket-protocol", "nodecast, bearer.viewer-token-0123456789")];
    assert_eq!(handshake_status(attempt("cluster=a", &protocol).await), 101);
    let header = [("authorization", "Bearer viewer-token-0123456789")];
    assert_eq!(handshake_status(attempt("cluster=a", &header).await), 101);
    let evil = [("authorization", "Bearer viewer-token-0123456789"), ("origin", "https://evil.example")];
    assert_eq!(handshake_status(attempt("cluster=a", &evil).await), 403);
    let listed = [("authorization", "Bearer viewer-token-0123456789"), ("origin", "https://dash.example")];
    assert_eq!(handshake_status(attempt("cluster=a", &listed).await), 101);

    let (mut socket, _) = attempt("token=viewer-token-0123456789", &[]).await.unwrap();
    next(&mut socket).await;
    socket.send(Message::text(json!({"type": "subscribe", "data": "b"}).to_string())).await.unwrap();
    let refused = next(&mut socket).await;
    assert_eq!(refused["type"], "error");
    assert!(refused["message"].as_str().unwrap().contains("\"b\""), "{refused}");
    let stats = nodecast.get("/api/v1/ws/stats").bearer_auth("viewer-token-0123456789").send().await.unwrap();
    let stats: Value = stats.json().await.unwrap();
    // 401s never reach the hub (the auth layer answers them); the 403s for the cluster and the origin do.
    assert!(stats["refused"].as_u64().unwrap() >= 2, "{stats}");
    nodecast.shutdown().await;
    a.shutdown().await;
    b.shutdown().await;
}

/// The slow client asks for full Node objects and does not read while
/// thousands of changes pass, so that its socket buffers fill and it falls
/// past its queue. Its blocked send must outlast the whole run, however slow
/// the machine: past the send timeout the session is closed as stuck instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_resynced_without_slowing_the_others() {
    let sim = Simulator::start(quiet(30)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| {
        config.hub.queue = 1024;
        config.hub.send_timeout_secs = 600.0;
    })
    .await;
    let mut slow = connect(&nodecast, "cluster=c1&view=full").await;
    let mut fast = connect(&nodecast, "cluster=c1").await;
    for socket in [&mut slow, &mut fast] {
        next(socket).await;
        next(socket).await;
    }
    let changes = 6000;
    let writer = {
        let store = sim.store().clone();
        tokio::task::spawn_blocking(move || {
            for round in 0..changes {
                store
                    .update(Resource::Nodes, &format!("node-{:04}", round % 30 + 1), None, Write::Commit, |mut node| {
                        node["metadata"]["annotations"]["round"] = json!(round.to_string());
                        Ok(node)
                    })
                    .unwrap();
                if round % 10 == 9 {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        })
    };
    let mut fast_events = Vec::new();
    while fast_events.len() < changes {
        let message = next(&mut fast).await;
        assert!(message["type"].as_str().unwrap().starts_with("node_"), "after {}: {message}", fast_events.len());
        fast_events.push(message);
    }
    writer.await.unwrap();
    let seqs: Vec<u64> = fast_events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "the fast client missed nothing");

    let mut resynced = false;
    loop {
        let message = next(&mut slow).await;
        match message["type"].as_str().unwrap() {
            "resync" => resynced = true,
            "snapshot" if resynced => {
                assert_eq!(message["seq"].as_u64(), seqs.last().copied());
                break;
            }
            _ => {}
        }
    }
    let stats = nodecast.json("/api/v1/ws/stats", 200).await;
    assert!(stats["resyncs"].as_u64().unwrap() >= 1, "{stats}");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

/// A client that reads nothing at all leaves its send blocked on a full socket;
/// past the send timeout it is dropped and counted, while others go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_whose_send_stays_blocked_is_dropped_as_too_slow() {
    let sim = Simulator::start(quiet(30)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| {
        config.hub.send_timeout_secs = 0.5;
        config.hub.ping_secs = 600.0;
    })
    .await;
    let mut stuck = connect(&nodecast, "cluster=c1&view=full").await;
    next(&mut stuck).await;
    next(&mut stuck).await;
    let store = sim.store().clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut round = 0;
    loop {
        let stats = nodecast.json("/api/v1/ws/stats", 200).await;
        if stats["slow_client_drops"].as_u64().unwrap() >= 1 && stats["connections"].as_u64() == Some(0) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never dropped: {stats}");
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            for step in 0..300 {
                let name = format!("node-{:04}", step % 30 + 1);
                store
                    .update(Resource::Nodes, &name, None, Write::Commit, |mut node| {
                        node["metadata"]["annotations"]["round"] = json!(format!("{round}-{step}"));
                        Ok(node)
                    })
                    .unwrap();
            }
        })
        .await
        .unwrap();
        round += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut after_drop = connect(&nodecast, "cluster=c1").await;
    assert_eq!(next(&mut after_drop).await["type"], "connected");
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stuck.next()).await.expect("the stream ends") {
            None | Some(Err(_)) => break,
            Some(Ok(_)) => {}
        }
    }
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_client_that_never_answers_pings_is_closed_with_a_reason() {
    let sim = Simulator::start(quiet(2)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| config.hub.ping_secs = 0.2).await;
    let mut answering = connect(&nodecast, "cluster=c1").await;
    let mut silent = connect(&nodecast, "cluster=c1").await;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1200);
    let mut pings = 0;
    while tokio::time::Instant::now() < deadline {
        let received = tokio::time::timeout(Duration::from_millis(100), answering.next()).await;
        if let Ok(Some(Ok(Message::Text(text)))) = received
            && text.contains("\"ping\"")
        {
            pings += 1;
            answering.send(Message::text(r#"{"type":"pong"}"#)).await.unwrap();
        }
    }
    assert!(pings >= 3, "JSON pings arrive every interval");
    // The silent client never read, so it never answered the protocol pings either.
    let mut close = None;
    while let Some(Ok(message)) = silent.next().await {
        if let Message::Close(frame) = message {
            close = frame;
            break;
        }
    }
    assert!(close.unwrap().reason.contains("no pong"));
    answering.send(Message::text(r#"{"type":"pong"}"#)).await.expect("the answering client is still connected");
    nodecast.shutdown().await;
    sim.shutdown().await;
}

async fn close_reason(socket: &mut Socket) -> String {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await.unwrap() {
            Some(Ok(Message::Close(Some(frame)))) => return frame.reason.to_string(),
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn client_limits_close_the_session_with_a_reason() {
    let a = Simulator::start(quiet(2)).await.unwrap();
    let b = Simulator::start(quiet(2)).await.unwrap();
    let nodecast = Nodecast::watching(&[("a", &a), ("b", &b)], |config| {
        config.hub.max_subscriptions = 1;
        config.hub.max_messages_per_sec = 5.0;
        config.hub.max_message_bytes = 256;
        config.hub.max_connections = 3;
    })
    .await;
    let mut socket = connect(&nodecast, "cluster=a").await;
    socket.send(Message::text(json!({"type": "subscribe", "data": "b"}).to_string())).await.unwrap();
    assert!(close_reason(&mut socket).await.contains("subscriptions"));
    // The server holds a closed session until the client's own close or the
    // connection's end (at most 1 s): dropping the socket ends it at once.
    drop(socket);

    let mut socket = connect(&nodecast, "").await;
    socket.send(Message::text("x".repeat(1000))).await.unwrap();
    assert!(close_reason(&mut socket).await.contains("larger than 256 bytes"));
    drop(socket);

    let mut socket = connect(&nodecast, "").await;
    for _ in 0..30 {
        if socket.send(Message::text(r#"{"type":"pong"}"#)).await.is_err() {
            break;
        }
    }
    assert!(close_reason(&mut socket).await.contains("messages per second"));
    drop(socket);

    let open: Vec<Socket> = futures::future::join_all((0..3).map(|_| connect(&nodecast, ""))).await;
    let url = format!("{}/api/v1/ws/nodes", nodecast.url.replace("http", "ws"));
    assert_eq!(handshake_status(tokio_tungstenite::connect_async(url).await), 503);
    drop(open);
    nodecast.shutdown().await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn the_alias_path_stats_and_test_push_work() {
    let sim = Simulator::start(quiet(2)).await.unwrap();
    let nodecast = Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let url = format!("{}/api/v1/nodes/ws?cluster=c1", nodecast.url.replace("http", "ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    next(&mut socket).await;
    next(&mut socket).await;
    let pushed = nodecast.post("/api/v1/ws/test?cluster=c1").json(&json!({"message": "hello"})).send().await.unwrap();
    let pushed: Value = pushed.json().await.unwrap();
    assert_eq!(pushed["delivered_to"].as_u64(), Some(1));
    let test = next(&mut socket).await;
    assert_eq!((test["type"].as_str(), test["data"].as_str()), (Some("test"), Some("hello")));
    let stats = nodecast.json("/api/v1/ws/stats", 200).await;
    assert_eq!((stats["connections"].as_u64(), stats["subscribers"]["c1"].as_u64()), (Some(1), Some(1)));
    assert!(stats["messages_sent"].as_u64().unwrap() >= 3);
    assert_eq!(nodecast.json("/api/v1/ws/ping", 200).await["status"], "ok");
    nodecast.shutdown().await;
    sim.shutdown().await;
}
