//! One WebSocket session: the checks before the upgrade (token, cluster access,
//! origin, connection limit), then a loop that forwards room broadcasts,
//! answers client messages under size and rate limits, pings, and closes with
//! a reason when something is wrong.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures::{FutureExt, SinkExt, StreamExt};
use poem::web::websocket::{CloseCode, Message, WebSocket, WebSocketConfig, WebSocketStream};
use poem::web::{Data, Query};
use poem::{IntoResponse, Request, Response, handler};
use prometheus_client::metrics::histogram::Histogram;
use serde::Deserialize;
use tokio_stream::StreamMap;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::Error as ApiError;
use crate::app::App;
use crate::auth::Principal;
use crate::hub::{Hub, Live, SlowClient, View, messages};

/// Query parameters of `/api/v1/ws/nodes`.
#[derive(Debug, Deserialize)]
pub struct Params {
    /// The cluster to subscribe to at once (more with `subscribe` messages).
    cluster: Option<String>,
    /// The last seq the client received on `cluster`: resume after it.
    since: Option<u64>,
    /// The epoch `since` belongs to; a different one means resync.
    epoch: Option<String>,
    /// Send the whole cluster first, as a `snapshot` message.
    #[serde(default)]
    snapshot: bool,
    /// `full` sends Kubernetes Node objects as `data` instead of summaries.
    view: Option<String>,
    /// Queued events leave as one frame holding a JSON array.
    #[serde(default)]
    batch: bool,
}

/// `GET /api/v1/ws/nodes` (and `/api/v1/nodes/ws`): upgrades to a session after its checks.
#[handler]
pub async fn upgrade(
    request: &Request,
    websocket: WebSocket,
    app: Data<&App>,
    principal: Data<&Principal>,
    params: Result<Query<Params>, poem::Error>,
) -> Response {
    let hub = app.hub().clone();
    let push_latency = app.metrics().push_latency_seconds.clone();
    let refuse = |error: ApiError| {
        hub.stats.refused.fetch_add(1, Ordering::Relaxed);
        error.into_response()
    };
    let Query(params) = match params {
        Ok(params) => params,
        Err(error) => return refuse(ApiError::bad_request(format!("query: {error}"))),
    };
    let view = match params.view.as_deref() {
        None | Some("summary") => View::Summary,
        Some("full") => View::Full,
        Some(other) => return refuse(ApiError::bad_request(format!("view: expected summary or full, got {other:?}"))),
    };
    if let Err(origin) = check_origin(&hub.config.allowed_origins, request) {
        return refuse(ApiError::forbidden(format!("origin {origin:?} is not allowed to connect")));
    }
    if let Some(cluster) = &params.cluster {
        if hub.room(cluster).is_none() {
            return refuse(ApiError::unknown_cluster(cluster));
        }
        if let Err(denied) = principal.may_view(cluster) {
            return refuse(denied.into());
        }
    }
    let open = hub.stats.connections.fetch_add(1, Ordering::SeqCst);
    if open >= hub.config.max_connections {
        hub.stats.connections.fetch_sub(1, Ordering::SeqCst);
        return refuse(ApiError::unavailable(format!(
            "too many WebSocket connections ({open}); the limit is hub.max_connections"
        )));
    }
    hub.stats.connections_total.fetch_add(1, Ordering::Relaxed);
    let principal = principal.clone();
    let offered_nodecast = request
        .header("sec-websocket-protocol")
        .is_some_and(|protocols| protocols.split(',').any(|p| p.trim() == "nodecast"));
    let websocket = if offered_nodecast { websocket.protocols(["nodecast"]) } else { websocket };
    // Clients send only small control messages: a small read buffer saves
    // 124 KiB per connection against the default, and the protocol-level cap
    // keeps a hostile client from making the server buffer a huge message
    // before the session's own size check can name the problem.
    let protocol_cap = (hub.config.max_message_bytes * 4).max(64 * 1024);
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .max_message_size(Some(protocol_cap))
        .max_frame_size(Some(protocol_cap));
    let websocket = websocket.config(config);
    websocket
        .on_upgrade(move |socket| async move {
            let mut session = Session::new(hub.clone(), push_latency, principal, socket, view, params.batch);
            session.run(params).await;
            hub.stats.connections.fetch_sub(1, Ordering::SeqCst);
        })
        .into_response()
}

/// Same origin, no origin (not a browser), or on the allow-list.
fn check_origin(allowed: &[String], request: &Request) -> Result<(), String> {
    let Some(origin) = request.header("origin") else { return Ok(()) };
    let host = request.header("host").unwrap_or_default();
    let same = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host);
    if same || allowed.iter().any(|allowed| allowed == "*" || allowed == origin) {
        Ok(())
    } else {
        Err(origin.to_owned())
    }
}

