//! The objects the simulator serves, shaped like those of a real cluster
//! (kubelet-registered nodes with their conditions, images and managed fields;
//! ReplicaSet-owned pods), and their `Table` renderings for kubectl.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Now, as the API writes timestamps (RFC 3339, seconds, UTC).
pub fn timestamp_now() -> String {
    timestamp(Utc::now())
}

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub const ZONES: [&str; 3] = ["zone-a", "zone-b", "zone-c"];
const INSTANCE_TYPES: [(&str, &str, &str); 3] =
    [("m5.xlarge", "4", "16101204Ki"), ("m5.2xlarge", "8", "32408276Ki"), ("c5.4xlarge", "16", "32408272Ki")];

/// Container images a kubelet reports by default: real nodes carry dozens, and
/// they are most of a node's bytes.
pub const DEFAULT_IMAGES_PER_NODE: usize = 40;
/// As many distinct images as the simulator knows.
pub const MAX_IMAGES_PER_NODE: usize = SYSTEM_IMAGES.len() + WORKLOAD_IMAGES.len();

/// Images every node pulls: its DaemonSets' and the control plane's add-ons.
const SYSTEM_IMAGES: [(&str, u64); 16] = [
    ("registry.k8s.io/kube-proxy:v1.33.1", 30_452_768),
    ("registry.k8s.io/pause:3.10", 320_368),
    ("docker.io/calico/cni:v3.28.2", 94_536_521),
    ("docker.io/calico/node:v3.28.2", 130_214_633),
    ("registry.k8s.io/coredns/coredns:v1.12.0", 20_939_036),
    ("public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.37.0", 31_255_772),
    ("registry.k8s.io/sig-storage/livenessprobe:v2.14.0", 9_611_238),
    ("registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.12.0", 10_993_418),
    ("quay.io/prometheus/node-exporter:v1.8.2", 11_743_109),
    ("docker.io/fluent/fluent-bit:3.1.9", 33_102_313),
    ("docker.io/grafana/promtail:3.2.1", 81_920_144),
    ("registry.k8s.io/metrics-server/metrics-server:v0.7.2", 19_494_617),
    ("quay.io/jetstack/cert-manager-webhook:v1.16.1", 15_072_544),
    ("docker.io/istio/proxyv2:1.23.2", 96_512_117),
    ("docker.io/openpolicyagent/gatekeeper:v3.17.1", 28_938_291),
    ("registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.0", 34_102_313),
];

/// Workload images; each node holds a window of them that depends on its shape,
/// so nodes share most images without all holding the same list.
const WORKLOAD_IMAGES: [(&str, u64); 40] = [
    ("docker.io/library/mongo:7.0.14", 240_187_210),
    ("docker.io/library/alpine:3.20.3", 3_806_054),
    ("docker.io/library/postgres:16.4", 152_384_123),
    ("docker.io/library/redis:7.4.1", 45_551_424),
    ("ghcr.io/acme/search-indexer:2026.11.02-e0f9d2a", 120_183_722),
    ("docker.io/envoyproxy/envoy:v1.31.2", 62_127_833),
    ("docker.io/bitnami/kafka:3.8.0-debian-12-r5", 187_263_721),
    ("ghcr.io/acme/reporting:2026.11.10-1b2c3d4", 77_162_311),
    ("docker.io/hashicorp/vault:1.18.0", 71_286_113),
    ("docker.io/library/nginx:1.27.2", 56_774_564),
    ("ghcr.io/acme/payments-api:2026.11.12-3f2a1c9", 98_273_122),
    ("docker.io/library/mysql:8.4.3", 165_462_842),
    ("docker.io/library/python:3.12.7-slim", 47_834_566),
    ("docker.io/library/memcached:1.6.31", 34_271_200),
    ("docker.io/grafana/loki:3.2.1", 23_183_748),
    ("docker.io/jaegertracing/all-in-one:1.62.0", 24_918_283),
    ("docker.io/grafana/grafana:11.3.0", 113_118_372),
    ("docker.io/velero/velero:v1.14.1", 58_727_316),
    ("quay.io/prometheus/prometheus:v2.55.0", 98_293_384),
    ("ghcr.io/external-secrets/external-secrets:v0.10.4", 27_172_616),
    ("docker.io/istio/pilot:1.23.2", 73_115_520),
    ("quay.io/cilium/operator-generic:v1.16.3", 18_960_021),
    ("docker.io/library/rabbitmq:4.0.2-management", 103_988_124),
    ("ghcr.io/acme/checkout:2026.11.14-9a8b7c6", 88_120_456),
    ("ghcr.io/acme/inventory:2026.11.13-5d4e3f2", 64_992_871),
    ("ghcr.io/acme/notifications:2026.11.09-0c1d2e3", 52_440_198),
    ("ghcr.io/acme/web-frontend:2026.11.15-a1b2c3d", 41_873_302),
    ("ghcr.io/acme/recommendations:2026.11.08-7f6e5d4", 134_551_090),
    ("docker.io/library/node:22.11.0-slim", 78_013_664),
    ("docker.io/library/golang:1.23.3", 312_009_541),
    ("docker.io/library/openjdk:21-jdk-slim", 224_610_883),
    ("docker.io/bitnami/zookeeper:3.9.3-debian-12-r0", 141_932_007),
    ("docker.io/elastic/elasticsearch:8.15.3", 698_114_272),
    ("docker.io/elastic/kibana:8.15.3", 512_773_110),
    ("docker.io/minio/minio:RELEASE.2024-10-29T16-01-48Z", 60_317_925),
    ("docker.io/traefik:v3.2.0", 47_092_388),
    ("quay.io/argoproj/argocd:v2.13.0", 183_449_716),
    ("docker.io/library/haproxy:3.0.6", 39_650_401),
    ("docker.io/timberio/vector:0.42.0-debian", 97_114_025),
    ("ghcr.io/acme/batch-runner:2026.11.11-4c3b2a1", 71_208_664),
];

