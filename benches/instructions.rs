//! Instruction counts of the hot paths, under Callgrind (gungraun): unlike
//! wall-clock time they do not move with a shared machine's load, so
//! `.ci/bench-gate` can hold them to the committed baseline
//! (`benches/baseline/instructions.json`).
//!
//! Each bench's setup (not counted) builds its input from realistic kubelet
//! nodes (`sim::objects::node`: 13 labels, 5 conditions, 40 images, about
//! 10 KB of JSON, `managedFields` stripped as the source does); only the
//! function body is counted, and whatever it returns is dropped outside it.
//!
//! - `detect::heartbeat`, `detect::label_edit`: the incoming node made compact
//!   and compared with the cached one, for a delta that changes only heartbeat
//!   times and for one that changes a label.
//! - `commit::label_edit_5000`: one significant delta committed into a cache
//!   of 5,000 nodes (detect, summary JSON, stored bytes, the `Change`).
//! - `summary::of_node`: a cached node's summary and its JSON.
//! - `list::page_500`, `list::all_5000`: a summary list page out of 5,000
//!   nodes, the query run and the response body serialized, each summary's
//!   JSON already made by an earlier list.
//! - `fanout::publish_to_100`: one change published into a room with 100
//!   subscribers, each taking its message and copying it into the `String` a
//!   WebSocket sink takes.
//! - `plugin::severity_cordon`: one severity-tagger decision through wasmtime
//!   on a cordon, the component instantiated during setup.
//! - `sim::watch_line`: the simulator's encoding of one node's watch event.
//!
//! `cargo bench --bench instructions` needs valgrind and `gungraun-runner`
//! 0.20.0 (`.ci/run` installs both).

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
#[path = "support/nodes.rs"]
mod nodes;

use gungraun::{Callgrind, LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main};
use k8s_openapi::api::core::v1::Node;
use nodecast::api::types::{NodeList, NodeView, View};
use nodecast::cache::query::NodeQuery;
use nodecast::cache::{self, Change, Snapshot, Writer};
use nodecast::detect::{ChangeSet, Interner, NodeCore, changes};
use nodecast::filter::Event;
use nodecast::hub::{self, Hub, Live};
use nodecast::plugin::{Chain, OnError, PluginConfig, Runner};
use nodecast::source::Delta;
use nodes::{node_value, typed};
use serde_json::{Value, json};
use tokio::sync::broadcast;

/// Nodes of the cache that `commit` and `list` work on.
const CACHE_NODES: usize = 5_000;
/// Subscribers of the `fanout` room.
const SUBSCRIBERS: usize = 100;
const NOW: &str = "2026-06-01T12:00:00Z";

fn relabelled(mut node: Value, pool: &str) -> Value {
    node["metadata"]["labels"]["pool"] = json!(pool);
    node
}

/// A cache holding nodes `0..n`, published.
fn listed_cache(n: usize) -> (Writer, Arc<Snapshot>) {
    let (mut writer, reader) = cache::new();
    let (at, mut out) = (Utc::now(), Vec::new());
    writer.apply(Delta::Init, at, &mut out);
    for index in 0..n {
        writer.apply(Delta::InitApply(typed(node_value(index, NOW))), at, &mut out);
    }
    writer.apply(Delta::InitDone, at, &mut out);
    writer.publish();
    let snapshot = reader.load();
    assert_eq!(snapshot.nodes.len(), n);
    (writer, snapshot)
}

/// A heartbeat (every condition's `lastHeartbeatTime`) or a label edit of one node.
fn detect_input(kind: &str) -> (Interner, NodeCore, Node, ChangeSet) {
    let before = node_value(7, NOW);
    let (after, expected) = match kind {
        "heartbeat" => {
            let mut after = before.clone();
            for condition in after["status"]["conditions"].as_array_mut().expect("a node has conditions") {
                condition["lastHeartbeatTime"] = json!("2026-06-01T12:00:10Z");
            }
            (after, ChangeSet::empty())
        }
        _ => (relabelled(before.clone(), "gpu"), ChangeSet::LABELS),
    };
    let mut interner = Interner::default();
    let cached = interner.core(&typed(before));
    (interner, cached, typed(after), expected)
}

#[library_benchmark]
#[bench::heartbeat(args = ("heartbeat"), setup = detect_input)]
#[bench::label_edit(args = ("label_edit"), setup = detect_input)]
fn detect(input: (Interner, NodeCore, Node, ChangeSet)) -> (ChangeSet, (Interner, NodeCore, Node)) {
    let (mut interner, cached, after, expected) = input;
    let found = changes(black_box(&cached), &interner.core(black_box(&after)));
    assert_eq!(found, expected, "the bench measures the delta it names");
    (found, (interner, cached, after))
}

fn commit_input() -> (Writer, Node) {
    let (writer, _) = listed_cache(CACHE_NODES);
    (writer, typed(relabelled(node_value(CACHE_NODES / 2, NOW), "gpu")))
}

#[library_benchmark]
#[bench::label_edit_5000(setup = commit_input)]
fn commit(input: (Writer, Node)) -> (Writer, Vec<Change>) {
    let (mut writer, node) = input;
    let mut out = Vec::with_capacity(1);
    writer.apply(Delta::Apply(black_box(node)), Utc::now(), &mut out);
    assert_eq!(out.len(), 1, "a label edit is a significant change");
    (writer, out)
}

fn summary_input() -> Arc<Snapshot> {
    listed_cache(1).1
}

