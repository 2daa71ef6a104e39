//! The objects the simulator serves, shaped like those of a real cluster
//! (kubelet-registered nodes with their conditions, images and managed fields;
//! ReplicaSet-owned pods), and their `Table` renderings for kubectl.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::store::Resource;

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

/// The columns of `kubectl get` for a resource (kube-apiserver's printers):
/// priority 1 columns are the ones `-o wide` adds.
pub fn table_columns(resource: Resource) -> Value {
    let column = |name: &str, kind: &str, priority: u8, description: &str| {
        json!({"name": name, "type": kind, "format": if name == "Name" { "name" } else { "" },
               "description": description, "priority": priority})
    };
    let name = column("Name", "string", 0, NAME_DOC);
    let age = column("Age", "string", 0, CREATION_DOC);
    match resource {
        Resource::Nodes => json!([
            name,
            column("Status", "string", 0, "The status of the node"),
            column("Roles", "string", 0, "The roles of the node"),
            age,
            column("Version", "string", 0, "Kubelet Version reported by the node."),
            column("Internal-IP", "string", 1, "List of addresses reachable to the node."),
            column("External-IP", "string", 1, "List of addresses reachable to the node."),
            column(
                "OS-Image",
                "string",
                1,
                "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."
            ),
            column(
                "Kernel-Version",
                "string",
                1,
                "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."
            ),
            column(
                "Container-Runtime",
                "string",
                1,
                "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."
            ),
        ]),
        Resource::Pods => json!([
            name,
            column("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
            column("Status", "string", 0, "The aggregate status of the containers in this pod."),
            column(
                "Restarts",
                "string",
                0,
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."
            ),
            age,
            column("IP", "string", 1, "podIP address allocated to the pod."),
            column("Node", "string", 1, "NodeName is a request to schedule this pod onto a specific node."),
            column(
                "Nominated Node",
                "string",
                1,
                "nominatedNodeName is set only when this pod preempts other pods on the node."
            ),
            column(
                "Readiness Gates",
                "string",
                1,
                "If specified, all readiness gates will be evaluated for pod readiness."
            ),
        ]),
        Resource::Namespaces => json!([name, column("Status", "string", 0, "The status of the namespace"), age]),
        Resource::Leases => json!([
            name,
            column("Holder", "string", 0, "holderIdentity contains the identity of the holder of a current lease."),
            age
        ]),
        Resource::PodDisruptionBudgets => json!([
            name,
            column("Min Available", "string", 0, "The minimum number of pods that must be available."),
            column("Max Unavailable", "string", 0, "The maximum number of pods that may be unavailable."),
            column(
                "Allowed Disruptions",
                "integer",
                0,
                "Calculated number of pods that may be disrupted at this time."
            ),
            age,
        ]),
    }
}

const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some \
     resources may allow a client to request the generation of an appropriate name automatically. Name is primarily \
     intended for creation idempotence and configuration definition. Cannot be updated.";
const CREATION_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was \
     created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set \
     this value. It is represented in RFC3339 form and is in UTC.";

/// One row of `kubectl get`, cells in the order of [`table_columns`].
pub fn table_row(resource: Resource, object: &Value, now: DateTime<Utc>) -> Value {
    let metadata = &object["metadata"];
    let name = metadata["name"].as_str().unwrap_or_default();
    let age = human_age(metadata["creationTimestamp"].as_str().unwrap_or_default(), now);
    let cells = match resource {
        Resource::Nodes => node_cells(object, name, age),
        Resource::Pods => pod_cells(object, name, age, now),
        Resource::Namespaces => json!([name, text_or(&object["status"]["phase"], ""), age]),
        Resource::Leases => json!([name, text_or(&object["spec"]["holderIdentity"], ""), age]),
        Resource::PodDisruptionBudgets => {
            let int_or_string = |value: &Value| match value {
                Value::Null => "N/A".to_owned(),
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            json!([
                name,
                int_or_string(&object["spec"]["minAvailable"]),
                int_or_string(&object["spec"]["maxUnavailable"]),
                object["status"]["disruptionsAllowed"].as_i64().unwrap_or(0),
                age
            ])
        }
    };
    let mut partial = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata});
    if let Some(fields) = partial["metadata"].as_object_mut() {
        fields.remove("managedFields");
    }
    json!({"cells": cells, "object": partial})
}

