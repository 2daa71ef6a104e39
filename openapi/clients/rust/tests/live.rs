//! The client against a live nodecast: run under `openapi/live.sh`, which
//! starts the servers and names them in `LIVE_*` variables.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use nodecast_client::events::{EventsError, NodeEvents, ServerMessage};
use nodecast_client::{Client, Error, types};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

fn live(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run these tests under openapi/live.sh"))
}

fn client_with_token(token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().expect("a header value"));
    let http = reqwest::Client::builder().default_headers(headers).build().expect("a client builds");
    Client::new_with_client(&live("LIVE_AUTH_URL"), http)
}

fn summary(view: &types::NodeView) -> &types::NodeSummary {
    view.subtype_0.as_ref().expect("a summary")
}

fn status_and_code<T: std::fmt::Debug>(result: Result<T, Error<types::ErrorBody>>) -> (u16, String) {
    match result.expect_err("the call fails") {
        Error::ErrorResponse(response) => (response.status().as_u16(), response.code.clone()),
        other => panic!("not a documented error response: {other:?}"),
    }
}

fn kubectl(args: &[&str]) {
    let output = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(live("LIVE_KUBECONFIG"))
        .args(args)
        .output()
        .expect("kubectl runs");
    assert!(output.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

#[tokio::test]
async fn lists_and_gets_nodes() {
    let client = Client::new(&live("LIVE_URL"));
    let list = client.list_nodes().cluster_name("demo").send().await.expect("the list").into_inner();
    // The simulator's churn adds and deletes nodes, so the count is near 30, not 30.
    assert_eq!(list.items.len() as u64, list.total);
    assert!((20..=40).contains(&list.total), "{} nodes", list.total);
    let names: Vec<&str> = list.items.iter().map(|item| summary(item).name.as_str()).collect();
    assert!(names.windows(2).all(|pair| pair[0] < pair[1]), "sorted by name: {names:?}");

    let node = client.get_cluster_node().cluster("demo").node("node-0003").send().await.expect("the node").into_inner();
    assert_eq!(node.cluster_name, "demo");
    assert_eq!(summary(&node.node).name, "node-0003");

    let full = client
        .get_cluster_node()
        .cluster("demo")
        .node("node-0003")
        .view(types::View::Full)
        .send()
        .await
        .expect("the full node")
        .into_inner();
    let object = full.node.subtype_1.as_ref().expect("the Kubernetes object");
    assert_eq!(object.kind.as_deref(), Some("Node"));
    assert_eq!(object.metadata["name"], "node-0003");
}

async fn node_names(client: &Client) -> BTreeSet<String> {
    let list = client.list_nodes().cluster_name("demo").send().await.expect("the list").into_inner();
    list.items.iter().map(|item| summary(item).name.clone()).collect()
}

#[tokio::test]
async fn pages_with_continue_until_done() {
    let client = Client::new(&live("LIVE_URL"));
    let before = node_names(&client).await;
    let mut walked = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut request = client.list_nodes().cluster_name("demo").limit(7);
        if let Some(token) = token.take() {
            request = request.continue_(token);
        }
        let page = request.send().await.expect("a page").into_inner();
        pages += 1;
        assert!(page.items.len() <= 7);
        walked.extend(page.items.iter().map(|item| summary(item).name.clone()));
        match page.continue_ {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    let after = node_names(&client).await;
    assert!(pages >= 3, "about 30 nodes in pages of 7: {pages} pages");
    let distinct: BTreeSet<&String> = walked.iter().collect();
    assert_eq!(distinct.len(), walked.len(), "no node twice: {walked:?}");
    for name in before.intersection(&after) {
        assert!(distinct.contains(name), "{name} existed throughout but was not walked: {walked:?}");
    }
}

#[tokio::test]
async fn registers_and_deletes_a_cluster() {
    let client = Client::new(&live("LIVE_URL"));
    let kubeconfig = std::fs::read_to_string(live("LIVE_KUBECONFIG")).expect("the kubeconfig");
    let body = types::RegisterCluster { name: "rust-sdk".into(), kubeconfig, context: None };
    let registered = client.register_cluster().body(body).send().await.expect("registered").into_inner();
    assert_eq!(registered.name, "rust-sdk");
    assert_eq!(registered.origin, types::ClusterOrigin::Api);

    let listed = client.list_clusters().send().await.expect("the clusters").into_inner();
    assert!(listed.iter().any(|cluster| cluster.name == "rust-sdk"), "{listed:?}");

    client.unregister_cluster().name("rust-sdk").send().await.expect("deleted");
    let listed = client.list_clusters().send().await.expect("the clusters").into_inner();
    assert!(!listed.iter().any(|cluster| cluster.name == "rust-sdk"), "{listed:?}");
    assert_eq!(status_and_code(client.unregister_cluster().name("rust-sdk").send().await), (404, "not_found".into()));
}

#[tokio::test]
async fn errors_are_typed() {
    let client = Client::new(&live("LIVE_URL"));
    let (status, code) = status_and_code(client.get_cluster_node().cluster("demo").node("no-such-node").send().await);
    assert_eq!((status, code.as_str()), (404, "not_found"));
    let (status, code) = status_and_code(client.list_nodes().cluster_name("demo").fields("name,colour").send().await);
    assert_eq!((status, code.as_str()), (400, "bad_request"));

    let anonymous = Client::new(&live("LIVE_AUTH_URL"));
    let (status, code) = status_and_code(anonymous.list_nodes().cluster_name("demo").send().await);
    assert_eq!((status, code.as_str()), (401, "unauthorized"));

    let viewer = client_with_token(&live("LIVE_VIEWER_TOKEN"));
    viewer.list_nodes().cluster_name("demo").send().await.expect("a viewer reads");
    let (status, code) = status_and_code(viewer.cordon_node().cluster("demo").node("node-0001").send().await);
    assert_eq!((status, code.as_str()), (403, "forbidden"));
}

/// A TCP relay between the WebSocket client and the server whose open
/// connections the test can cut, as a network failure would.
struct Relay {
    address: String,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = format!("http://{}", listener.local_addr().expect("an address"));
        let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accepted = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                accepted.lock().expect("not poisoned").push(relay);
            }
        });
        Relay { address, connections }
    }

    fn cut(&self) {
        for connection in self.connections.lock().expect("not poisoned").drain(..) {
            connection.abort();
        }
    }
}

