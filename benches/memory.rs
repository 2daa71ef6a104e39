//! What nodecast holds per realistic node, through the whole pipeline: 5,000
//! nodes as the simulator's kubelets register them (13 labels, 5 conditions,
//! 40 images, about 11 KB of JSON each) are listed into a cache, every change
//! goes on to a hub room (history ring and live queue, one subscriber draining
//! it, as a WebSocket session would), then two heartbeat rounds over every
//! node follow, each a delta per node in batches of 64 as a watch delivers them.
//!
//! Before the timed part the bench prints one line per step:
//! `memory: ready|heartbeat round 1|heartbeat round 2|label edit round: … KiB per node`.
//! The figure is the growth of the process's resident set (`/proc/self/status`)
//! over the start, divided by the node count, after mimalloc has returned its
//! free pages (`mi_collect`). The floor is 5 KiB per node at every step, and the
//! heartbeat rounds leave it within 10 % of the figure at ready.
//!
//! `memory/heartbeat_round_5000` then times one heartbeat round (5,000 deltas:
//! compact form, compression, detection, commit; nothing reaches the hub).
//!
//! `cargo bench --bench memory`; `cargo test --bench memory` prints the lines too.

mod support;

use std::sync::Arc;

use chrono::Utc;
use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::Node;
use nodecast::cache::{self, Writer};
use nodecast::filter::Event;
use nodecast::hub::{self, Hub, Live, Room};
use nodecast::sim::objects;
use nodecast::source::Delta;
use serde_json::{Value, json};
use support::settled_resident_bytes;
use tokio::sync::broadcast;

const NODES: usize = 5_000;
const BATCH: usize = 64;

/// Node `index` as the API server would send it in round `round`: the
/// heartbeat times and resourceVersion move with the round, `edit` may change more.
fn node(index: usize, round: u32, edit: impl Fn(&mut Value)) -> Node {
    let name = format!("node-{index:05}");
    let mut value = objects::node(&name, index as u64 * 7919, index < 3, "2026-11-01T00:00:00Z");
    let metadata = &mut value["metadata"];
    metadata["uid"] = json!(format!("00000000-0000-4000-8000-{index:012x}"));
    metadata["resourceVersion"] = json!((u64::from(round) * 1_000_000 + index as u64).to_string());
    let beat = format!("2026-11-01T00:{:02}:{:02}Z", round / 6, (round % 6) * 10);
    for condition in value["status"]["conditions"].as_array_mut().expect("a node has conditions") {
        condition["lastHeartbeatTime"] = json!(beat);
    }
    edit(&mut value);
    let mut node: Node = serde_json::from_value(value).expect("sim::objects builds valid nodes");
    node.metadata.managed_fields = None;
    node
}

/// One cluster's pipeline without its watch: the cache writer, and the room
/// its changes are broadcast in, with one subscriber.
struct Pipeline {
    writer: Writer,
    room: Arc<Room>,
    subscriber: broadcast::Receiver<Live>,
}

impl Pipeline {
    fn new() -> (Self, Hub) {
        let (writer, reader) = cache::new();
        let hub = Hub::new(hub::Config::default(), "bench");
        let room = hub.open("bench", reader);
        let subscriber = room.join(None).live;
        (Self { writer, room, subscriber }, hub)
    }

    /// Commits `deltas` as a watch batch and broadcasts what changed.
    fn run(&mut self, deltas: impl IntoIterator<Item = Delta>) {
        let mut changes = Vec::new();
        for delta in deltas {
            self.writer.apply(delta, Utc::now(), &mut changes);
        }
        self.writer.publish();
        for change in changes.drain(..) {
            self.room.publish(Event { change: Arc::new(change), tags: Vec::new() });
        }
        while self.subscriber.try_recv().is_ok() {}
    }

    fn round(&mut self, round: u32, edit: impl Fn(&mut Value) + Copy) {
        for start in (0..NODES).step_by(BATCH) {
            self.run((start..(start + BATCH).min(NODES)).map(|index| Delta::Apply(node(index, round, edit))));
        }
    }
}

fn memory(c: &mut Criterion) {
    let start = settled_resident_bytes();
    let per_node = |step: &str| {
        let kib = (settled_resident_bytes().saturating_sub(start)) as f64 / NODES as f64 / 1024.0;
        println!("memory: {step}: {kib:.2} KiB per node ({NODES} realistic nodes, cache and hub)");
        kib
    };
    let (mut pipeline, _hub) = Pipeline::new();
    pipeline.run(
        std::iter::once(Delta::Init)
            .chain((0..NODES).map(|index| Delta::InitApply(node(index, 0, |_| {}))))
            .chain([Delta::InitDone]),
    );
    let nodes = &pipeline.writer.pending().nodes;
    let json_bytes: usize = nodes.values().map(|n| n.full_json().json_len()).sum();
    let stored_bytes: usize = nodes.values().map(|n| n.full_json().stored_len()).sum();
    let summary_bytes: usize = nodes.values().map(|n| n.summary_json().get().len()).sum();
    let average = |bytes: usize| bytes as f64 / NODES as f64 / 1024.0;
    println!(
        "memory: node JSON {:.1} KiB on average, stored compressed in {:.2} KiB; summary JSON {:.2} KiB",
        average(json_bytes),
        average(stored_bytes),
        average(summary_bytes)
    );
    let ready = per_node("ready");
    pipeline.round(1, |_| {});
    per_node("heartbeat round 1");
    pipeline.round(2, |_| {});
    let after_heartbeats = per_node("heartbeat round 2");
    println!("memory: heartbeat rounds moved it by {:+.1} %", (after_heartbeats / ready - 1.0) * 100.0);
    pipeline.round(3, |node| node["metadata"]["labels"]["pool"] = json!("blue"));
    per_node("label edit round");

    let mut group = c.benchmark_group("memory");
    group.throughput(Throughput::Elements(NODES as u64)).sample_size(10).sampling_mode(SamplingMode::Flat);
    let mut round = 4;
    group.bench_function("heartbeat_round_5000", |b| {
        b.iter_batched(
            || {
                round += 1;
                (0..NODES)
                    .map(|index| node(index, round, |node| node["metadata"]["labels"]["pool"] = json!("blue")))
                    .collect::<Vec<_>>()
            },
            |nodes| {
                let mut nodes = nodes.into_iter();
                loop {
                    let batch: Vec<Delta> = nodes.by_ref().take(BATCH).map(Delta::Apply).collect();
                    if batch.is_empty() {
                        break;
                    }
                    pipeline.run(batch);
                }
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, memory);
criterion_main!(benches);