fn text_or(value: &Value, default: &str) -> String {
    value.as_str().filter(|text| !text.is_empty()).unwrap_or(default).to_owned()
}

fn node_cells(node: &Value, name: &str, age: String) -> Value {
    // Only the Ready condition names the status; a node that never reported one is Unknown.
    let mut status = match node["status"]["conditions"].as_array().and_then(|c| c.iter().find(|c| c["type"] == "Ready"))
    {
        Some(ready) if ready["status"] == "True" => vec!["Ready"],
        Some(_) => vec!["NotReady"],
        None => vec!["Unknown"],
    };
    if node["spec"]["unschedulable"] == true {
        status.push("SchedulingDisabled");
    }
    let mut roles: Vec<&str> = node["metadata"]["labels"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(key, value)| match key.strip_prefix("node-role.kubernetes.io/") {
                    Some(role) if !role.is_empty() => Some(role),
                    Some(_) => None,
                    None if key == "kubernetes.io/role" => value.as_str().filter(|role| !role.is_empty()),
                    None => None,
                })
                .collect()
        })
        .unwrap_or_default();
    roles.sort_unstable();
    roles.dedup();
    let address = |kind: &str| {
        node["status"]["addresses"]
            .as_array()
            .and_then(|addresses| addresses.iter().find(|a| a["type"] == kind))
            .map(|a| text_or(&a["address"], "<none>"))
            .unwrap_or_else(|| "<none>".to_owned())
    };
    let info = &node["status"]["nodeInfo"];
    json!([
        name,
        status.join(","),
        if roles.is_empty() { "<none>".to_owned() } else { roles.join(",") },
        age,
        text_or(&info["kubeletVersion"], ""),
        address("InternalIP"),
        address("ExternalIP"),
        text_or(&info["osImage"], "<unknown>"),
        text_or(&info["kernelVersion"], "<unknown>"),
        text_or(&info["containerRuntimeVersion"], "<unknown>")
    ])
}

