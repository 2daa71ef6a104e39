//! The hub: WebSocket broadcast of the filter stage's events.
//!
//! One room per cluster. The filter stage hands each kept event to its room
//! ([`Room::publish`]), which appends a [`Frame`] to the history ring and
//! broadcasts it as a [`Message`], serialized once per view: every subscriber
//! gets the same bytes. A client that reconnects with `since` and `epoch`
//! receives exactly what it missed from the ring, or `resync` and a `snapshot`
//! when that is no longer possible. A client too slow for the broadcast buffer
//! never grows memory: it lags, and is then resynced or closed.
//!
//! It reads the cache (for snapshots) and never writes it. It knows nothing of
//! HTTP, authentication, plugins or the app: the sessions that speak the
//! protocol live with the other HTTP handlers (`api::session`).

pub mod messages;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet};
use prometheus_client::metrics::MetricType;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::cache::{self, Change, StoredJson};
use crate::filter::Event;

/// The live dashboard served at `/`: plain HTML, CSS and JavaScript, no build step.
pub const DASHBOARD: &str = include_str!("dashboard.html");

/// Settings of the WebSocket hub (`[hub]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Events kept per cluster for clients that resume with `since`.
    pub history: usize,
    /// Events a client may fall behind the broadcast before `slow_client` applies.
    pub queue: usize,
    /// What happens to a client past its queue: `resync` (a fresh snapshot) or `close`.
    pub slow_client: SlowClient,
    /// Seconds between pings (protocol ping and the JSON `{"type":"ping"}`); a
    /// session with no pong for two intervals is closed.
    pub ping_secs: f64,
    /// Seconds a single send may take before the session is closed as stuck.
    pub send_timeout_secs: f64,
    /// Largest message a client may send, in bytes.
    pub max_message_bytes: usize,
    /// Messages per second a client may send (bursts of twice that are allowed).
    pub max_messages_per_sec: f64,
    /// Clusters one connection may subscribe to.
    pub max_subscriptions: usize,
    /// Open WebSocket connections, in all.
    pub max_connections: usize,
    /// `Origin`s allowed to connect, besides the server's own origin and
    /// clients that send none; `"*"` allows any.
    pub allowed_origins: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            history: 10_000,
            queue: 4_096,
            slow_client: SlowClient::Resync,
            ping_secs: 30.0,
            send_timeout_secs: 10.0,
            max_message_bytes: 4_096,
            max_messages_per_sec: 20.0,
            max_subscriptions: 16,
            max_connections: 20_000,
            allowed_origins: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlowClient {
    Resync,
    Close,
}

impl Config {
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (key, value) in [
            ("hub.history", self.history),
            ("hub.queue", self.queue),
            ("hub.max_message_bytes", self.max_message_bytes),
            ("hub.max_subscriptions", self.max_subscriptions),
            ("hub.max_connections", self.max_connections),
        ] {
            if value == 0 {
                return Err((key.to_owned(), "must be at least 1".to_owned()));
            }
        }
        for (key, value) in [
            ("hub.ping_secs", self.ping_secs),
            ("hub.send_timeout_secs", self.send_timeout_secs),
            ("hub.max_messages_per_sec", self.max_messages_per_sec),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err((key.to_owned(), format!("must be a number > 0, got {value}")));
            }
        }
        Ok(())
    }
}

/// One committed change, as the history ring keeps it: what its messages are
/// made of, not the messages. The summary's JSON is the cache's own (shared
/// while the node is unchanged) and the full JSON the cache's stored bytes, so
/// a ring of thousands of frames costs little more than their change records.
pub struct Frame {
    pub seq: u64,
    /// Tags the plugin chain added.
    tags: Vec<(String, String)>,
    /// The seq of the previous frame broadcast on this cluster's stream.
    pub prev: u64,
    /// The change without its nodes: a frame in the history must not keep node
    /// versions alive, only what its messages need.
    change: Change,
    summary_json: Option<Arc<RawValue>>,
    full_json: Option<StoredJson>,
    cluster: Arc<str>,
    epoch: Arc<str>,
}

