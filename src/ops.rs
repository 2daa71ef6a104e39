//! Acting on nodes: cordon and uncordon, one node or a batch, each change
//! audited on the node itself. Every Kubernetes call has a time limit, a batch
//! runs a bounded number of them at once, and each node's outcome is told
//! apart (not found, forbidden, conflict, timeout), so that one bad node never
//! hides what happened to the others.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, Patch, PatchParams};
use serde_json::{Value, json};

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
    fn from_kube(node: &str, error: kube::Error) -> Self {
        let kind = match &error {
            kube::Error::Api(status) => match status.code {
                404 => FailureKind::NotFound,
                401 | 403 => FailureKind::Forbidden,
                409 => FailureKind::Conflict,
                400 | 422 => FailureKind::Invalid,
                _ => FailureKind::Failed,
            },
            _ => FailureKind::Failed,
        };
        Failure { kind, message: format!("node {node:?}: {error}") }
    }
}

/// One node's outcome: its resourceVersion after the change, or why it failed.
pub type Outcome = Result<String, Failure>;

/// Cordons `node` (with `Some(audit)`, recorded in its annotations) or
/// uncordons it (with `None`, the annotations removed).
pub async fn set_cordon(client: &kube::Client, node: &str, audit: Option<&Audit>) -> Outcome {
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
    patch_node(client, node, &patch).await
}

async fn patch_node(client: &kube::Client, node: &str, patch: &Value) -> Outcome {
    let nodes: Api<Node> = Api::all(client.clone());
    let (params, patch) = (PatchParams::default(), Patch::Merge(patch));
    match tokio::time::timeout(CALL_TIMEOUT, nodes.patch(node, &params, &patch)).await {
        Err(_) => Err(Failure {
            kind: FailureKind::Timeout,
            message: format!("node {node:?}: the API server did not answer within {} s", CALL_TIMEOUT.as_secs()),
        }),
        Ok(Err(error)) => Err(Failure::from_kube(node, error)),
        Ok(Ok(patched)) => Ok(patched.metadata.resource_version.unwrap_or_default()),
    }
}

/// [`set_cordon`] on every node of `nodes`, at most [`BATCH_CONCURRENCY`] at
/// once; the outcomes come back in the order of `nodes`.
pub async fn set_cordon_batch(client: kube::Client, nodes: Vec<String>, audit: Option<Audit>) -> Vec<Outcome> {
    let calls = nodes.into_iter().map(move |node| {
        let (client, audit) = (client.clone(), audit.clone());
        async move { set_cordon(&client, &node, audit.as_ref()).await }
    });
    futures::stream::iter(calls).buffered(BATCH_CONCURRENCY).collect().await
}

#[cfg(test)]
mod tests {
    use super::*;

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
