//! What the pipeline costs from a watch delta to a REST answer, and what the
//! cache holds per node, on realistic kubelet nodes from `sim::objects::node`
//! (13 labels, 5 conditions, 40 images, about 10 KB of JSON; `managedFields`
//! stripped as the source does).
//!
//! - `memory/build_10k_cache`: the time to commit a complete list of 10,000 nodes
//!   (`Init`, `InitApply` × 10,000, `InitDone`, `publish`) into an empty cache,
//!   the nodes built beforehand. Before it, once, the bench prints the bytes the
//!   cache holds per node next to the size of that node's JSON:
//!   `memory: 10000 nodes, … KiB held per node, node JSON … KiB (ratio …x), summary JSON … KiB`.
//!   "Held" is the growth of the process's resident set (`/proc/self/status`)
//!   across building the cache, divided by the node count. It is approximate:
//!   it counts pages, not bytes, as mimalloc (the global allocator) lays them
//!   out; mimalloc is asked to return its free pages (`mi_collect`) before each
//!   reading, so that the build's freed temporaries do not count. This group
//!   runs first, in a process that has allocated little yet, so that the figure
//!   does not hide in memory the other groups freed. No floor; the ratio is the
//!   number to watch.
//! - `commit/label_edit/N` and `commit/heartbeat/N`: time per delta to commit an
//!   update into a cache already holding N nodes (N = 1,000, 5,000, 10,000). A
//!   label edit alternates a label between two values, so every delta is a
//!   significant change (detect, new summary, its JSON, a `Change`); a heartbeat
//!   changes only the conditions' `lastHeartbeatTime` (detect, no summary). The
//!   deltas cycle over 256 nodes spread across the cache; cloning a prebuilt
//!   node, the price of receiving it, happens in setup, outside the timed part.
//!   One delta is one iteration, and every 64th also publishes the snapshot, as
//!   a batch of 64 would; publishing is thus amortized into the per-delta time.
//!   The floor is under 5 µs per delta at 10,000 nodes, for both.
//! - `list/all_5000` and `list/page_500`: server-side time to answer
//!   `GET /api/v1/nodes?cluster_name=demo` (summary view) with all 5,000 nodes of
//!   an embedded simulator cluster, and with `limit=500`, through
//!   `poem::test::TestClient` on the full routes (no socket), the whole body read.
//!   The floor is under 5 ms for the whole list. `list/fields_5000` is the
//!   whole list projected to `fields=name,ready,schedulable,roles`, as a
//!   dashboard of a large cluster asks for it. `list/full_5000` is the same
//!   list with `view=full` (the nodes' stored bytes, decompressed into the
//!   body), and `list/reserialize_full_5000` what it cost when the cache held
//!   typed nodes: serializing the same 5,000 `Node`s; the first must be at
//!   least 10× faster.
//!
//! `cargo bench --bench pipeline` (about two minutes); criterion reports time per
//! delta or per request, and nodes per second as elem/s. `cargo test --bench
//! pipeline` runs each bench once and still prints the memory line.

#[path = "support/embedded.rs"]
mod embedded;
#[path = "support/nodes.rs"]
mod nodes;
mod support;

use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::Node;
use nodecast::cache::{self, Reader, Writer};
use nodecast::server;
use nodecast::sim::objects;
use nodecast::source::Delta;
use nodes::{node_value, typed};
use poem::test::TestClient;
use serde_json::{Value, json};
use support::settled_resident_bytes;

/// Nodes in the cache of the memory figure and of `memory/build_10k_cache`.
const MEMORY_NODES: usize = 10_000;
/// Cache sizes of the `commit` group.
const COMMIT_SIZES: [usize; 3] = [1_000, 5_000, 10_000];
/// Nodes the `commit` deltas go to, spread evenly over the cache so that
/// successive updates walk different paths of its tree.
const TARGETS: usize = 256;
/// Deltas per published snapshot in the `commit` group.
const BATCH: usize = 64;
/// Nodes of the simulated cluster of the `list` group.
const LIST_NODES: u32 = 5_000;

