//! The objects the simulator serves, shaped like those of a real cluster
//! (kubelet-registered nodes with their conditions, images and managed fields;
//! ReplicaSet-owned pods), and their `Table` renderings for kubectl.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

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

/// A node as a kubelet registers it. `shape` picks zone and instance type, so the
/// same seed gives the same cluster.
pub fn node(name: &str, shape: u64, control_plane: bool, now: &str) -> Value {
    let zone = ZONES[(shape % 3) as usize];
    let (instance_type, cpu, memory) = INSTANCE_TYPES[((shape / 3) % 3) as usize];
    let octet = shape % 250 + 2;
    let mut labels = json!({
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": instance_type,
        "topology.kubernetes.io/region": "sim-1",
        "topology.kubernetes.io/zone": zone,
    });
    let mut taints = Vec::new();
    if control_plane {
        labels["node-role.kubernetes.io/control-plane"] = json!("");
        taints.push(json!({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}));
    } else {
        labels["node-role.kubernetes.io/worker"] = json!("");
    }
    let resources = json!({
        "cpu": cpu, "ephemeral-storage": "101430960Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
        "memory": memory, "pods": "110",
    });
    json!({
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
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
            "capacity": resources,
            "allocatable": resources,
            "conditions": kubelet_conditions(now, now),
            "addresses": [
                {"type": "InternalIP", "address": format!("10.0.{}.{octet}", shape % 3)},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": format!("{shape:032x}"), "systemUUID": format!("{shape:032x}"),
                "bootID": format!("{:032x}", shape ^ 0x5eed), "kernelVersion": "6.1.0-28-cloud-amd64",
                "osImage": "Debian GNU/Linux 12 (bookworm)", "containerRuntimeVersion": "containerd://1.7.24",
                "kubeletVersion": "v1.33.1", "kubeProxyVersion": "v1.33.1",
                "operatingSystem": "linux", "architecture": "amd64",
            },
            "images": [
                {"names": ["registry.k8s.io/kube-proxy:v1.33.1"], "sizeBytes": 30_452_768},
                {"names": ["registry.k8s.io/pause:3.10"], "sizeBytes": 320_368},
            ],
        },
    })
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
}