/// A node as a kubelet registers it on a cloud VM, about as large as real ones
/// (13 labels, 6 annotations, 5 conditions, 40 images by default). `shape` picks
/// zone, instance type and images, so the same seed gives the same cluster.
pub fn node(name: &str, shape: u64, control_plane: bool, now: &str) -> Value {
    node_with_images(name, shape, control_plane, now, DEFAULT_IMAGES_PER_NODE)
}

/// [`node`] with `images` container images (at most [`MAX_IMAGES_PER_NODE`]).
pub fn node_with_images(name: &str, shape: u64, control_plane: bool, now: &str, images: usize) -> Value {
    let zone = ZONES[(shape % 3) as usize];
    let (instance_type, cpu, memory) = INSTANCE_TYPES[((shape / 3) % 3) as usize];
    let octet = shape % 250 + 2;
    let internal_ip = format!("10.0.{}.{octet}", shape % 3);
    let mut labels = json!({
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": instance_type,
        "beta.kubernetes.io/os": "linux",
        "failure-domain.beta.kubernetes.io/region": "sim-1",
        "failure-domain.beta.kubernetes.io/zone": zone,
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": instance_type,
        "topology.kubernetes.io/region": "sim-1",
        "topology.kubernetes.io/zone": zone,
        "eks.amazonaws.com/nodegroup": format!("general-{}", shape % 4),
    });
    let mut taints = Vec::new();
    if control_plane {
        labels["node-role.kubernetes.io/control-plane"] = json!("");
        taints.push(json!({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}));
    } else {
        labels["node-role.kubernetes.io/worker"] = json!("");
    }
    let capacity = json!({
        "attachable-volumes-aws-ebs": "25", "cpu": cpu, "ephemeral-storage": "104845292Ki", "hugepages-1Gi": "0",
        "hugepages-2Mi": "0", "memory": memory, "pods": "110",
    });
    let allocatable = json!({
        "attachable-volumes-aws-ebs": "25", "cpu": format!("{}m", cpu.parse::<u32>().unwrap_or(1) * 1000 - 80),
        "ephemeral-storage": "95551679124", "hugepages-1Gi": "0", "hugepages-2Mi": "0", "memory": memory, "pods": "110",
    });
    let mut conditions = kubelet_conditions(now, now);
    if let Value::Array(list) = &mut conditions {
        list.insert(
            0,
            json!({"type": "NetworkUnavailable", "status": "False", "lastHeartbeatTime": now,
                              "lastTransitionTime": now, "reason": "CalicoIsUp",
                              "message": "Calico is running on this node"}),
        );
    }
    json!({
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "uid": format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", fxhash(name) as u32, shape & 0xffff,
                           shape % 0xfff, (shape >> 12) % 0xfff, fxhash(name) >> 16),
            "labels": labels,
            "annotations": {
                "alpha.kubernetes.io/provided-node-ip": internal_ip,
                "csi.volume.kubernetes.io/nodeid": format!("{{\"ebs.csi.aws.com\":\"i-{:017x}\"}}", fxhash(name) >> 4),
                "node.alpha.kubernetes.io/ttl": "0",
                "projectcalico.org/IPv4Address": format!("{internal_ip}/19"),
                "projectcalico.org/IPv4IPIPTunnelAddr": format!("192.168.{octet}.0"),
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "managedFields": [{
                "manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": now,
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:node.alpha.kubernetes.io/ttl": {},
                    "f:volumes.kubernetes.io/controller-managed-attach-detach": {}},
                    "f:labels": {".": {}, "f:kubernetes.io/hostname": {}, "f:kubernetes.io/os": {}}},
                    "f:status": {"f:conditions": {}, "f:nodeInfo": {}, "f:images": {}}},
            }],
        },
        "spec": {
            "podCIDR": format!("10.244.{octet}.0/24"),
            "podCIDRs": [format!("10.244.{octet}.0/24")],
            "providerID": format!("sim://{zone}/{name}"),
            "taints": taints,
        },
        "status": {
            "capacity": capacity,
            "allocatable": allocatable,
            "conditions": conditions,
            "addresses": [
                {"type": "InternalIP", "address": internal_ip},
                {"type": "Hostname", "address": name},
                {"type": "InternalDNS", "address": format!("{name}.sim-1.compute.internal")},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": format!("{shape:032x}"), "systemUUID": format!("{shape:032x}"),
                "bootID": format!("{:032x}", shape ^ 0x5eed), "kernelVersion": "6.1.0-28-cloud-amd64",
                "osImage": "Debian GNU/Linux 12 (bookworm)", "containerRuntimeVersion": "containerd://1.7.24",
                "kubeletVersion": "v1.33.1", "kubeProxyVersion": "v1.33.1",
                "operatingSystem": "linux", "architecture": "amd64",
            },
            "images": node_images(shape, images),
        },
    })
}

