//! `kubectl get` as kube-apiserver's table printers render it: the columns of
//! each resource and the cells of one object, `-o wide` columns included.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::objects::timestamp;
use super::store::Resource;

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
    use crate::sim::objects::{node, pod};

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
        object["status"]["conditions"][4]["status"] = json!("Unknown");
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
}