/// Why a session ends, sent as its close frame.
struct Close(CloseCode, String);

struct Subscription {
    /// Frames at or below this seq were already sent (by a replay or a snapshot).
    sent_through: u64,
}

struct Session {
    hub: Arc<Hub>,
    /// From a change's commit to its frame leaving for this client.
    push_latency: Histogram,
    principal: Principal,
    sink: futures::stream::SplitSink<WebSocketStream, Message>,
    stream: futures::stream::SplitStream<WebSocketStream>,
    live: StreamMap<String, BroadcastStream<Live>>,
    subscriptions: HashMap<String, Subscription>,
    view: View,
    batch: bool,
    last_pong: Instant,
    allowance: f64,
    allowance_at: Instant,
}

impl Session {
    fn new(
        hub: Arc<Hub>,
        push_latency: Histogram,
        principal: Principal,
        socket: WebSocketStream,
        view: View,
        batch: bool,
    ) -> Self {
        let (sink, stream) = socket.split();
        let allowance = hub.config.max_messages_per_sec * 2.0;
        Self {
            hub,
            push_latency,
            principal,
            sink,
            stream,
            live: StreamMap::new(),
            subscriptions: HashMap::new(),
            view,
            batch,
            last_pong: Instant::now(),
            allowance,
            allowance_at: Instant::now(),
        }
    }

