//! What the WebSocket hub's fan-out costs per subscriber per event: one committed
//! change delivered to N subscribers of a cluster's room, N = 1, 100, 1,000.
//!
//! - `fanout/deliver/N`: the room of a `hub::Hub` is given each event through
//!   `Room::publish`, as the filter stage gives it, which turns it into a
//!   `Frame` (its summary message serialized once) and broadcasts it. N subscriber tasks, each holding a `Room::join` receiver, do
//!   per message what a session does: clone `frame.bytes(View::Summary)` and
//!   copy it into an owned `String`, as poem's WebSocket sink takes one per send,
//!   then drop it. There are no sockets: the cost stops where a session would
//!   hand the `String` to its sink.
//!
//! The changes are 64 label edits alternating on one kubelet-like node from
//! `sim::objects::node` (`managedFields` stripped), committed through a real
//! cache beforehand; each iteration publishes all 64 and ends when every
//! subscriber has received every one of them. All tasks share one
//! current-thread runtime, so that the figure is the CPU spent on the fan-out,
//! wake-ups and scheduling included, not thread hand-offs. The room's queue
//! holds more than one iteration's events: a subscriber that lagged would fail
//! the bench. Criterion reports the time of one iteration (64 events to N
//! subscribers) and, as elem/s, deliveries per second (one event to one
//! subscriber); its inverse is the figure to watch, the time per subscriber per
//! event. At N = 1 the room's one serialization per event is most of it; from
//! N = 100 on that is amortized, and the figure should stay flat as N grows.
//! No floor.
//!
//! Before it, once, the bench prints the size of the message each delivery copies:
//! `fanout: … bytes per summary message, copied once per delivery`.
//!
//! `cargo bench --bench fanout` (about 20 s once built); `cargo test --bench
//! fanout` runs each size once.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::Node;
use nodecast::cache::{self, Change, ChangeKind};
use nodecast::filter::Event;
use nodecast::hub::{self, Hub, Live, View};
use nodecast::sim::objects;
use nodecast::source::Delta;
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use tokio::sync::{Notify, broadcast};

/// Subscriber counts of the `deliver` group.
const SUBSCRIBERS: [usize; 3] = [1, 100, 1_000];
/// Events published per iteration.
const EVENTS: usize = 64;
/// The cluster, hence room, of the bench.
const CLUSTER: &str = "bench";

/// The typed node, `managedFields` stripped as the source stage does.
fn typed(value: Value) -> Node {
    let mut node: Node = serde_json::from_value(value).expect("sim::objects builds valid nodes");
    node.metadata.managed_fields = None;
    node
}

/// `EVENTS` committed label edits of one node, and the cache that holds it.
fn label_edits() -> (Vec<Arc<Change>>, cache::Reader) {
    let now = objects::timestamp_now();
    let at = chrono::Utc::now();
    let (mut writer, reader) = cache::new();
    let mut out = Vec::new();
    let base = objects::node("node-00001", 1, false, &now);
    writer.apply(Delta::Apply(typed(base.clone())), at, &mut out);
    out.clear();
    for index in 0..EVENTS {
        let mut node = base.clone();
        node["metadata"]["labels"]["pool"] = json!(["blue", "green"][index % 2]);
        node["metadata"]["resourceVersion"] = json!((index + 2).to_string());
        writer.apply(Delta::Apply(typed(node)), at, &mut out);
    }
    writer.publish();
    assert_eq!(out.len(), EVENTS, "every label edit is a significant change");
    assert!(out.iter().all(|change| change.kind == ChangeKind::Updated));
    (out.into_iter().map(Arc::new).collect(), reader)
}

/// What the subscribers tell the bench.
#[derive(Default)]
struct Progress {
    /// Subscribers yet to receive all of this iteration's events.
    remaining: AtomicUsize,
    /// Signalled by the last of them, or by one that failed.
    done: Notify,
    failure: Mutex<Option<String>>,
}

