//! What it costs to tell which field groups of a node changed, per watch delta:
//! `detect::changes` on a kubelet-like node (10 labels, 4 conditions, 2 images)
//! for the three updates a cluster sends most, a heartbeat, a label edit and a
//! Ready flip. The floor is under 1 µs per delta for each of them, so that
//! detection never shows in the per-event budget.
//!
//! `cargo bench --bench detect`; criterion reports time per delta and elem/s.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::Node;
use nodecast::detect::{ChangeSet, changes};
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
                let ready = &mut n["status"]["conditions"][3];
                ready["status"] = json!("False");
                ready["reason"] = json!("KubeletNotReady");
                ready["lastTransitionTime"] = json!("2025-06-01T12:00:10Z");
            }),
        ),
    ];

    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(1));
    for (name, expected, (before, after)) in &cases {
        // A bench that measured the wrong delta would report a meaningless floor.
        assert_eq!(changes(before, after), *expected, "{name}");
        group.bench_function(*name, |b| b.iter(|| changes(black_box(before), black_box(after))));
    }
    group.finish();
}

criterion_group!(benches, detect);
criterion_main!(benches);