/// kubectl's pod status column: the phase, overridden by the pod's reason, by
/// a waiting or terminated container's reason, and by `Terminating` while a
/// deletion is pending (init containers are not simulated).
fn pod_cells(pod: &Value, name: &str, age: String, now: DateTime<Utc>) -> Value {
    let status = &pod["status"];
    let phase = status["phase"].as_str().unwrap_or_default();
    let mut reason = text_or(&status["reason"], phase);
    let total = pod["spec"]["containers"].as_array().map_or(0, Vec::len);
    let (mut ready, mut restarts, mut has_running) = (0, 0, false);
    let mut last_restart: Option<DateTime<Utc>> = None;
    let statuses = status["containerStatuses"].as_array().map(Vec::as_slice).unwrap_or_default();
    for container in statuses.iter().rev() {
        restarts += container["restartCount"].as_i64().unwrap_or(0);
        if let Some(finished) = container["lastState"]["terminated"]["finishedAt"]
            .as_str()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        {
            let finished = finished.with_timezone(&Utc);
            last_restart = Some(last_restart.map_or(finished, |last| last.max(finished)));
        }
        let state = &container["state"];
        if let Some(waiting) = state["waiting"]["reason"].as_str().filter(|r| !r.is_empty()) {
            reason = waiting.to_owned();
        } else if let Some(terminated) = state["terminated"].as_object() {
            reason = match terminated.get("reason").and_then(Value::as_str).filter(|r| !r.is_empty()) {
                Some(terminated_reason) => terminated_reason.to_owned(),
                None => match terminated.get("signal").and_then(Value::as_i64).filter(|signal| *signal != 0) {
                    Some(signal) => format!("Signal:{signal}"),
                    None => format!("ExitCode:{}", terminated.get("exitCode").and_then(Value::as_i64).unwrap_or(0)),
                },
            };
        } else if container["ready"] == true && state["running"].is_object() {
            has_running = true;
            ready += 1;
        }
    }
    let conditions = status["conditions"].as_array().map(Vec::as_slice).unwrap_or_default();
    let condition_true = |kind: &str| conditions.iter().any(|c| c["type"] == kind && c["status"] == "True");
    if reason == "Completed" && has_running {
        reason = if condition_true("Ready") { "Running" } else { "NotReady" }.to_owned();
    }
    if !pod["metadata"]["deletionTimestamp"].is_null() {
        if status["reason"] == "NodeLost" {
            reason = "Unknown".to_owned();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_owned();
        }
    }
    let restarts = match last_restart {
        Some(at) if restarts != 0 => format!("{restarts} ({} ago)", human_age(&timestamp(at), now)),
        _ => restarts.to_string(),
    };
    let gates = pod["spec"]["readinessGates"].as_array().map(Vec::as_slice).unwrap_or_default();
    let readiness_gates = if gates.is_empty() {
        "<none>".to_owned()
    } else {
        let met = gates
            .iter()
            .filter(|gate| {
                conditions.iter().find(|c| c["type"] == gate["conditionType"]).is_some_and(|c| c["status"] == "True")
            })
            .count();
        format!("{met}/{}", gates.len())
    };
    let pod_ip = status["podIPs"][0]["ip"].as_str().or(status["podIP"].as_str());
    json!([
        name,
        format!("{ready}/{total}"),
        reason,
        restarts,
        age,
        pod_ip.filter(|ip| !ip.is_empty()).unwrap_or("<none>"),
        text_or(&pod["spec"]["nodeName"], "<none>"),
        text_or(&status["nominatedNodeName"], "<none>"),
        readiness_gates
    ])
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
        let row = table_row(Resource::Nodes, &object, now);
        assert_eq!(
            row["cells"],
            json!([
                "n1",
                "Ready,SchedulingDisabled",
                "control-plane",
                "30s",
                "v1.33.1",
                "10.0.1.6",
                "<none>",
                "Debian GNU/Linux 12 (bookworm)",
                "6.1.0-28-cloud-amd64",
                "containerd://1.7.24"
            ])
        );
    }

    #[test]
    fn node_without_a_ready_condition_is_unknown_and_one_not_ready_is_not_ready() {
        let now = Utc::now();
        let mut object = node("n1", 4, false, &timestamp(now));
        object["status"]["conditions"][3]["status"] = json!("Unknown");
        assert_eq!(table_row(Resource::Nodes, &object, now)["cells"][1], "NotReady");
        object["status"]["conditions"] = json!([]);
        object["spec"]["unschedulable"] = json!(true);
        assert_eq!(table_row(Resource::Nodes, &object, now)["cells"][1], "Unknown,SchedulingDisabled");
    }

    #[test]
    fn pod_row_counts_spec_containers_and_shows_terminating() {
        let now = Utc::now();
        let mut object = pod("demo", "web", 3, "n1", &timestamp(now));
        object["spec"]["containers"].as_array_mut().unwrap().push(json!({"name": "sidecar", "image": "busybox"}));
        object["metadata"]["deletionTimestamp"] = json!(timestamp(now));
        let cells = table_row(Resource::Pods, &object, now)["cells"].clone();
        assert_eq!(cells[1], "1/2");
        assert_eq!(cells[2], "Terminating");
        assert_eq!(cells[7], "<none>");
        assert_eq!(cells[8], "<none>");
    }

    #[test]
    fn built_objects_are_valid_kubernetes_objects() {
        let now = timestamp_now();
        serde_json::from_value::<k8s_openapi::api::core::v1::Node>(node("n1", 7, false, &now)).unwrap();
        serde_json::from_value::<k8s_openapi::api::core::v1::Pod>(pod("demo", "web", 42, "n1", &now)).unwrap();
        serde_json::from_value::<k8s_openapi::api::core::v1::Namespace>(namespace("demo")).unwrap();
    }
}