impl Progress {
    fn fail(&self, reason: String) {
        self.failure.lock().unwrap().get_or_insert(reason);
        self.done.notify_one();
    }
}

/// One subscriber: receives as a session does, and counts rounds of `EVENTS`.
async fn subscribe(mut live: broadcast::Receiver<Live>, progress: Arc<Progress>) {
    let mut received = 0;
    loop {
        match live.recv().await {
            Ok(Live::Node(frame)) => {
                // The session's per-message work: take the frame's bytes for its
                // view, and copy them into the owned String the sink takes.
                let bytes = frame.bytes(View::Summary).clone();
                let text = String::from_utf8(bytes.to_vec()).expect("messages are serialized JSON, hence UTF-8");
                black_box(text);
                received += 1;
                if received == EVENTS {
                    received = 0;
                    if progress.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                        progress.done.notify_one();
                    }
                }
            }
            Ok(Live::Resync(reason)) => return progress.fail(format!("the relay broke the stream: {reason}")),
            Ok(Live::Notice(_)) => return progress.fail("an unexpected notice".into()),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                return progress.fail(format!("a subscriber lagged by {missed} events: raise the queue"));
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// A room with `n` subscriber tasks.
struct Room {
    _hub: Hub,
    room: Arc<hub::Room>,
    progress: Arc<Progress>,
    n: usize,
}

impl Room {
    fn open(runtime: &Runtime, reader: cache::Reader, n: usize) -> Self {
        let _entered = runtime.enter();
        // Room for two iterations, so that no subscriber ever lags.
        let config = hub::Config { queue: 2 * EVENTS, ..Default::default() };
        let hub = Hub::new(config, "bench-epoch");
        let room = hub.open(CLUSTER, reader);
        let progress = Arc::new(Progress::default());
        for _ in 0..n {
            tokio::spawn(subscribe(room.join(None).live, progress.clone()));
        }
        assert_eq!(room.subscribers(), n);
        Self { _hub: hub, room, progress, n }
    }

    /// Publishes `events` and waits until every subscriber has received them all.
    async fn deliver(&self, events: &[Arc<Change>]) {
        self.progress.remaining.store(self.n, Ordering::Release);
        for change in events {
            self.room.publish(Event { change: change.clone(), tags: Vec::new() });
        }
        while self.progress.remaining.load(Ordering::Acquire) > 0 {
            if let Some(failure) = self.progress.failure.lock().unwrap().as_deref() {
                panic!("{failure}");
            }
            self.progress.done.notified().await;
        }
    }
}

/// The size of one event's summary message, as a subscriber receives it.
fn message_bytes(events: &[Arc<Change>], reader: cache::Reader) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let hub = Hub::new(hub::Config::default(), "bench-epoch");
        let room = hub.open(CLUSTER, reader);
        let mut live = room.join(None).live;
        room.publish(Event { change: events[0].clone(), tags: Vec::new() });
        match live.recv().await {
            Ok(Live::Node(frame)) => frame.bytes(View::Summary).len(),
            _ => panic!("expected a node frame"),
        }
    })
}

fn deliver(c: &mut Criterion) {
    let (events, reader) = label_edits();
    println!("fanout: {} bytes per summary message, copied once per delivery", message_bytes(&events, reader.clone()));
    let mut group = c.benchmark_group("fanout");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    for n in SUBSCRIBERS {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let room = Room::open(&runtime, reader.clone(), n);
        // One round untimed: the subscribers reach their first await, and the
        // bench fails here rather than inside criterion if delivery is broken.
        runtime.block_on(room.deliver(&events));

        group.throughput(Throughput::Elements((EVENTS * n) as u64));
        group.bench_function(BenchmarkId::new("deliver", n), |b| {
            b.iter_custom(|iters| {
                runtime.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        room.deliver(&events).await;
                    }
                    start.elapsed()
                })
            })
        });
        // The runtime's drop ends the subscribers.
        drop(room);
        drop(runtime);
    }
    group.finish();
}

criterion_group!(benches, deliver);
criterion_main!(benches);