impl Frame {
    /// The frame's message in `view`, serialized anew: for a client resuming
    /// from the ring. Live subscribers share one [`Message`] instead.
    pub fn render(&self, view: View) -> Bytes {
        let data = |out: &mut Vec<u8>| match (view, &self.summary_json, &self.full_json) {
            (View::Summary, Some(json), _) => out.extend_from_slice(json.get().as_bytes()),
            (View::Full, _, Some(json)) => json.write_to(out),
            _ => out.extend_from_slice(b"null"),
        };
        messages::node_event(&self.change, &self.cluster, &self.epoch, self.prev, &self.tags, data)
    }

    /// When the change was committed to the cache.
    pub fn committed_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.change.at
    }
}

/// A frame as broadcast: its messages serialized once for every live
/// subscriber, the summary at once and the full view by its first reader.
/// Dropped once every subscriber has sent it.
pub struct Message {
    pub frame: Arc<Frame>,
    summary: Bytes,
    full: OnceLock<Bytes>,
}

impl Message {
    pub fn bytes(&self, view: View) -> &Bytes {
        match view {
            View::Summary => &self.summary,
            View::Full => self.full.get_or_init(|| self.frame.render(View::Full)),
        }
    }
}

impl std::ops::Deref for Message {
    type Target = Frame;

    fn deref(&self) -> &Frame {
        &self.frame
    }
}

/// What a session shows of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Summary,
    Full,
}

/// What a room broadcasts.
#[derive(Clone)]
pub enum Live {
    Node(Arc<Message>),
    /// The stream broke (the relay fell behind the pipeline): everyone must resync.
    Resync(&'static str),
    /// A message outside the event stream, with no seq: a test pushed through
    /// `POST /api/v1/ws/test`, an operation's progress.
    Notice(Bytes),
}

/// A cluster's broadcast: its history ring and live channel.
pub struct Room {
    pub name: Arc<str>,
    epoch: Arc<str>,
    reader: cache::Reader,
    /// The ring and `last_seq` change together under this lock, with the
    /// broadcast, so that a subscriber can copy the ring and join the live
    /// stream with no gap and no overlap.
    ring: Mutex<Ring>,
    live: broadcast::Sender<Live>,
}

struct Ring {
    frames: VecDeque<Arc<Frame>>,
    last_seq: u64,
    capacity: usize,
}

/// What a subscriber gets when it joins a room.
pub struct Joined {
    pub live: broadcast::Receiver<Live>,
    /// Frames after `since`, or `None` when they are no longer all in the ring.
    pub missed: Option<Vec<Arc<Frame>>>,
}

impl Room {
    /// Joins the live stream; with `since`, also takes the frames after it.
    pub fn join(&self, since: Option<u64>) -> Joined {
        let ring = self.ring.lock();
        let live = self.live.subscribe();
        let missed = since.and_then(|since| {
            if since == ring.last_seq {
                return Some(Vec::new());
            }
            let start = ring.frames.iter().position(|frame| frame.prev == since)?;
            Some(ring.frames.iter().skip(start).cloned().collect())
        });
        Joined { live, missed }
    }

    /// The cache snapshot, for `snapshot` messages.
    pub fn snapshot(&self) -> Arc<cache::Snapshot> {
        self.reader.load()
    }

    /// The seq of the last event broadcast (0 before the first).
    pub fn last_seq(&self) -> u64 {
        self.ring.lock().last_seq
    }

    pub fn subscribers(&self) -> usize {
        self.live.receiver_count()
    }