/// The system images, then a window of workload images starting where `shape` says,
/// each named by digest and by tag as the kubelet reports them.
fn node_images(shape: u64, count: usize) -> Vec<Value> {
    let start = (shape as usize * 7) % WORKLOAD_IMAGES.len();
    let workloads = WORKLOAD_IMAGES.iter().cycle().skip(start).take(WORKLOAD_IMAGES.len());
    SYSTEM_IMAGES
        .iter()
        .chain(workloads)
        .take(count)
        .map(|(tagged, size)| {
            let repository = tagged.rsplit_once(':').map_or(*tagged, |(repository, _)| repository);
            let digest = Sha256::digest(tagged.as_bytes());
            let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
            json!({"names": [format!("{repository}@sha256:{hex}"), tagged], "sizeBytes": size})
        })
        .collect()
}

pub fn namespace(name: &str) -> Value {
    json!({
        "kind": "Namespace", "apiVersion": "v1",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

/// A running pod of `app`, owned by a ReplicaSet, placed on `node`.
pub fn pod(namespace: &str, app: &str, suffix: u64, node: &str, now: &str) -> Value {
    let hash = format!("{:x}", (suffix.wrapping_mul(0x9e37_79b9) >> 8) & 0xff_ffff);
    let name = format!("{app}-{hash}-{suffix:05x}");
    let replica_set = format!("{app}-{hash}");
    json!({
        "kind": "Pod", "apiVersion": "v1",
        "metadata": {
            "name": name, "namespace": namespace,
            "labels": {"app": app, "pod-template-hash": hash},
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": replica_set,
                "uid": format!("00000000-0000-4000-8000-{:012x}", suffix % 7), "controller": true, "blockOwnerDeletion": true,
            }],
        },
        "spec": {
            "nodeName": node,
            "containers": [{"name": app, "image": format!("registry.example/{app}:1.0"),
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}],
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler",
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": now}],
            "hostIP": "10.0.0.1", "podIP": format!("10.244.{}.{}", suffix % 250, suffix % 200 + 10), "startTime": now,
            "containerStatuses": [{"name": app, "ready": true, "started": true, "restartCount": 0,
                                   "image": format!("registry.example/{app}:1.0"), "imageID": "",
                                   "state": {"running": {"startedAt": now}}}],
        },
    })
}

/// The conditions a healthy kubelet reports, in the kubelet's order.
pub fn kubelet_conditions(heartbeat: &str, transition: &str) -> Value {
    let condition = |kind: &str, status: &str, reason: &str, message: &str| {
        json!({"type": kind, "status": status, "lastHeartbeatTime": heartbeat, "lastTransitionTime": transition,
               "reason": reason, "message": message})
    };
    json!([
        condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ])
}

/// A kubelet's node lease (`kube-node-lease/NAME`), owned by its node.
pub fn node_lease(node: &Value, renewed: &str) -> Value {
    let name = node["metadata"]["name"].clone();
    json!({
        "kind": "Lease", "apiVersion": "coordination.k8s.io/v1",
        "metadata": {
            "name": name, "namespace": NODE_LEASE_NAMESPACE,
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": name, "uid": node["metadata"]["uid"]}],
        },
        "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": renewed},
    })
}