    async fn run(&mut self, params: Params) {
        let clusters: Vec<String> = params.cluster.iter().cloned().collect();
        let result = self.serve(params, clusters).await;
        let Close(code, reason) = match result {
            Ok(()) => return,
            Err(close) => close,
        };
        tracing::debug!(?code, %reason, "closing WebSocket session");
        // 1006 names a connection that failed: no close frame can reach it,
        // and none may carry that code (RFC 6455, 7.4.1).
        if code == CloseCode::Abnormal {
            return;
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            if self.sink.send(Message::close_with(code, reason)).await.is_err() {
                return;
            }
            // Dropping the socket while the client's messages are unread
            // resets the connection, and the client loses the close frame
            // (a flooding client saw 1006 instead of 1008): read, and drop,
            // until its own close, as RFC 6455 (7.1.1) has the server do.
            while let Some(Ok(message)) = self.stream.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }

    async fn serve(&mut self, params: Params, clusters: Vec<String>) -> Result<(), Close> {
        let stale: Vec<String> = self
            .hub
            .rooms()
            .iter()
            .filter(|room| room.snapshot().stale && self.principal.may_view(&room.name).is_ok())
            .map(|room| room.name.to_string())
            .collect();
        self.send_text(messages::connected(&self.hub.epoch, &clusters, &stale)).await?;
        if let Some(cluster) = &params.cluster {
            let since = params.since.map(|since| (since, params.epoch.clone().unwrap_or_default()));
            self.subscribe(cluster, since, params.snapshot).await?;
        }
        let interval = Duration::from_secs_f64(self.hub.config.ping_secs);
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        let shutdown = self.hub.shutting_down();
        loop {
            tokio::select! {
                Some((cluster, item)) = self.live.next(), if !self.live.is_empty() => {
                    self.forward(cluster, item).await?;
                }
                message = self.stream.next() => match message {
                    Some(Ok(message)) => self.receive(message).await?,
                    Some(Err(_)) | None => return Ok(()),
                },
                _ = ping.tick() => {
                    if self.last_pong.elapsed() > interval * 2 {
                        return Err(Close(CloseCode::Policy, "no pong for two ping intervals".into()));
                    }
                    self.send(Message::ping(Vec::new())).await?;
                    self.send_text(messages::ping()).await?;
                }
                () = shutdown.cancelled() => return Err(Close(CloseCode::Away, "server shutting down".into())),
            }
        }
    }

    /// Sends what a room broadcast, batching whatever else is already queued when asked to.
    async fn forward(&mut self, cluster: String, item: Result<Live, BroadcastStreamRecvError>) -> Result<(), Close> {
        let mut batch: Vec<bytes::Bytes> = Vec::new();
        let mut next = Some((cluster, item));
        while let Some((cluster, item)) = next.take() {
            match item {
                Ok(Live::Node(frame)) => {
                    let Some(subscription) = self.subscriptions.get_mut(&cluster) else { continue };
                    if frame.seq <= subscription.sent_through {
                        continue;
                    }
                    subscription.sent_through = frame.seq;
                    let since_commit = (chrono::Utc::now() - frame.committed_at()).to_std().unwrap_or_default();
                    self.push_latency.observe(since_commit.as_secs_f64());
                    batch.push(frame.bytes(self.view).clone());
                }
                Ok(Live::Notice(bytes)) => batch.push(bytes),
                Ok(Live::Resync(reason)) => {
                    self.flush(&mut batch).await?;
                    self.resync(&cluster, reason).await?;
                }
                Err(BroadcastStreamRecvError::Lagged(missed)) => {
                    self.flush(&mut batch).await?;
                    if self.hub.config.slow_client == SlowClient::Close {
                        self.hub.stats.slow_client_drops.fetch_add(1, Ordering::Relaxed);
                        return Err(Close(CloseCode::Policy, format!("too slow: {missed} events behind on {cluster}")));
                    }
                    self.resync(&cluster, "the client fell too far behind").await?;
                }
            }
            // Whatever else is already queued leaves with this one: one flush, one syscall.
            if batch.len() < 512 {
                next = self.live.next().now_or_never().flatten();
            }
        }
        self.flush(&mut batch).await
    }

    /// Sends what `forward` gathered: one frame per event (written together, one
    /// flush), or with `batch=true` one frame holding them all as an array.
    async fn flush(&mut self, batch: &mut Vec<bytes::Bytes>) -> Result<(), Close> {
        if batch.is_empty() {
            return Ok(());
        }
        if !self.batch {
            for frame in std::mem::take(batch) {
                self.feed(Message::Text(utf8(&frame))).await?;
            }
            return self.send_buffered().await;
        }
        let mut array = Vec::with_capacity(batch.iter().map(|f| f.len() + 1).sum::<usize>() + 2);
        array.push(b'[');
        for (index, frame) in batch.drain(..).enumerate() {
            if index > 0 {
                array.push(b',');
            }
            array.extend_from_slice(&frame);
        }
        array.push(b']');
        self.send_bytes(&array).await
    }

    async fn receive(&mut self, message: Message) -> Result<(), Close> {
        let limit = self.hub.config.max_message_bytes;
        if message.as_bytes().len() > limit {
            return Err(Close(CloseCode::Size, format!("message larger than {limit} bytes")));
        }
        if matches!(message, Message::Text(_) | Message::Binary(_)) {
            self.spend_allowance()?;
        }
        let text = match message {
            Message::Pong(_) => {
                self.last_pong = Instant::now();
                return Ok(());
            }
            Message::Close(_) => return Ok(()),
            Message::Ping(_) => return Ok(()),
            Message::Text(text) => text,
            Message::Binary(_) => return self.send_text(messages::error("binary messages are not understood")).await,
        };
        #[derive(Deserialize)]
        struct ClientMessage {
            #[serde(rename = "type")]
            kind: String,
            data: Option<String>,
            since: Option<u64>,
            epoch: Option<String>,
            #[serde(default)]
            snapshot: bool,
        }
        let Ok(message) = serde_json::from_str::<ClientMessage>(&text) else {
            return self.send_text(messages::error("expected a JSON object with a \"type\"")).await;
        };
        match (message.kind.as_str(), message.data) {
            ("pong", _) => {
                self.last_pong = Instant::now();
                Ok(())
            }
            ("subscribe", Some(cluster)) => {
                let since = message.since.map(|since| (since, message.epoch.unwrap_or_default()));
                self.subscribe(&cluster, since, message.snapshot).await
            }
            ("unsubscribe", Some(cluster)) => {
                self.live.remove(&cluster);
                self.subscriptions.remove(&cluster);
                self.send_text(messages::subscribed(&cluster, false)).await
            }
            (kind @ ("subscribe" | "unsubscribe"), None) => {
                self.send_text(messages::error(&format!("{kind} needs \"data\": the cluster name"))).await
            }
            (other, _) => self.send_text(messages::error(&format!("unknown message type {other:?}"))).await,
        }
    }

    /// A token bucket: bursts of twice the rate, then the rate.
    fn spend_allowance(&mut self) -> Result<(), Close> {
        let rate = self.hub.config.max_messages_per_sec;
        let now = Instant::now();
        self.allowance = (self.allowance + now.duration_since(self.allowance_at).as_secs_f64() * rate).min(rate * 2.0);
        self.allowance_at = now;
        if self.allowance < 1.0 {
            return Err(Close(CloseCode::Policy, format!("more than {rate} messages per second")));
        }
        self.allowance -= 1.0;
        Ok(())
    }

    async fn subscribe(&mut self, cluster: &str, since: Option<(u64, String)>, snapshot: bool) -> Result<(), Close> {
        let Some(room) = self.hub.room(cluster) else {
            return self.send_text(messages::error(&format!("no cluster named {cluster:?}"))).await;
        };
        if let Err(denied) = self.principal.may_view(cluster) {
            return self.send_text(messages::error(&denied.to_string())).await;
        }
        if !self.subscriptions.contains_key(cluster) && self.subscriptions.len() >= self.hub.config.max_subscriptions {
            let limit = self.hub.config.max_subscriptions;
            return Err(Close(CloseCode::Policy, format!("more than {limit} subscriptions on one connection")));
        }
        let joined = room.join(since.as_ref().map(|(since, _)| *since));
        self.live.insert(cluster.to_owned(), BroadcastStream::new(joined.live));
        self.subscriptions.insert(cluster.to_owned(), Subscription { sent_through: 0 });
        match since {
            Some((_, epoch)) if epoch != *self.hub.epoch => self.resync(cluster, "the server's epoch changed").await?,
            Some((since, _)) => match joined.missed {
                Some(missed) => {
                    let last = missed.last().map_or(since, |frame| frame.seq);
                    for frame in missed {
                        self.send_bytes(&frame.render(self.view)).await?;
                    }
                    self.mark_sent(cluster, last);
                }
                None => self.resync(cluster, "the events after `since` are no longer in the history").await?,
            },
            None if snapshot => self.send_snapshot(cluster).await?,
            None => {}
        }
        // Whatever the start (a snapshot, a replay, nothing), `subscribed`
        // closes it: a client knows that what follows is live, and that a
        // resume with nothing missed has been heard.
        self.send_text(messages::subscribed(cluster, true)).await
    }

    async fn resync(&mut self, cluster: &str, reason: &str) -> Result<(), Close> {
        self.hub.stats.resyncs.fetch_add(1, Ordering::Relaxed);
        self.send_text(messages::resync(cluster, reason)).await?;
        self.send_snapshot(cluster).await
    }

    async fn send_snapshot(&mut self, cluster: &str) -> Result<(), Close> {
        let Some(room) = self.hub.room(cluster) else {
            return self.send_text(messages::error(&format!("no cluster named {cluster:?}"))).await;
        };
        let snapshot = room.snapshot();
        let message = messages::snapshot(cluster, &self.hub.epoch, &snapshot, self.view);
        self.mark_sent(cluster, snapshot.seq);
        self.send_bytes(&message).await
    }

    fn mark_sent(&mut self, cluster: &str, seq: u64) {
        if let Some(subscription) = self.subscriptions.get_mut(cluster) {
            subscription.sent_through = seq;
        }
    }

    async fn send_text(&mut self, text: String) -> Result<(), Close> {
        self.send(Message::Text(text)).await
    }

    async fn send_bytes(&mut self, bytes: &[u8]) -> Result<(), Close> {
        self.send(Message::Text(utf8(bytes))).await
    }

    async fn send(&mut self, message: Message) -> Result<(), Close> {
        self.feed(message).await?;
        self.send_buffered().await
    }

    /// Queues a message in the socket's buffer without flushing it.
    async fn feed(&mut self, message: Message) -> Result<(), Close> {
        let size = message.as_bytes().len() as u64;
        self.within_send_timeout(|sink| sink.feed(message)).await?;
        self.hub.stats.messages_sent.fetch_add(1, Ordering::Relaxed);
        self.hub.stats.bytes_sent.fetch_add(size, Ordering::Relaxed);
        Ok(())
    }

    async fn send_buffered(&mut self) -> Result<(), Close> {
        self.within_send_timeout(|sink| sink.flush()).await
    }

    async fn within_send_timeout<'a, F>(
        &'a mut self,
        operation: impl FnOnce(&'a mut futures::stream::SplitSink<WebSocketStream, Message>) -> F,
    ) -> Result<(), Close>
    where
        F: std::future::Future<Output = Result<(), std::io::Error>> + 'a,
    {
        let timeout = Duration::from_secs_f64(self.hub.config.send_timeout_secs);
        let stats = &self.hub.stats;
        match tokio::time::timeout(timeout, operation(&mut self.sink)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Close(CloseCode::Abnormal, "the connection failed".into())),
            Err(_) => {
                stats.slow_client_drops.fetch_add(1, Ordering::Relaxed);
                Err(Close(CloseCode::Policy, "too slow: a send did not complete in time".into()))
            }
        }
    }
}

/// Messages are serialized JSON, hence UTF-8; poem's text frames take an owned String.
fn utf8(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("messages are serialized JSON, hence UTF-8")
}
