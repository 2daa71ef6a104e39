//! Acting on nodes: cordon and uncordon (audited on the node itself), labels
//! and taints, one node or a batch; and draining them ([`drain`]) as
//! long-running [`operation`]s. Every Kubernetes call has a time limit, a batch
//! runs a bounded number of them at once, and each node's outcome is told
//! apart (not found, forbidden, conflict, timeout), so that one bad node never
//! hides what happened to the others.

pub mod drain;
pub mod operation;
pub mod pods;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Node, Taint};
use kube::api::{Api, Patch, PatchParams};
use serde_json::{Value, json};

use crate::selector::{is_dns_subdomain, is_qualified_name_part};

/// Why the node was cordoned, as the operator gave it.
pub const REASON_ANNOTATION: &str = "nodecast.io/cordon-reason";
/// Who cordoned it: the token's name, or `anonymous` with auth off.
pub const BY_ANNOTATION: &str = "nodecast.io/cordoned-by";
/// When, in RFC 3339.
pub const AT_ANNOTATION: &str = "nodecast.io/cordoned-at";

/// The longest one Kubernetes call may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// Kubernetes calls a batch makes at once.
pub const BATCH_CONCURRENCY: usize = 8;

/// What a cordon records on the node.
#[derive(Debug, Clone)]
pub struct Audit {
    pub reason: Option<String>,
    pub principal: String,
    pub at: DateTime<Utc>,
}

/// Why an operation on one node failed, in kinds a client can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    NotFound,
    Forbidden,
    Conflict,
    /// A disruption budget refused an eviction (429).
    Blocked,
    Timeout,
    Invalid,
    Failed,
}

impl FailureKind {
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::NotFound => "not_found",
            FailureKind::Forbidden => "forbidden",
            FailureKind::Conflict => "conflict",
            FailureKind::Blocked => "blocked",
            FailureKind::Timeout => "timeout",
            FailureKind::Invalid => "invalid",
            FailureKind::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    /// `subject` names what the call was about: `node "n1"`, `pod "ns/p"`.
    fn from_kube(subject: &str, error: kube::Error) -> Self {
        let kind = match &error {
            kube::Error::Api(status) => match status.code {
                404 => FailureKind::NotFound,
                401 | 403 => FailureKind::Forbidden,
                409 => FailureKind::Conflict,
                429 => FailureKind::Blocked,
                400 | 422 => FailureKind::Invalid,
                _ => FailureKind::Failed,
            },
            _ => FailureKind::Failed,
        };
        // The causes say what the message does not: which budget, and its counts.
        let causes: Vec<&str> = match &error {
            kube::Error::Api(status) => status
                .details
                .iter()
                .flat_map(|details| &details.causes)
                .map(|cause| cause.message.as_str())
                .filter(|message| !message.is_empty())
                .collect(),
            _ => Vec::new(),
        };
        let message = match causes.as_slice() {
            [] => format!("{subject}: {error}"),
            causes => format!("{subject}: {error} ({})", causes.join("; ")),
        };
        Failure { kind, message }
    }
}

/// One node's outcome: its resourceVersion after the change, or why it failed.
pub type Outcome = Result<String, Failure>;

/// Whether a change is made, or only checked by the API server and answered as
/// it would have been (Kubernetes' `dryRun=All`): admission, validation and
/// conflicts all run, nothing is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Write {
    #[default]
    Commit,
    DryRun,
}

impl Write {
    pub fn from_dry_run(dry_run: bool) -> Self {
        if dry_run { Write::DryRun } else { Write::Commit }
    }
}

