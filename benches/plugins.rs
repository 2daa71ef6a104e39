//! WebAssembly filter plugins, measured against the same logic in native Rust.
//!
//! - `plugin_call/severity_*`: one decision of the severity tagger on a cordon
//!   of a node with 14 labels, natively and through the `severity-tagger`
//!   component (event lent, the plugin's queries answered, the decision
//!   lifted); `plugin_call/label_prefix_*`: the label prefix filter on a
//!   relabel of that node. Floor: under 2 µs per plugin call. Ratios printed.
//! - `pipeline/detect_commit_two_plugins`: detect + commit + the
//!   `label-prefix-filter` and `severity-tagger` components, per delta, on one
//!   thread, publishing every 64 deltas as the pipeline does per batch; then
//!   the same in plain loops over batches of 64 freshly made deltas, printed
//!   as events/s. Floor: 200,000 events/s.
//! - `instantiate/first_call`: a cluster task's first decision, which
//!   instantiates the plugin and runs its `init`; memory per instance is
//!   printed (resident memory grown by 200 instances, approximate).
//!
//! `cargo bench --bench plugins` (the components come from `plugins/dist/`).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::Node;
use nodecast::cache::{self, Change};
use nodecast::detect::{NodeCore, Sym};
use nodecast::plugin::{Chain, OnError, PluginConfig, Runner};
use nodecast::source::Delta;
use serde_json::json;

fn component(name: &str) -> PluginConfig {
    PluginConfig {
        name: name.to_owned(),
        path: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("plugins/dist/{name}.wasm")),
        clusters: vec!["*".into()],
        config: [("prefixes".to_owned(), json!("nodecast.io/"))].into_iter().collect(),
        on_error: OnError::Keep,
        timeout_ms: 100,
        memory_mb: 16,
        max_failures: 5,
    }
}

fn node(index: usize, cordoned: bool, pool: &str) -> Node {
    let now = nodecast::sim::objects::timestamp_now();
    let mut value = nodecast::sim::objects::node(&format!("node-{index:05}"), index as u64, false, &now);
    value["spec"]["unschedulable"] = json!(cordoned);
    value["metadata"]["labels"]["nodecast.io/pool"] = json!(pool);
    let mut node: Node = serde_json::from_value(value).unwrap();
    node.metadata.managed_fields = None;
    node
}

/// A cordon of one node in a cache of `nodes`: the change the bench decides about.
fn cordon_change(nodes: usize) -> Change {
    let (mut writer, _) = cache::new();
    let mut out = Vec::new();
    for index in 0..nodes {
        writer.apply(Delta::Apply(node(index, false, "blue")), Utc::now(), &mut out);
    }
    out.clear();
    writer.apply(Delta::Apply(node(0, true, "blue")), Utc::now(), &mut out);
    out.pop().unwrap()
}

/// The severity tagger's logic, natively, reading the committed nodes as the
/// host does for the plugin.
fn native_severity(change: &Change) -> Option<&'static str> {
    let (before, after) = (&change.before.as_ref()?.core, &change.after.as_ref()?.core);
    let no_execute = |node: &NodeCore| node.taints.iter().any(|t| &*t.effect == "NoExecute");
    let ready = |node: &NodeCore| node.ready() == "True";
    if (ready(before) && !ready(after)) || (!no_execute(before) && no_execute(after)) {
        Some("critical")
    } else if !before.unschedulable && after.unschedulable {
        Some("warning")
    } else {
        None
    }
}

/// The label prefix filter's logic, natively: drop a labels-only update whose
/// changed keys all start with `nodecast.io/`.
fn native_label_prefix(change: &Change) -> bool {
    fn labels(node: Option<&cache::CachedNode>) -> &[(Sym, Sym)] {
        node.map(|n| &*n.core.labels).unwrap_or_default()
    }
    let (before, after) = (labels(change.before.as_deref()), labels(change.after.as_deref()));
    let value = |pairs: &[(Sym, Sym)], key: &Sym| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let changed: Vec<&Sym> = before
        .iter()
        .filter(|(key, v)| value(after, key).as_ref() != Some(v))
        .map(|(key, _)| key)
        .chain(after.iter().filter(|(key, _)| value(before, key).is_none()).map(|(key, _)| key))
        .collect();
    change.changes == nodecast::detect::ChangeSet::LABELS
        && !changed.is_empty()
        && changed.iter().all(|key| key.starts_with("nodecast.io/"))
}

/// A relabel of one node's pool: the change the label prefix filter drops.
fn relabel_change() -> Change {
    let (mut writer, _) = cache::new();
    let mut out = Vec::new();
    writer.apply(Delta::Apply(node(0, false, "blue")), Utc::now(), &mut out);
    out.clear();
    writer.apply(Delta::Apply(node(0, false, "green")), Utc::now(), &mut out);
    out.pop().unwrap()
}

/// Times both sides in one run, so that their ratio survives a noisy machine.
fn compare<N, W>(label: &str, mut native: impl FnMut() -> N, mut wasm: impl FnMut() -> W) {
    fn time<T>(run: &mut impl FnMut() -> T) -> std::time::Duration {
        let started = Instant::now();
        for _ in 0..20_000 {
            black_box(run());
        }
        started.elapsed() / 20_000
    }
    let native = time(&mut native);
    let wasm = time(&mut wasm);
    println!(
        "{label}: native {native:?}, wasm {wasm:?} per call (wasm/native = {:.0}x)",
        wasm.as_secs_f64() / native.as_secs_f64().max(1e-12)
    );
}