/// Commits `nodes` as one complete list into `writer` and publishes it.
fn commit_list(writer: &mut Writer, nodes: impl IntoIterator<Item = Node>, at: DateTime<Utc>) {
    let mut out = Vec::new();
    writer.apply(Delta::Init, at, &mut out);
    for node in nodes {
        writer.apply(Delta::InitApply(node), at, &mut out);
    }
    writer.apply(Delta::InitDone, at, &mut out);
    writer.publish();
}

/// A cache holding nodes `0..n`, published.
fn listed_cache(n: usize, now: &str, at: DateTime<Utc>) -> (Writer, Reader) {
    let (mut writer, reader) = cache::new();
    commit_list(&mut writer, (0..n).map(|index| typed(node_value(index, now))), at);
    assert_eq!(reader.load().nodes.len(), n);
    (writer, reader)
}

fn kib(bytes: f64) -> f64 {
    bytes / 1024.0
}

fn memory(c: &mut Criterion) {
    let now = objects::timestamp_now();
    let at = Utc::now();

    // Measured once: each node is built, handed to the cache and forgotten, so
    // the resident growth is what the cache keeps (plus allocator slack).
    let before = settled_resident_bytes();
    let (writer, reader) = listed_cache(MEMORY_NODES, &now, at);
    let held = settled_resident_bytes().saturating_sub(before) as f64 / MEMORY_NODES as f64;
    let snapshot = reader.load();
    let node_json: usize = snapshot.nodes.values().map(|cached| cached.full_json().json_len()).sum();
    let summary_json: usize = snapshot.nodes.values().map(|cached| cached.summary_json().get().len()).sum();
    let node_json = node_json as f64 / MEMORY_NODES as f64;
    let summary_json = summary_json as f64 / MEMORY_NODES as f64;
    println!(
        "memory: {MEMORY_NODES} nodes, {:.1} KiB held per node, node JSON {:.1} KiB (ratio {:.1}x), summary JSON {:.1} KiB",
        kib(held),
        kib(node_json),
        held / node_json,
        kib(summary_json),
    );
    drop((snapshot, writer, reader));

    let mut group = c.benchmark_group("memory");
    group
        .throughput(Throughput::Elements(MEMORY_NODES as u64))
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("build_10k_cache", |b| {
        b.iter_batched(
            || (0..MEMORY_NODES).map(|index| typed(node_value(index, &now))).collect::<Vec<_>>(),
            |nodes| {
                let (mut writer, reader) = cache::new();
                commit_list(&mut writer, nodes, at);
                // Returned, so that dropping 10,000 nodes is not timed.
                (writer, reader)
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// One kind of update of the `commit` group: how `variant` (0 or 1) edits a
/// node, and whether the resulting delta is a significant change.
struct Update {
    name: &'static str,
    significant: bool,
    edit: fn(&mut Value, usize),
}

const UPDATES: [Update; 2] = [
    // First on a fresh cache: its deltas must differ from the listed nodes in
    // heartbeat times only. The label edits that follow are significant whatever
    // heartbeat times the cache holds.
    Update {
        name: "heartbeat",
        significant: false,
        edit: |node, variant| {
            let beat = format!("2099-01-01T00:00:{:02}Z", 10 * (variant + 1));
            for condition in node["status"]["conditions"].as_array_mut().expect("a node has conditions") {
                condition["lastHeartbeatTime"] = json!(beat);
            }
            node["metadata"]["resourceVersion"] = json!(format!("{}", 1_000_000 + variant));
        },
    },
    Update {
        name: "label_edit",
        significant: true,
        edit: |node, variant| {
            node["metadata"]["labels"]["pool"] = json!(["blue", "green"][variant]);
            node["metadata"]["resourceVersion"] = json!(format!("{}", 2_000_000 + variant));
        },
    },
];

fn commit(c: &mut Criterion) {
    let now = objects::timestamp_now();
    let at = Utc::now();
    let mut group = c.benchmark_group("commit");
    group
        .throughput(Throughput::Elements(1))
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for n in COMMIT_SIZES {
        let (mut writer, _reader) = listed_cache(n, &now, at);
        let mut out = Vec::new();
        for update in &UPDATES {
            // Delta `i` goes to target `i % TARGETS` with variant `(i / TARGETS) % 2`:
            // each round over the targets flips every one of them.
            let deltas: Vec<[Node; 2]> = (0..TARGETS)
                .map(|target| {
                    [0, 1].map(|variant| {
                        let mut node = node_value(target * n / TARGETS, &now);
                        (update.edit)(&mut node, variant);
                        typed(node)
                    })
                })
                .collect();
            let delta = |i: usize| deltas[i % TARGETS][(i / TARGETS) % 2].clone();
            // A bench that measured the wrong kind of delta would report a
            // meaningless floor: check two full rounds before timing.
            let mut next = 0;
            while next < 2 * TARGETS {
                writer.apply(Delta::Apply(delta(next)), at, &mut out);
                assert_eq!(out.len(), usize::from(update.significant), "{} delta {next}", update.name);
                out.clear();
                next += 1;
            }
            writer.publish();

            let mut applied = 0usize;
            group.bench_function(BenchmarkId::new(update.name, n), |b| {
                b.iter_batched(
                    || {
                        next += 1;
                        delta(next - 1)
                    },
                    |node| {
                        writer.apply(Delta::Apply(node), at, &mut out);
                        // The pipeline hands changes on and drops them; so do we.
                        out.clear();
                        applied += 1;
                        if applied.is_multiple_of(BATCH) {
                            writer.publish();
                        }
                    },
                    BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
}

fn list(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = embedded::quiet_server(&runtime, LIST_NODES);
    let app = server.app().clone();
    let client = TestClient::new(server::routes(app.clone(), Default::default()));

    let mut group = c.benchmark_group("list");
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for (name, limit, view, fields) in [
        ("all_5000", None, "summary", None),
        ("page_500", Some(500u32), "summary", None),
        ("fields_5000", None, "summary", Some("name,ready,schedulable,roles")),
        ("full_5000", None, "full", None),
    ] {
        let expected = limit.map_or(LIST_NODES, |limit| limit.min(LIST_NODES)) as usize;
        let get = || {
            let request = client.get("/api/v1/nodes").query("cluster_name", &"demo").query("view", &view);
            async move {
                let request = match limit {
                    Some(limit) => request.query("limit", &limit),
                    None => request,
                };
                let request = match fields {
                    Some(fields) => request.query("fields", &fields),
                    None => request,
                };
                let response = request.send().await;
                response.0.into_body().into_bytes().await.expect("the body reads")
            }
        };
        let body = runtime.block_on(get());
        let listed: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("{name}: not JSON: {}", String::from_utf8_lossy(&body)));
        assert_eq!(listed["items"].as_array().map(Vec::len), Some(expected), "{name}: {}", listed["message"]);

        group.throughput(Throughput::Elements(expected as u64));
        group.bench_function(name, |b| b.to_async(&runtime).iter(get));
    }
    // What a full list cost when the cache held typed nodes: each serialized again.
    let snapshot = app.clusters()[0].snapshot();
    let typed: Vec<Node> = snapshot
        .nodes
        .values()
        .map(|node| {
            let mut json = Vec::new();
            node.full_json().write_to(&mut json);
            serde_json::from_slice(&json).expect("stored JSON is a Node")
        })
        .collect();
    group.throughput(Throughput::Elements(typed.len() as u64));
    group.bench_function("reserialize_full_5000", |b| {
        b.iter(|| serde_json::to_vec(&serde_json::json!({ "items": &typed })).expect("nodes serialize"))
    });
    group.finish();
    runtime.block_on(app.shutdown());
}

// `memory` first: its resident-set figure wants a process that has not yet
// allocated and freed the caches of the other groups.
criterion_group!(benches, memory, commit, list);
criterion_main!(benches);