    /// Broadcasts an event to the room's subscribers and keeps it for those
    /// who resume later. Its messages are serialized here, once, for everyone.
    pub fn publish(&self, event: Event) {
        let mut ring = self.ring.lock();
        let prev = ring.last_seq;
        let node = event.change.after.as_ref().or(event.change.before.as_ref());
        let frame = Arc::new(Frame {
            seq: event.change.seq,
            tags: event.tags,
            prev,
            change: Change { before: None, after: None, ..(*event.change).clone() },
            summary_json: node.map(|node| node.shared_summary_json().clone()),
            full_json: node.map(|node| node.full_json().clone()),
            cluster: self.name.clone(),
            epoch: self.epoch.clone(),
        });
        ring.last_seq = frame.seq;
        if ring.frames.len() == ring.capacity {
            ring.frames.pop_front();
        }
        ring.frames.push_back(frame.clone());
        let summary = frame.render(View::Summary);
        let _ = self.live.send(Live::Node(Arc::new(Message { frame, summary, full: OnceLock::new() })));
    }

    /// The stream broke upstream: what was kept cannot be resumed from, and
    /// every subscriber must start over from a snapshot.
    pub fn break_stream(&self, reason: &'static str) {
        let mut ring = self.ring.lock();
        ring.frames.clear();
        let _ = self.live.send(Live::Resync(reason));
    }
}

/// Counters of `/api/v1/ws/stats`.
#[derive(Default)]
pub struct Stats {
    pub connections: AtomicUsize,
    pub connections_total: AtomicU64,
    pub refused: AtomicU64,
    pub messages_sent: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub resyncs: AtomicU64,
    pub slow_client_drops: AtomicU64,
}

/// [`Stats`] read at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsCounts {
    pub connections: u64,
    pub connections_total: u64,
    pub refused: u64,
    pub messages_sent: u64,
    pub bytes_sent: u64,
    pub resyncs: u64,
    pub slow_client_drops: u64,
}

impl Stats {
    pub fn counts(&self) -> StatsCounts {
        StatsCounts {
            connections: self.connections.load(Ordering::Relaxed) as u64,
            connections_total: self.connections_total.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            messages_sent: self.messages_sent.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            resyncs: self.resyncs.load(Ordering::Relaxed),
            slow_client_drops: self.slow_client_drops.load(Ordering::Relaxed),
        }
    }
}

/// The hub; one per server.
pub struct Hub {
    pub config: Config,
    pub epoch: Arc<str>,
    rooms: RwLock<HashMap<String, Arc<Room>>>,
    pub stats: Stats,
    shutdown: CancellationToken,
}

impl Hub {
    pub fn new(config: Config, epoch: &str) -> Self {
        Self {
            config,
            epoch: epoch.into(),
            rooms: RwLock::default(),
            stats: Stats::default(),
            shutdown: CancellationToken::new(),
        }
    }

    /// Opens a room for a cluster; events reach it through [`Room::publish`].
    pub fn open(&self, name: &str, reader: cache::Reader) -> Arc<Room> {
        let room = Arc::new(Room {
            name: name.into(),
            epoch: self.epoch.clone(),
            reader,
            ring: Mutex::new(Ring { frames: VecDeque::new(), last_seq: 0, capacity: self.config.history }),
            live: broadcast::channel(self.config.queue).0,
        });
        self.rooms.write().insert(name.to_owned(), room.clone());
        room
    }

    /// Closes a cluster's room.
    pub fn close(&self, name: &str) {
        // Subscribers see the stream end once the last holder of the room
        // (the cluster's filter stage) lets go of it.
        self.rooms.write().remove(name);
    }

    pub fn room(&self, name: &str) -> Option<Arc<Room>> {
        self.rooms.read().get(name).cloned()
    }

    pub fn rooms(&self) -> Vec<Arc<Room>> {
        self.rooms.read().values().cloned().collect()
    }

    /// Sends a message outside the event stream to one cluster's subscribers;
    /// returns how many there were, or `None` for an unknown cluster.
    pub fn notify(&self, cluster: &str, message: Bytes) -> Option<usize> {
        let room = self.room(cluster)?;
        Some(room.live.send(Live::Notice(message)).unwrap_or(0))
    }

