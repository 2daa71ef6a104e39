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

/// The `Ready` condition's status of a node (`"Unknown"` when it has none).
pub fn node_ready(node: &Value) -> &str {
    node["status"]["conditions"]
        .as_array()
        .and_then(|conditions| conditions.iter().find(|c| c["type"] == "Ready"))
        .and_then(|ready| ready["status"].as_str())
        .unwrap_or("Unknown")
}

/// How long ago `at` was, in kubectl's AGE notation (`45s`, `3m20s`, `5h`, `12d`).
pub fn human_age(at: &str, now: DateTime<Utc>) -> String {
    let Ok(at) = DateTime::parse_from_rfc3339(at) else {
        return "<unknown>".to_owned();
    };
    let seconds = (now - at.with_timezone(&Utc)).num_seconds();
    let with_remainder = |major: i64, unit: &str, minor: i64, minor_unit: &str| {
        if minor == 0 { format!("{major}{unit}") } else { format!("{major}{unit}{minor}{minor_unit}") }
    };
    let (minutes, hours) = (seconds / 60, seconds / 3600);
    match seconds {
        s if s < -1 => "<invalid>".to_owned(),
        s if s < 0 => "0s".to_owned(),
        s if s < 120 => format!("{s}s"),
        _ if minutes < 10 => with_remainder(minutes, "m", seconds % 60, "s"),
        _ if minutes < 180 => format!("{minutes}m"),
        _ if hours < 8 => with_remainder(hours, "h", minutes % 60, "m"),
        _ if hours < 48 => format!("{hours}h"),
        _ if hours < 24 * 8 => with_remainder(hours / 24, "d", hours % 24, "h"),
        _ => format!("{}d", hours / 24),
    }
}

/// The columns of `kubectl get` for a resource, and one row of them.
pub fn table_columns(kind: &str) -> Value {
    // Every column kubectl shows here is text.
    let column = |name: &str, priority: u8| json!({"name": name, "type": "string", "format": if name == "Name" { "name" } else { "" }, "description": "", "priority": priority});
    match kind {
        "Node" => json!([
            column("Name", 0),
            column("Status", 0),
            column("Roles", 0),
            column("Age", 0),
            column("Version", 0),
            column("Internal-IP", 1),
            column("OS-Image", 1),
            column("Kernel-Version", 1),
            column("Container-Runtime", 1),
        ]),
        "Pod" => json!([
            column("Name", 0),
            column("Ready", 0),
            column("Status", 0),
            column("Restarts", 0),
            column("Age", 0),
            column("IP", 1),
            column("Node", 1),
        ]),
        _ => json!([column("Name", 0), column("Status", 0), column("Age", 0)]),
    }
}

pub fn table_row(object: &Value, now: DateTime<Utc>) -> Value {
    let metadata = &object["metadata"];
    let name = metadata["name"].as_str().unwrap_or_default();
    let age = human_age(metadata["creationTimestamp"].as_str().unwrap_or_default(), now);
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let cells = match object["kind"].as_str() {
        Some("Node") => {
            let mut status = if node_ready(object) == "True" { "Ready" } else { "NotReady" }.to_owned();
            if object["spec"]["unschedulable"] == true {
                status.push_str(",SchedulingDisabled");
            }
            let mut roles: Vec<&str> = metadata["labels"]
                .as_object()
                .map(|labels| labels.keys().filter_map(|key| key.strip_prefix("node-role.kubernetes.io/")).collect())
                .unwrap_or_default();
            roles.sort_unstable();
            let roles = if roles.is_empty() { "<none>".to_owned() } else { roles.join(",") };
            let info = &object["status"]["nodeInfo"];
            let internal_ip = object["status"]["addresses"]
                .as_array()
                .and_then(|addresses| addresses.iter().find(|a| a["type"] == "InternalIP"))
                .map(|a| text(&a["address"]))
                .unwrap_or_else(|| "<none>".to_owned());
            json!([
                name,
                status,
                roles,
                age,
                text(&info["kubeletVersion"]),
                internal_ip,
                text(&info["osImage"]),
                text(&info["kernelVersion"]),
                text(&info["containerRuntimeVersion"])
            ])
        }
        Some("Pod") => {
            let statuses = object["status"]["containerStatuses"].as_array().cloned().unwrap_or_default();
            let ready = statuses.iter().filter(|s| s["ready"] == true).count();
            let restarts: i64 = statuses.iter().filter_map(|s| s["restartCount"].as_i64()).sum();
            json!([
                name,
                format!("{ready}/{}", statuses.len()),
                text(&object["status"]["phase"]),
                restarts.to_string(),
                age,
                text(&object["status"]["podIP"]),
                text(&object["spec"]["nodeName"])
            ])
        }
        _ => json!([name, text(&object["status"]["phase"]), age]),
    };
    let mut partial = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata});
    if let Some(fields) = partial["metadata"].as_object_mut() {
        fields.remove("managedFields");
    }
    json!({"cells": cells, "object": partial})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_follows_kubectl_notation() {
        let now = DateTime::parse_from_rfc3339("2026-01-10T12:00:00Z").unwrap().with_timezone(&Utc);
        for (at, expected) in [
            ("2026-01-10T11:59:15Z", "45s"),
            ("2026-01-10T11:56:40Z", "3m20s"),
            ("2026-01-10T11:55:00Z", "5m"),
            ("2026-01-10T10:00:00Z", "120m"),
            ("2026-01-10T06:30:00Z", "5h30m"),
            ("2026-01-09T12:00:00Z", "24h"),
            ("2026-01-07T10:00:00Z", "3d2h"),
            ("2025-12-01T12:00:00Z", "40d"),
        ] {
            assert_eq!(human_age(at, now), expected, "{at}");
        }
    }

    #[test]
    fn node_row_shows_cordon_and_roles() {
        let mut object = node("n1", 4, true, "2026-01-10T12:00:00Z");
        object["spec"]["unschedulable"] = json!(true);
        object["metadata"]["creationTimestamp"] = json!("2026-01-10T12:00:00Z");
        let now = DateTime::parse_from_rfc3339("2026-01-10T12:00:30Z").unwrap().with_timezone(&Utc);
        let row = table_row(&object, now);
        assert_eq!(
            row["cells"].as_array().unwrap()[0..5],
            json!(["n1", "Ready,SchedulingDisabled", "control-plane", "30s", "v1.33.1"]).as_array().unwrap()[..]
        );
    }

    #[test]
    fn built_objects_are_valid_kubernetes_objects() {
        let now = timestamp_now();
        serde_json::from_value::<k8s_openapi::api::core::v1::Node>(node("n1", 7, false, &now)).unwrap();
        serde_json::from_value::<k8s_openapi::api::core::v1::Pod>(pod("demo", "web", 42, "n1", &now)).unwrap();
        serde_json::from_value::<k8s_openapi::api::core::v1::Namespace>(namespace("demo")).unwrap();
    }
}