fn plugin_call(c: &mut Criterion) {
    let cordon = cordon_change(1);
    assert_eq!(cordon.after.as_ref().unwrap().summary().labels.len(), 14, "the bench event carries 14 labels");
    let relabel = relabel_change();
    let mut tagger = Runner::new("bench");
    tagger.sync(&Chain::load(&[component("severity-tagger")], &Chain::default()).unwrap());
    let mut prefix = Runner::new("bench");
    prefix.sync(&Chain::load(&[component("label-prefix-filter")], &Chain::default()).unwrap());
    assert_eq!(tagger.decide(&cordon).tags, [("severity".to_owned(), "warning".to_owned())]);
    assert_eq!(native_severity(&cordon), Some("warning"));
    assert!(!prefix.decide(&relabel).keep && native_label_prefix(&relabel));
    assert!(prefix.decide(&cordon).keep && !native_label_prefix(&cordon));

    let mut group = c.benchmark_group("plugin_call");
    group.throughput(Throughput::Elements(1));
    group.bench_function("severity_native", |b| b.iter(|| black_box(native_severity(black_box(&cordon)))));
    group.bench_function("severity_wasm", |b| b.iter(|| black_box(tagger.decide(black_box(&cordon)))));
    group.bench_function("label_prefix_native", |b| b.iter(|| black_box(native_label_prefix(black_box(&relabel)))));
    group.bench_function("label_prefix_wasm", |b| b.iter(|| black_box(prefix.decide(black_box(&relabel)))));
    group.finish();

    compare(
        "plugin_call severity-tagger (cordon)",
        || native_severity(black_box(&cordon)),
        || tagger.decide(black_box(&cordon)),
    );
    compare(
        "plugin_call label-prefix-filter (relabel)",
        || native_label_prefix(black_box(&relabel)),
        || prefix.decide(black_box(&relabel)),
    );
}

fn pipeline(c: &mut Criterion) {
    let chain =
        Chain::load(&[component("label-prefix-filter"), component("severity-tagger")], &Chain::default()).unwrap();
    let (mut writer, _) = cache::new();
    let mut out = Vec::new();
    for index in 0..1000 {
        writer.apply(Delta::Apply(node(index, false, "blue")), Utc::now(), &mut out);
    }
    writer.publish();
    let mut runner = Runner::new("bench");
    runner.sync(&chain);
    // Every delta is a change: each pass over the nodes cordons them, the next uncordons them.
    let states: [Vec<Node>; 2] = [
        (0..1000).map(|index| node(index, false, "blue")).collect(),
        (0..1000).map(|index| node(index, true, "blue")).collect(),
    ];
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(1));
    let (mut next, mut applied) = (0usize, 0usize);
    group.bench_function("detect_commit_two_plugins", |b| {
        b.iter_batched(
            || {
                let delta = states[(next / 1000 + 1) % 2][next % 1000].clone();
                next += 1;
                delta
            },
            |delta| {
                out.clear();
                writer.apply(Delta::Apply(delta), Utc::now(), &mut out);
                assert_eq!(out.len(), 1, "every delta is a change");
                for change in &out {
                    black_box(runner.decide(change));
                }
                applied += 1;
                // The pipeline publishes once per batch; the next commit then copies the path it touches.
                if applied.is_multiple_of(64) {
                    writer.publish();
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();

    // The same work as plain loops over batches of 64 deltas, each batch made
    // just before it is timed, as the watcher hands the pipeline freshly decoded
    // nodes: criterion's per-iteration bookkeeping aside, what one thread sustains.
    let mut took = std::time::Duration::ZERO;
    for batch in 0..400 {
        let deltas: Vec<Node> = (0..64)
            .map(|i| {
                let n = next + batch * 64 + i;
                states[(n / 1000 + 1) % 2][n % 1000].clone()
            })
            .collect();
        let started = Instant::now();
        for delta in deltas {
            out.clear();
            writer.apply(Delta::Apply(delta), Utc::now(), &mut out);
            for change in &out {
                black_box(runner.decide(change));
            }
        }
        writer.publish();
        took += started.elapsed();
    }
    println!(
        "pipeline: {:.0} events/s on one thread (400 batches of 64 in plain loops)",
        25_600.0 / took.as_secs_f64()
    );
}

fn instantiate(c: &mut Criterion) {
    let chain = Chain::load(&[component("severity-tagger")], &Chain::default()).unwrap();
    let change = cordon_change(1);

    let before = nodecast::telemetry::resident_memory(None).0;
    let mut runners: Vec<Runner> = (0..200)
        .map(|index| {
            let mut runner = Runner::new(&format!("c{index}"));
            runner.sync(&chain);
            runner.decide(&change);
            runner
        })
        .collect();
    let grown = nodecast::telemetry::resident_memory(None).0.saturating_sub(before);
    println!("instantiate: {:.0} KiB resident per plugin instance (200 instances)", grown as f64 / 200.0 / 1024.0);
    runners.clear();

    let mut group = c.benchmark_group("instantiate");
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("first_call", |b| {
        b.iter_batched(
            || {
                let mut runner = Runner::new("bench");
                runner.sync(&chain);
                runner
            },
            |mut runner| black_box(runner.decide(&change)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, plugin_call, pipeline, instantiate);
criterion_main!(benches);
