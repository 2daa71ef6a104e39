//! nodecast's WebSocket as a `Stream` of typed messages. Underneath it keeps
//! each cluster's last `seq` and the server's epoch, answers pings, reconnects
//! with exponential backoff and resumes where it stopped, so a consumer sees
//! every change once and in order; when the server can no longer replay (it
//! restarted, or the gap outgrew its history) the stream carries its `resync`
//! and then the `snapshot` that replaces the consumer's state.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{SinkExt, Stream, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest, http};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::types;

/// A message from the server. Pings are answered underneath and not passed on.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Connected {
        epoch: String,
        clusters: Vec<String>,
        /// Clusters whose watch is down: their data may be out of date.
        stale: Vec<String>,
        timestamp: DateTime<Utc>,
    },
    NodeAdd(NodeEvent),
    NodeUpdate(NodeEvent),
    NodeDelete(NodeEvent),
    /// Every node of the cluster at `seq`; the events that follow build on it.
    Snapshot {
        cluster_name: String,
        epoch: String,
        seq: u64,
        stale: bool,
        data: Vec<types::NodeView>,
        timestamp: DateTime<Utc>,
    },
    /// The server cannot replay what this client missed; a `Snapshot` follows.
    Resync {
        cluster_name: String,
        reason: String,
        timestamp: DateTime<Utc>,
    },
    Ping {
        timestamp: DateTime<Utc>,
    },
    Subscribed {
        cluster_name: String,
        timestamp: DateTime<Utc>,
    },
    Unsubscribed {
        cluster_name: String,
        timestamp: DateTime<Utc>,
    },
    Error {
        message: String,
        timestamp: DateTime<Utc>,
    },
    Test {
        cluster_name: String,
        data: String,
        timestamp: DateTime<Utc>,
    },
    /// A drain's progress, outside the event stream (no `seq`).
    Operation {
        cluster_name: String,
        data: Box<types::Operation>,
        timestamp: DateTime<Utc>,
    },
}

/// A `node_add`, `node_update` or `node_delete`.
#[derive(Debug, Clone, Deserialize)]
pub struct NodeEvent {
    pub cluster_name: String,
    pub node_name: String,
    /// The summary, or the Kubernetes Node with `View::Full`; for a delete,
    /// the last known state.
    pub data: types::NodeView,
    /// What changed: `Schedulable`, `Labels`, `Taints`, `Conditions`, …
    pub changes: Vec<String>,
    pub timestamp: DateTime<Utc>,
    pub seq: u64,
    pub epoch: String,
    /// The seq of the cluster's previous event.
    pub prev: u64,
    /// What the server's filter plugins tagged the event with.
    pub tags: BTreeMap<String, String>,
}

/// Why an item of the stream is not a message.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// The connection failed or dropped; the stream reconnects after `retry_in`
    /// and resumes.
    #[error("disconnected ({reason}); reconnecting in {retry_in:?}")]
    Disconnected { reason: String, retry_in: Duration },
    /// The server refused the upgrade (a bad token, a forbidden cluster, a
    /// wrong origin); the stream ends.
    #[error("the server refused the WebSocket with {status}: {body}")]
    Refused { status: u16, body: String },
    /// The address cannot be used for a WebSocket; the stream ends.
    #[error("bad address: {0}")]
    BadAddress(String),
}

/// Which form node data takes in events and snapshots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EventView {
    #[default]
    Summary,
    /// The Kubernetes Node objects.
    Full,
}

/// Where and what to subscribe to; `stream()` opens it.
#[derive(Debug, Clone)]
pub struct NodeEvents {
    base_url: String,
    token: Option<String>,
    view: EventView,
    snapshot: bool,
    clusters: Vec<String>,
    positions: HashMap<String, u64>,
    epoch: Option<String>,
    backoff_start: Duration,
    backoff_max: Duration,
}