    /// Asks every session to close with a reason (server shutting down).
    pub fn shut_down(&self) {
        self.shutdown.cancel();
    }

    pub fn shutting_down(&self) -> CancellationToken {
        self.shutdown.clone()
    }
}

/// The hub's figures in `/metrics`, read from its counters and rooms at each scrape.
pub struct HubMetrics(pub Arc<Hub>);

impl std::fmt::Debug for HubMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HubMetrics")
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoomLabel {
    cluster: String,
}

impl Collector for HubMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let stats = self.0.stats.counts();
        encoder
            .encode_descriptor("ws_open_connections", "Open WebSocket connections", None, MetricType::Gauge)?
            .encode_gauge(&(stats.connections as i64))?;
        let counters = [
            ("ws_connections", "WebSocket connections accepted", stats.connections_total),
            ("ws_refused", "WebSocket upgrades refused (auth, origin, limits, bad parameters)", stats.refused),
            ("ws_messages_sent", "WebSocket messages sent", stats.messages_sent),
            ("ws_bytes_sent", "WebSocket payload bytes sent", stats.bytes_sent),
            ("ws_resyncs", "Resyncs sent to WebSocket clients", stats.resyncs),
            ("ws_slow_client_closes", "WebSocket sessions closed for being too slow", stats.slow_client_drops),
        ];
        for (name, help, value) in counters {
            encoder
                .encode_descriptor(name, help, None, MetricType::Counter)?
                .encode_counter::<prometheus_client::encoding::NoLabelSet, _, u64>(&value, None)?;
        }
        let rooms = self.0.rooms();
        let mut depth = encoder.encode_descriptor(
            "room_queue_depth",
            "Events in a cluster's broadcast queue not yet taken by its slowest subscriber",
            None,
            MetricType::Gauge,
        )?;
        for room in &rooms {
            let label = RoomLabel { cluster: room.name.to_string() };
            depth.encode_family(&label)?.encode_gauge(&(room.live.len() as i64))?;
        }
        let mut subscribers =
            encoder.encode_descriptor("room_subscribers", "WebSocket sessions per cluster", None, MetricType::Gauge)?;
        for room in &rooms {
            let label = RoomLabel { cluster: room.name.to_string() };
            subscribers.encode_family(&label)?.encode_gauge(&(room.subscribers() as i64))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64) -> Event {
        Event { change: Change::deleted_at(seq), tags: Vec::new() }
    }

    fn room(capacity: usize) -> Room {
        Room {
            name: "c".into(),
            reader: cache::new().1,
            ring: Mutex::new(Ring { frames: VecDeque::new(), last_seq: 0, capacity }),
            live: broadcast::channel(16).0,
            epoch: "e".into(),
        }
    }

    #[test]
    fn join_with_since_returns_exactly_the_missed_frames() {
        let room = room(10);
        for seq in [1, 2, 4, 5] {
            room.publish(event(seq));
        }
        let seqs = |joined: Joined| joined.missed.map(|frames| frames.iter().map(|f| f.seq).collect::<Vec<_>>());
        assert_eq!(seqs(room.join(Some(2))), Some(vec![4, 5]), "a seq dropped upstream is not a gap");
        assert_eq!(seqs(room.join(Some(5))), Some(vec![]));
        assert_eq!(seqs(room.join(Some(3))), None, "3 was never broadcast: cannot resume from it");
    }

    #[test]
    fn join_from_before_the_ring_is_refused() {
        let room = room(2);
        for seq in 1..=5 {
            room.publish(event(seq));
        }
        assert!(room.join(Some(2)).missed.is_none());
        assert_eq!(room.join(Some(3)).missed.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn frames_after_join_arrive_live() {
        let room = room(10);
        room.publish(event(1));
        let mut joined = room.join(Some(1));
        room.publish(event(2));
        match joined.live.recv().await.unwrap() {
            Live::Node(frame) => assert_eq!(frame.seq, 2),
            _ => panic!("expected a node frame"),
        }
    }
}
