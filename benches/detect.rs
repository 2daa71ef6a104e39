//! What it costs to tell which field groups of a node changed, per watch delta,
//! on a realistic kubelet node (the simulator's: 14 labels, 5 conditions, 40
//! images, 11 KB of JSON) for the three updates a cluster sends most, a
//! heartbeat, a label edit and a Ready flip: the incoming node made compact
//! through the cluster's interner (`Interner::core`), then compared with the
//! compact form the cache holds (`detect::changes`).
//!
//! `cargo bench --bench detect`; criterion reports time per delta and elem/s.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::Node;
use nodecast::detect::{ChangeSet, Interner, changes};
use serde_json::{Value, json};

/// A node as a kubelet on a cloud VM reports it (the simulator's), with a tenth label.
fn kubelet_node() -> Value {
    let mut node = nodecast::sim::objects::node("worker-a-1", 7, false, "2025-06-01T12:00:00Z");
    node["metadata"]["labels"]["pool"] = json!("general");
    node["metadata"]["resourceVersion"] = json!("48213");
    // The source stage strips managedFields before detect sees a node.
    node["metadata"].as_object_mut().unwrap().remove("managedFields");
    node
}

/// The kubelet node before and after `edit`, as two separately deserialized
/// nodes: equal strings never share memory, as with real watch events.
fn delta(edit: impl FnOnce(&mut Value)) -> (Node, Node) {
    let before = kubelet_node();
    let mut after = before.clone();
    edit(&mut after);
    (serde_json::from_value(before).unwrap(), serde_json::from_value(after).unwrap())
}

fn detect(c: &mut Criterion) {
    let cases = [
        (
            "heartbeat_only",
            ChangeSet::empty(),
            delta(|n| {
                for condition in n["status"]["conditions"].as_array_mut().unwrap() {
                    condition["lastHeartbeatTime"] = json!("2025-06-01T12:00:10Z");
                }
                n["metadata"]["resourceVersion"] = json!("48214");
            }),
        ),
        ("label_edit", ChangeSet::LABELS, delta(|n| n["metadata"]["labels"]["pool"] = json!("gpu"))),
        (
            "ready_flip",
            ChangeSet::READY | ChangeSet::CONDITIONS,
            delta(|n| {
                let conditions = n["status"]["conditions"].as_array_mut().unwrap();
                let ready = conditions.iter_mut().find(|c| c["type"] == "Ready").unwrap();
                ready["status"] = json!("False");
                ready["reason"] = json!("KubeletNotReady");
                ready["lastTransitionTime"] = json!("2025-06-01T12:00:10Z");
            }),
        ),
    ];

    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(1));
    let mut interner = Interner::default();
    for (name, expected, (before, after)) in &cases {
        let cached = interner.core(before);
        // A bench that measured the wrong delta would report a meaningless floor.
        assert_eq!(changes(&cached, &interner.core(after)), *expected, "{name}");
        group.bench_function(*name, |b| b.iter(|| changes(black_box(&cached), &interner.core(black_box(after)))));
    }
    group.finish();
}

criterion_group!(benches, detect);
criterion_main!(benches);
