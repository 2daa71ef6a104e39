//! What the tests share: a quiet simulator, a kube-rs client for it, and
//! helpers to read the API's error `Status`.

use kube::config::{KubeConfigOptions, Kubeconfig};
use nodecast::sim::{Config, Simulator};

/// A simulator with no churn and no heartbeats, so that tests decide every change.
pub fn quiet(nodes: u32) -> Config {
    Config { nodes, churn: 0.0, heartbeat_secs: 0.0, pods_per_node: 3, ..Config::default() }
}

/// A kube-rs client reaching `sim` through the kubeconfig it writes. Its
/// automatic retries are off: tests must see a 429 as the API answered it, not
/// wait out fifteen backed-off retries.
pub async fn client(sim: &Simulator) -> kube::Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig()).expect("the simulator's kubeconfig parses");
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("the simulator's kubeconfig is usable");
    config.default_retry = false;
    kube::Client::try_from(config).expect("a client builds")
}

/// The API `Status` of a failed call: (code, reason).
pub fn status<T: std::fmt::Debug>(result: kube::Result<T>) -> (u16, String) {
    match result {
        Err(kube::Error::Api(status)) => (status.code, status.reason.clone()),
        other => panic!("expected an API error Status, got {other:?}"),
    }
}

/// nodecast in process, serving its API on a loopback port.
pub struct Nodecast {
    pub app: nodecast::app::App,
    pub url: String,
    pub http: reqwest::Client,
    stop: tokio_util::sync::CancellationToken,
    served: tokio::task::JoinHandle<anyhow::Result<()>>,
    _files: tempfile::TempDir,
}

impl Nodecast {
    /// Starts nodecast watching each simulator as the cluster named with it.
    pub async fn watching(clusters: &[(&str, &Simulator)], edit: impl FnOnce(&mut nodecast::Config)) -> Self {
        let files = tempfile::tempdir().unwrap();
        let mut config = nodecast::Config::default();
        for (name, sim) in clusters {
            let path = files.path().join(format!("{name}.kubeconfig"));
            sim.write_kubeconfig(&path).unwrap();
            config.clusters.push(nodecast::source::ClusterConfig {
                name: (*name).to_owned(),
                kubeconfig: Some(path),
                context: None,
                in_cluster: false,
            });
        }
        edit(&mut config);
        let server = nodecast::server::Server::start(config, None).await.expect("nodecast starts");
        let app = server.app().clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = tokio_util::sync::CancellationToken::new();
        let served = tokio::spawn(server.serve(listener, stop.clone()));
        let nodecast = Self { app, url, http: reqwest::Client::new(), stop, served, _files: files };
        eventually("every cluster listed", || async { nodecast.app.ready().then_some(()) }).await;
        // The first list's additions reach WebSocket clients through the filter
        // stage: let it finish with them, so that a test's first event is its own.
        eventually("the first lists filtered", || async {
            let filtered = |c: &nodecast::app::Cluster| {
                let flow = c.flow().counts();
                flow.broadcast + flow.dropped == c.snapshot().seq
            };
            nodecast.app.clusters().iter().all(|c| filtered(c)).then_some(())
        })
        .await;
        nodecast
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.get(format!("{}{path}", self.url))
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.post(format!("{}{path}", self.url))
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.delete(format!("{}{path}", self.url))
    }

    /// GET `path` and its JSON body, asserting the status.
    pub async fn json(&self, path: &str, status: u16) -> serde_json::Value {
        let response = self.get(path).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.json().await.unwrap()
    }

    pub async fn shutdown(self) {
        self.stop.cancel();
        self.served.await.unwrap().unwrap();
    }
}

/// Polls `check` every 50 ms until it gives a value; panics after 15 s.
pub async fn eventually<T, F: std::future::Future<Output = Option<T>>>(what: &str, mut check: impl FnMut() -> F) -> T {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A committed example component of `plugins/dist/`.
pub fn component(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("plugins/dist/{name}.wasm"))
}

/// That component as a chain entry named after it: `keep` on error, a 20 ms
/// deadline, switched off after 3 failures in a row.
pub fn plugin(name: &str) -> nodecast::plugin::PluginConfig {
    nodecast::plugin::PluginConfig {
        name: name.to_owned(),
        path: component(name),
        clusters: vec!["*".into()],
        config: Default::default(),
        on_error: nodecast::plugin::OnError::Keep,
        timeout_ms: 20,
        memory_mb: 16,
        max_failures: 3,
    }
}

/// A WebSocket client's connection to nodecast.
pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text message as JSON, skipping pings; panics after 10 s.
pub async fn next(socket: &mut Socket) -> serde_json::Value {
    use futures::StreamExt;
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("a message in time")
            .expect("the socket is open")
            .expect("no error");
        if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            if value["type"] != "ping" {
                return value;
            }
        }
    }
}