/// Cordons `node` (with `Some(audit)`, recorded in its annotations) or
/// uncordons it (with `None`, the annotations removed).
pub async fn set_cordon(client: &kube::Client, node: &str, audit: Option<&Audit>, write: Write) -> Outcome {
    let patch = match audit {
        Some(audit) => json!({
            "metadata": {"annotations": {
                REASON_ANNOTATION: audit.reason,
                BY_ANNOTATION: audit.principal,
                AT_ANNOTATION: audit.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            }},
            "spec": {"unschedulable": true},
        }),
        // null removes a key in a merge patch; kubectl uncordon also clears the field.
        None => json!({
            "metadata": {"annotations": {REASON_ANNOTATION: null, BY_ANNOTATION: null, AT_ANNOTATION: null}},
            "spec": {"unschedulable": null},
        }),
    };
    patch_node(client, node, &patch, write).await
}

async fn patch_node(client: &kube::Client, node: &str, patch: &Value, write: Write) -> Outcome {
    let nodes: Api<Node> = Api::all(client.clone());
    let params = PatchParams { dry_run: write == Write::DryRun, ..PatchParams::default() };
    let patch = Patch::Merge(patch);
    let patched = timed(&format!("node {node:?}"), nodes.patch(node, &params, &patch)).await?;
    Ok(patched.metadata.resource_version.unwrap_or_default())
}

/// One Kubernetes call about `subject` (`node "n1"`), within [`CALL_TIMEOUT`].
async fn timed<T>(subject: &str, call: impl Future<Output = kube::Result<T>>) -> Result<T, Failure> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Err(_) => Err(Failure {
            kind: FailureKind::Timeout,
            message: format!("{subject}: the API server did not answer within {} s", CALL_TIMEOUT.as_secs()),
        }),
        Ok(result) => result.map_err(|error| Failure::from_kube(subject, error)),
    }
}

/// Sets the labels of `set` on `node` and removes those named in `remove`.
pub async fn set_labels(
    client: &kube::Client,
    node: &str,
    set: &BTreeMap<String, String>,
    remove: &[String],
    write: Write,
) -> Outcome {
    let mut labels: serde_json::Map<String, Value> =
        set.iter().map(|(key, value)| (key.clone(), Value::from(value.as_str()))).collect();
    labels.extend(remove.iter().map(|key| (key.clone(), Value::Null)));
    patch_node(client, node, &json!({"metadata": {"labels": labels}}), write).await
}

/// A taint to put on a node; one with the same key and effect is replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTaint {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}

/// The taints to take off a node: those with this key, and this effect when one is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaintMatch {
    pub key: String,
    pub effect: Option<String>,
}

/// Times a node is read and written again when someone else changed it in between.
pub const CONFLICT_ATTEMPTS: u64 = 10;