#[library_benchmark]
#[bench::of_node(setup = summary_input)]
fn summary(snapshot: Arc<Snapshot>) -> (Vec<u8>, Arc<Snapshot>) {
    let node = snapshot.nodes.values().next().expect("one node");
    let json = serde_json::to_vec(&black_box(node).summary()).expect("summaries serialize");
    (json, snapshot)
}

fn list_input(limit: u32) -> (NodeQuery, Arc<Snapshot>) {
    let query = NodeQuery::parse(None, None, None, Some(limit), None).expect("a valid query");
    let (_, snapshot) = listed_cache(CACHE_NODES);
    // A summary's JSON is made at its first read; a list after the first one
    // (the case to count) finds it made.
    for node in snapshot.nodes.values() {
        black_box(node.summary_json());
    }
    (query, snapshot)
}

#[library_benchmark]
#[bench::page_500(args = (500), setup = list_input)]
#[bench::all_5000(args = (5000), setup = list_input)]
fn list(input: (NodeQuery, Arc<Snapshot>)) -> (Vec<u8>, Arc<Snapshot>) {
    let (query, snapshot) = input;
    let page = query.run(black_box(&snapshot));
    let body = NodeList {
        cluster_name: "bench".into(),
        epoch: "bench-epoch".into(),
        seq: snapshot.seq,
        total: snapshot.nodes.len() as u64,
        stale: false,
        items: page.nodes.into_iter().map(|node| NodeView::new(node, View::Summary)).collect(),
        pod_counts: None,
        continue_token: page.continue_token,
    };
    (serde_json::to_vec(&body).expect("lists serialize"), snapshot)
}

/// A room with its subscribers, and a committed label edit to publish into it.
struct Room {
    _runtime: tokio::runtime::Runtime,
    _hub: Hub,
    room: Arc<hub::Room>,
    subscribers: Vec<broadcast::Receiver<Live>>,
    change: Arc<Change>,
}

fn fanout_input() -> Room {
    let (mut writer, reader) = cache::new();
    let (at, mut out) = (Utc::now(), Vec::new());
    writer.apply(Delta::Apply(typed(node_value(1, NOW))), at, &mut out);
    writer.apply(Delta::Apply(typed(relabelled(node_value(1, NOW), "gpu"))), at, &mut out);
    writer.publish();
    let change = Arc::new(out.pop().expect("a label edit is a significant change"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let (hub, room) = {
        let _entered = runtime.enter();
        let hub = Hub::new(hub::Config::default(), "bench-epoch");
        let room = hub.open("bench", reader);
        (hub, room)
    };
    let subscribers = (0..SUBSCRIBERS).map(|_| room.join(None).live).collect();
    Room { _runtime: runtime, _hub: hub, room, subscribers, change }
}

#[library_benchmark]
#[bench::publish_to_100(setup = fanout_input)]
fn fanout(mut input: Room) -> (Vec<String>, Room) {
    input.room.publish(Event { change: input.change.clone(), tags: Vec::new() });
    let texts = input
        .subscribers
        .iter_mut()
        .map(|live| match live.try_recv() {
            Ok(Live::Node(message)) => String::from_utf8(message.bytes(hub::View::Summary).to_vec())
                .expect("messages are serialized JSON, hence UTF-8"),
            _ => panic!("every subscriber has the message"),
        })
        .collect();
    (texts, input)
}

fn plugin_input() -> (Runner, Change) {
    let config = PluginConfig {
        name: "severity-tagger".into(),
        path: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plugins/dist/severity-tagger.wasm"),
        clusters: vec!["*".into()],
        config: Default::default(),
        on_error: OnError::Keep,
        timeout_ms: 10_000,
        memory_mb: 16,
        max_failures: 5,
    };
    let mut runner = Runner::new("bench");
    runner.sync(&Chain::load(&[config], &Chain::default()).expect("the component loads"));
    let (mut writer, _) = cache::new();
    let (at, mut out) = (Utc::now(), Vec::new());
    writer.apply(Delta::Apply(typed(node_value(1, NOW))), at, &mut out);
    let mut cordoned = node_value(1, NOW);
    cordoned["spec"]["unschedulable"] = json!(true);
    writer.apply(Delta::Apply(typed(cordoned)), at, &mut out);
    let cordon = out.pop().expect("a cordon is a significant change");
    // The first decision instantiates the component and runs its init.
    assert_eq!(runner.decide(&cordon).tags, [("severity".to_owned(), "warning".to_owned())]);
    (runner, cordon)
}

#[library_benchmark]
#[bench::severity_cordon(setup = plugin_input)]
fn plugin(input: (Runner, Change)) -> (bool, (Runner, Change)) {
    let (mut runner, cordon) = input;
    let decision = runner.decide(black_box(&cordon));
    (decision.keep, (runner, cordon))
}

fn sim_node() -> Value {
    node_value(1, NOW)
}

#[library_benchmark]
#[bench::watch_line(setup = sim_node)]
fn sim(node: Value) -> (bytes::Bytes, Value) {
    (nodecast::sim::store::watch_line("MODIFIED", black_box(&node)), node)
}

library_benchmark_group!(name = hot_paths; benchmarks = detect, commit, summary, list, fanout, plugin, sim);

main!(
    config = LibraryBenchmarkConfig::default().tool(Callgrind::with_args(["--cache-sim=no"]));
    library_benchmark_groups = hot_paths
);
