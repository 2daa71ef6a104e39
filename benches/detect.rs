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

/// A node as a kubelet on a cloud VM reports it.
fn kubelet_node() -> Value {
    let condition = |type_: &str, status: &str, reason: &str| {
        json!({
            "type": type_,
            "status": status,
            "reason": reason,
            "message": format!("kubelet reports {reason}"),
            "lastHeartbeatTime": "2025-06-01T12:00:00Z",
            "lastTransitionTime": "2025-05-30T08:14:02Z",
        })
    };
    json!({
        "metadata": {
            "name": "worker-a-1",
            "resourceVersion": "48213",
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": "worker-a-1",
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": "m6i.xlarge",
                "topology.kubernetes.io/region": "eu-west-1",
                "topology.kubernetes.io/zone": "eu-west-1a",
                "node-role.kubernetes.io/worker": "",
                "pool": "general",
            },
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"taints": [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}]},
        "status": {
            "capacity": {"cpu": "4", "memory": "16069032Ki", "pods": "110", "ephemeral-storage": "101430960Ki"},
            "allocatable": {"cpu": "3920m", "memory": "15264104Ki", "pods": "110", "ephemeral-storage": "93478772582"},
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID"),
                condition("Ready", "True", "KubeletReady"),
            ],
            "addresses": [{"type": "InternalIP", "address": "10.0.1.17"}, {"type": "Hostname", "address": "worker-a-1"}],
            "nodeInfo": {
                "machineID": "ec2a9f0c4b1d4f7e8a3b2c1d0e9f8a7b",
                "systemUUID": "ec2a9f0c-4b1d-4f7e-8a3b-2c1d0e9f8a7b",
                "bootID": "1d2c3b4a-5e6f-4a8b-9c0d-e1f2a3b4c5d6",
                "kernelVersion": "6.1.0-21-cloud-amd64",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": "containerd://1.7.20",
                "kubeletVersion": "v1.33.1",
                "kubeProxyVersion": "",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "images": [
                {"names": ["registry.k8s.io/kube-proxy:v1.33.1"], "sizeBytes": 30_512_640},
                {"names": ["registry.k8s.io/pause:3.10"], "sizeBytes": 320_368},
            ],
        },
    })
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