#[tokio::test]
async fn events_follow_kubectl_and_resume_after_a_cut_with_no_gap() {
    let base_url = live("LIVE_URL");
    let relay = Relay::start(base_url.trim_start_matches("http://").to_owned()).await;
    let client = Client::new(&base_url);
    let list = client.list_nodes().cluster_name("demo").limit(1).send().await.expect("the list").into_inner();
    let events = NodeEvents::new(&relay.address)
        .resume("demo", list.seq, list.epoch.clone())
        .backoff(Duration::from_secs(2), Duration::from_secs(4));
    let mut events = Box::pin(events.stream());

    let mut last_seq = list.seq;
    let mut next_update = async |events: &mut std::pin::Pin<Box<_>>, value: &str, disconnects: &mut u32| loop {
        let item = tokio::time::timeout(Duration::from_secs(30), StreamExt::next(events))
            .await
            .expect("an event within 30 s")
            .expect("the stream goes on");
        match item {
            Ok(ServerMessage::NodeUpdate(event))
            | Ok(ServerMessage::NodeAdd(event))
            | Ok(ServerMessage::NodeDelete(event)) => {
                assert_eq!(event.prev, last_seq, "contiguous: {event:?}");
                last_seq = event.seq;
                let labels = event.data.subtype_0.as_ref().map(|summary| &summary.labels);
                if event.node_name == "node-0007"
                    && event.changes.iter().any(|change| change == "Labels")
                    && labels.and_then(|labels| labels.get("sdk-test")).map(String::as_str) == Some(value)
                {
                    return event;
                }
            }
            Ok(ServerMessage::Resync { reason, .. }) => panic!("a resync ({reason}) where a resume was possible"),
            Ok(_) => {}
            Err(EventsError::Disconnected { .. }) => *disconnects += 1,
            Err(other) => panic!("the stream ended: {other}"),
        }
    };

    let mut disconnects = 0;
    kubectl(&["label", "node", "node-0007", "sdk-test=rust-1", "--overwrite"]);
    next_update(&mut events, "rust-1", &mut disconnects).await;
    assert_eq!(disconnects, 0);

    relay.cut();
    kubectl(&["label", "node", "node-0007", "sdk-test=rust-2", "--overwrite"]);
    // next_update holds each event's prev to the seq before it, across the cut.
    next_update(&mut events, "rust-2", &mut disconnects).await;
    assert!(disconnects >= 1, "the cut was noticed");
}