/// Where kubelets keep their leases.
pub const NODE_LEASE_NAMESPACE: &str = "kube-node-lease";

/// Now, as a `MicroTime` (a lease's `renewTime`): microseconds, UTC.
pub fn micro_time_now() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// A PodDisruptionBudget of `policy/v1` keeping `min_available` pods of `selector` (a `LabelSelector`) healthy.
pub fn disruption_budget(name: &str, namespace: &str, selector: Value, min_available: usize) -> Value {
    json!({
        "kind": "PodDisruptionBudget", "apiVersion": "policy/v1",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"minAvailable": min_available, "selector": selector},
    })
}

/// The status a kubelet reports once it runs every container of `pod` on a node at `host_ip`.
pub fn running_pod_status(pod: &Value, host_ip: &str, pod_ip: &str, now: &str) -> Value {
    let condition =
        |kind: &str| json!({"type": kind, "status": "True", "lastProbeTime": null, "lastTransitionTime": now});
    let containers = pod["spec"]["containers"].as_array().map(Vec::as_slice).unwrap_or_default();
    json!({
        "phase": "Running",
        "conditions": [condition("PodReadyToStartContainers"), condition("Initialized"), condition("Ready"),
                       condition("ContainersReady"), condition("PodScheduled")],
        "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
        "startTime": now,
        "qosClass": pod["status"]["qosClass"],
        "containerStatuses": containers.iter().map(|container| json!({
            "name": container["name"], "ready": true, "started": true, "restartCount": 0,
            "image": container["image"], "imageID": "",
            "containerID": format!("containerd://{:064x}", fxhash(&format!("{}{}", pod["metadata"]["uid"], container["name"]))),
            "state": {"running": {"startedAt": now}},
        })).collect::<Vec<_>>(),
    })
}

fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_objects_are_valid_kubernetes_objects() {
        let now = timestamp_now();
        serde_json::from_value::<k8s_openapi::api::core::v1::Node>(node("n1", 7, false, &now)).unwrap();
        serde_json::from_value::<k8s_openapi::api::core::v1::Pod>(pod("demo", "web", 42, "n1", &now)).unwrap();
        serde_json::from_value::<k8s_openapi::api::core::v1::Namespace>(namespace("demo")).unwrap();
    }

    #[test]
    fn nodes_are_as_large_as_real_kubelet_nodes_and_share_most_images() {
        let now = timestamp_now();
        let sized = |shape| {
            let mut node = node(&format!("node-{shape:04}"), shape, false, &now);
            node["metadata"].as_object_mut().unwrap().remove("managedFields");
            node
        };
        let (one, other) = (sized(1), sized(2));
        let bytes = serde_json::to_vec(&one).unwrap().len();
        assert!((10_000..=12_500).contains(&bytes), "{bytes} bytes without managedFields");
        let images = |node: &Value| node["status"]["images"].as_array().unwrap().clone();
        assert_eq!(images(&one).len(), DEFAULT_IMAGES_PER_NODE);
        let shared = images(&one).iter().filter(|image| images(&other).contains(image)).count();
        assert!((SYSTEM_IMAGES.len()..DEFAULT_IMAGES_PER_NODE).contains(&shared), "{shared} images shared");
    }
}