/// Adds and removes taints. A merge patch replaces the taint list whole, so
/// the list is read, edited and written back with the resourceVersion it was
/// read at as a precondition; a concurrent write makes that a 409, and the
/// edit starts over from the node as it is then, so that no one's change is
/// lost. Attempts wait a little longer each time, with jitter, so that writers
/// that collided do not collide again.
pub async fn edit_taints(
    client: &kube::Client,
    node: &str,
    add: &[NewTaint],
    remove: &[TaintMatch],
    write: Write,
) -> Outcome {
    let nodes: Api<Node> = Api::all(client.clone());
    let mut attempt = 1;
    loop {
        let current = timed(&format!("node {node:?}"), nodes.get(node)).await?;
        let taints = edited_taints(current.spec.and_then(|spec| spec.taints).unwrap_or_default(), add, remove);
        let patch = json!({
            "metadata": {"resourceVersion": current.metadata.resource_version},
            "spec": {"taints": taints},
        });
        match patch_node(client, node, &patch, write).await {
            Err(failure) if failure.kind == FailureKind::Conflict && attempt < CONFLICT_ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(10 * attempt + rand::random_range(0..10))).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

fn edited_taints(mut taints: Vec<Taint>, add: &[NewTaint], remove: &[TaintMatch]) -> Vec<Taint> {
    taints.retain(|taint| {
        !remove.iter().any(|gone| gone.key == taint.key && gone.effect.as_ref().is_none_or(|e| *e == taint.effect))
    });
    for new in add {
        taints.retain(|taint| !(taint.key == new.key && taint.effect == new.effect));
        taints.push(Taint {
            key: new.key.clone(),
            value: new.value.clone(),
            effect: new.effect.clone(),
            time_added: None,
        });
    }
    taints
}

/// Why `key` cannot be the key of a label (or of a taint: `what` says which),
/// or `value` its value, as Kubernetes validates them: a name of up to 63
/// characters (alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric)
/// with an optional DNS subdomain prefix and `/`; a value is empty or such a name.
pub fn key_problem(what: &str, key: &str, value: Option<&str>) -> Option<String> {
    fn name_problem(name: &str) -> Option<&'static str> {
        if name.len() > 63 {
            Some("must be at most 63 characters")
        } else if !is_qualified_name_part(name) {
            Some("must be alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric")
        } else {
            None
        }
    }
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if prefix.is_some_and(|prefix| !is_dns_subdomain(prefix)) {
        return Some(format!("{what} key {key:?}: its prefix must be a DNS subdomain"));
    }
    if let Some(problem) = name_problem(name) {
        return Some(format!("{what} key {key:?}: its name {problem}"));
    }
    match value {
        Some(value) if !value.is_empty() => {
            name_problem(value).map(|problem| format!("{what} {key:?}: the value {value:?} {problem}"))
        }
        _ => None,
    }
}

/// `operation` on every node of `nodes`, at most [`BATCH_CONCURRENCY`] at
/// once; the outcomes come back in the order of `nodes`.
pub async fn for_each_node<F, Fut>(nodes: Vec<String>, operation: F) -> Vec<Outcome>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Outcome>,
{
    futures::stream::iter(nodes.into_iter().map(operation)).buffered(BATCH_CONCURRENCY).collect().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys_and_values_are_checked_as_kubernetes_does() {
        for (key, value) in [("pool", Some("blue")), ("nodecast.io/pool", Some("")), ("a.b-c/x_y.z", None)] {
            assert_eq!(key_problem("label", key, value), None, "{key}");
        }
        for (key, value, says) in [
            ("-pool", None, "starting and ending"),
            ("Bad_Prefix/x", None, "prefix"),
            ("pool", Some("has space"), "value"),
            (&*"k".repeat(64), None, "63"),
        ] {
            let problem = key_problem("label", key, value).unwrap_or_else(|| panic!("{key} passed"));
            assert!(problem.contains(says), "{problem}");
        }
    }

    #[test]
    fn taint_edits_replace_by_key_and_effect_and_remove_by_key() {
        let taint = |key: &str, effect: &str| Taint { key: key.into(), effect: effect.into(), ..Default::default() };
        let current = vec![taint("a", "NoSchedule"), taint("a", "NoExecute"), taint("b", "NoSchedule")];
        let add = [NewTaint { key: "b".into(), value: Some("v".into()), effect: "NoSchedule".into() }];
        let remove = [TaintMatch { key: "a".into(), effect: Some("NoExecute".into()) }];
        let edited = edited_taints(current.clone(), &add, &remove);
        assert_eq!(edited, [taint("a", "NoSchedule"), Taint { value: Some("v".into()), ..taint("b", "NoSchedule") }]);
        let all_of_a = edited_taints(current, &[], &[TaintMatch { key: "a".into(), effect: None }]);
        assert_eq!(all_of_a, [taint("b", "NoSchedule")]);
    }

    #[test]
    fn api_errors_are_told_apart() {
        let api = |code: u16| kube::Error::Api(kube::core::Status::failure("m", "r").with_code(code).boxed());
        let kinds: Vec<FailureKind> =
            [404, 403, 409, 422, 500].into_iter().map(|code| Failure::from_kube("n", api(code)).kind).collect();
        assert_eq!(
            kinds,
            [
                FailureKind::NotFound,
                FailureKind::Forbidden,
                FailureKind::Conflict,
                FailureKind::Invalid,
                FailureKind::Failed
            ]
        );
    }
}