impl NodeEvents {
    /// `base_url` is the server's, as for `Client::new` (`http://host:8080`).
    pub fn new(base_url: impl Into<String>) -> Self {
        NodeEvents {
            base_url: base_url.into(),
            token: None,
            view: EventView::Summary,
            snapshot: false,
            clusters: Vec::new(),
            positions: HashMap::new(),
            epoch: None,
            backoff_start: Duration::from_millis(100),
            backoff_max: Duration::from_secs(10),
        }
    }

    pub fn cluster(mut self, cluster: impl Into<String>) -> Self {
        self.clusters.push(cluster.into());
        self
    }

    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn view(mut self, view: EventView) -> Self {
        self.view = view;
        self
    }

    /// Start each cluster with a `snapshot` of all its nodes.
    pub fn snapshot(mut self, snapshot: bool) -> Self {
        self.snapshot = snapshot;
        self
    }

    /// Start after `seq` of `cluster`, as a REST list's `seq` and `epoch` give
    /// it: list, then subscribe, and miss nothing in between.
    pub fn resume(mut self, cluster: impl Into<String>, seq: u64, epoch: impl Into<String>) -> Self {
        let cluster = cluster.into();
        if !self.clusters.contains(&cluster) {
            self.clusters.push(cluster.clone());
        }
        self.positions.insert(cluster, seq);
        self.epoch = Some(epoch.into());
        self
    }

    /// The first wait before a reconnect and its ceiling; it doubles per failure.
    pub fn backoff(mut self, start: Duration, max: Duration) -> Self {
        self.backoff_start = start;
        self.backoff_max = max;
        self
    }

