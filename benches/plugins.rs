//! WebAssembly filter plugins, measured against the same logic in native Rust.
//!
//! - `plugin_call/native` and `plugin_call/wasm`: one decision of the severity
//!   tagger on a cordon update of a node with 10 labels, natively and through
//!   the `severity-tagger` component (event built, lowered, called, lifted).
//!   Floor: under 2 µs per plugin call. The ratio is printed.
//! - `pipeline/detect_commit_two_plugins`: detect + commit + the
//!   `label-prefix-filter` and `severity-tagger` components, per delta, on one
//!   thread. Floor: 200,000 events/s.
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

/// The severity tagger's logic, natively.
fn native_severity(change: &Change) -> Option<&'static str> {
    let (before, after) = (change.before.as_ref()?, change.after.as_ref()?);
    let (before, after) = (before.summary(), after.summary());
    let no_execute = |taints: &[nodecast::cache::summary::TaintView]| taints.iter().any(|t| t.effect == "NoExecute");
    if (before.ready && !after.ready) || (!no_execute(&before.taints) && no_execute(&after.taints)) {
        Some("critical")
    } else if before.schedulable && !after.schedulable {
        Some("warning")
    } else {
        None
    }
}

fn plugin_call(c: &mut Criterion) {
    let change = cordon_change(1);
    assert_eq!(change.after.as_ref().unwrap().summary().labels.len(), 10, "the bench event carries 10 labels");
    let chain = Chain::load(&[component("severity-tagger")], &Chain::default()).unwrap();
    let mut runner = Runner::new("bench");
    runner.sync(&chain);
    assert_eq!(runner.decide(&change).tags, [("severity".to_owned(), "warning".to_owned())]);
    assert_eq!(native_severity(&change), Some("warning"));

    let mut group = c.benchmark_group("plugin_call");
    group.throughput(Throughput::Elements(1));
    group.bench_function("native", |b| b.iter(|| black_box(native_severity(black_box(&change)))));
    group.bench_function("wasm", |b| b.iter(|| black_box(runner.decide(black_box(&change)))));
    group.finish();

    let time = |run: &mut dyn FnMut()| {
        let started = Instant::now();
        for _ in 0..20_000 {
            run();
        }
        started.elapsed() / 20_000
    };
    let native = time(&mut || {
        black_box(native_severity(black_box(&change)));
    });
    let wasm = time(&mut || {
        black_box(runner.decide(black_box(&change)));
    });
    println!(
        "plugin_call: native {:?}, wasm {:?} per call (wasm/native = {:.0}x)",
        native,
        wasm,
        wasm.as_secs_f64() / native.as_secs_f64().max(1e-12)
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
    let mut next = 0usize;
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
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|pages| pages.parse::<u64>().ok()).unwrap_or(0) * 4096
}

fn instantiate(c: &mut Criterion) {
    let chain = Chain::load(&[component("severity-tagger")], &Chain::default()).unwrap();
    let change = cordon_change(1);

    let before = resident_bytes();
    let mut runners: Vec<Runner> = (0..200)
        .map(|index| {
            let mut runner = Runner::new(&format!("c{index}"));
            runner.sync(&chain);
            runner.decide(&change);
            runner
        })
        .collect();
    let grown = resident_bytes().saturating_sub(before);
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