    /// Connects lazily, on the first poll. Items are messages, or errors: a
    /// `Disconnected` is a notice (the stream goes on), after a `Refused` or
    /// `BadAddress` the stream ends.
    pub fn stream(self) -> impl Stream<Item = Result<ServerMessage, EventsError>> + Send + 'static {
        let session = Session { config: self, socket: None, failures: 0, ended: false };
        futures::stream::unfold(session, |mut session| async move {
            let item = session.next().await?;
            Some((item, session))
        })
    }

    fn url(&self) -> Result<String, EventsError> {
        let base = self.base_url.trim_end_matches('/');
        let scheme_and_rest = if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else {
            return Err(EventsError::BadAddress(format!("{base} is not an http:// or https:// address")));
        };
        let view = match self.view {
            EventView::Summary => "summary",
            EventView::Full => "full",
        };
        Ok(format!("{scheme_and_rest}/api/v1/ws/nodes?view={view}"))
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Session {
    config: NodeEvents,
    socket: Option<Socket>,
    failures: u32,
    ended: bool,
}

impl Session {
    async fn next(&mut self) -> Option<Result<ServerMessage, EventsError>> {
        loop {
            if self.ended {
                return None;
            }
            if self.socket.is_none() {
                if self.failures > 0 {
                    tokio::time::sleep(self.retry_delay()).await;
                }
                match self.connect().await {
                    Ok(socket) => {
                        self.socket = Some(socket);
                        self.failures = 0;
                    }
                    Err(ConnectError::Final(error)) => {
                        self.ended = true;
                        return Some(Err(error));
                    }
                    Err(ConnectError::Retry(reason)) => return Some(Err(self.disconnected(reason))),
                }
            }
            let socket = self.socket.as_mut().expect("connected above");
            let frame = match socket.next().await {
                Some(Ok(frame)) => frame,
                Some(Err(error)) => return Some(Err(self.disconnected(error.to_string()))),
                None => return Some(Err(self.disconnected("the server closed the connection".to_owned()))),
            };
            let text = match frame {
                Message::Text(text) => text,
                Message::Close(close) => {
                    let reason = close.map_or_else(
                        || "closed without a reason".to_owned(),
                        |frame| format!("closed with {}: {}", u16::from(frame.code), frame.reason),
                    );
                    return Some(Err(self.disconnected(reason)));
                }
                // Protocol pings are answered by tungstenite itself.
                _ => continue,
            };
            let message: ServerMessage = match serde_json::from_str(&text) {
                Ok(message) => message,
                Err(error) => {
                    return Some(Err(self.disconnected(format!("an undecodable message ({error}): {text}"))));
                }
            };
            if let Some(item) = self.accept(message).await {
                return Some(item);
            }
        }
    }

    /// Updates the positions from a message; `None` when it is not passed on.
    async fn accept(&mut self, message: ServerMessage) -> Option<Result<ServerMessage, EventsError>> {
        match &message {
            ServerMessage::Ping { .. } => {
                let pong = Message::text(json!({"type": "pong"}).to_string());
                if let Err(error) = self.socket.as_mut()?.send(pong).await {
                    return Some(Err(self.disconnected(error.to_string())));
                }
                return None;
            }
            // A known epoch stays: subscribing with it is how the server
            // tells a restart (it answers with a resync) from a reconnect.
            ServerMessage::Connected { epoch, .. } if self.config.epoch.is_none() => {
                self.config.epoch = Some(epoch.clone());
            }
            ServerMessage::NodeAdd(event) | ServerMessage::NodeUpdate(event) | ServerMessage::NodeDelete(event) => {
                let last = self.config.positions.get(&event.cluster_name).copied();
                if let Some(last) = last
                    && event.prev != last
                {
                    // The server promises a contiguous stream; reconnecting
                    // from the last seq asks it for exactly what is missing.
                    let reason =
                        format!("a gap in {}: an event with prev {} after seq {last}", event.cluster_name, event.prev);
                    return Some(Err(self.disconnected(reason)));
                }
                self.config.positions.insert(event.cluster_name.clone(), event.seq);
                self.config.epoch = Some(event.epoch.clone());
            }
            ServerMessage::Snapshot { cluster_name, epoch, seq, .. } => {
                self.config.positions.insert(cluster_name.clone(), *seq);
                self.config.epoch = Some(epoch.clone());
            }
            _ => {}
        }
        Some(Ok(message))
    }

    async fn connect(&self) -> Result<Socket, ConnectError> {
        let url = self.config.url().map_err(ConnectError::Final)?;
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|error| ConnectError::Final(EventsError::BadAddress(format!("{url}: {error}"))))?;
        if let Some(token) = &self.config.token {
            let value = http::HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| ConnectError::Final(EventsError::BadAddress("the token is not a header value".into())))?;
            request.headers_mut().insert(http::header::AUTHORIZATION, value);
        }
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.map_err(|error| match error {
            tungstenite::Error::Http(response) if response.status().is_client_error() => {
                ConnectError::Final(EventsError::Refused {
                    status: response.status().as_u16(),
                    body: response
                        .body()
                        .as_ref()
                        .map(|body| String::from_utf8_lossy(body).into_owned())
                        .unwrap_or_default(),
                })
            }
            other => ConnectError::Retry(other.to_string()),
        })?;
        for cluster in &self.config.clusters {
            let mut subscribe = json!({"type": "subscribe", "data": cluster});
            match (self.config.positions.get(cluster), &self.config.epoch) {
                (Some(seq), Some(epoch)) => {
                    subscribe["since"] = json!(seq);
                    subscribe["epoch"] = json!(epoch);
                }
                _ => subscribe["snapshot"] = json!(self.config.snapshot),
            }
            socket
                .send(Message::text(subscribe.to_string()))
                .await
                .map_err(|error| ConnectError::Retry(error.to_string()))?;
        }
        Ok(socket)
    }

    fn disconnected(&mut self, reason: String) -> EventsError {
        self.socket = None;
        self.failures += 1;
        EventsError::Disconnected { reason, retry_in: self.retry_delay() }
    }

    fn retry_delay(&self) -> Duration {
        let doublings = self.failures.saturating_sub(1).min(16);
        (self.config.backoff_start * 2u32.pow(doublings)).min(self.config.backoff_max)
    }
}

enum ConnectError {
    Final(EventsError),
    Retry(String),
}
