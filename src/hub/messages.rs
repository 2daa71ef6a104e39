//! The JSON messages of the WebSocket protocol, written by hand into bytes so
//! that cached summaries are copied in rather than re-serialized.

use bytes::Bytes;
use chrono::{SecondsFormat, Utc};
use serde_json::json;

use super::View;
use crate::cache::{CachedNode, Change, ChangeKind, Expander, Snapshot};
use crate::ops::operation::Operation;

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn node_data(node: &CachedNode, view: View, expander: &mut Expander, out: &mut Vec<u8>) {
    match view {
        View::Summary => out.extend_from_slice(node.summary_json().get().as_bytes()),
        View::Full => expander.write(node.full_json(), out),
    }
}

/// `node_add`, `node_update` or `node_delete`, with the seeds' fields plus
/// `seq`, `epoch`, `prev` and `tags`.
pub fn node_event(
    change: &Change,
    cluster: &str,
    epoch: &str,
    prev: u64,
    tags: &[(String, String)],
    data: impl FnOnce(&mut Vec<u8>),
) -> Bytes {
    let kind = match change.kind {
        ChangeKind::Added => "node_add",
        ChangeKind::Updated => "node_update",
        ChangeKind::Deleted => "node_delete",
    };
    let mut out = Vec::with_capacity(2048);
    out.extend_from_slice(format!("{{\"type\":\"{kind}\",\"cluster_name\":").as_bytes());
    serde_json::to_writer(&mut out, cluster).expect("a string serializes");
    out.extend_from_slice(b",\"node_name\":");
    serde_json::to_writer(&mut out, &change.name).expect("a string serializes");
    out.extend_from_slice(b",\"data\":");
    data(&mut out);
    out.extend_from_slice(b",\"changes\":");
    serde_json::to_writer(&mut out, &change.changes.names()).expect("names serialize");
    let timestamp = change.at.to_rfc3339_opts(SecondsFormat::Millis, true);
    out.extend_from_slice(
        format!(
            ",\"timestamp\":\"{timestamp}\",\"seq\":{},\"epoch\":\"{epoch}\",\"prev\":{prev},\"tags\":",
            change.seq
        )
        .as_bytes(),
    );
    let tags: serde_json::Map<String, serde_json::Value> =
        tags.iter().map(|(key, value)| (key.clone(), serde_json::Value::from(value.as_str()))).collect();
    serde_json::to_writer(&mut out, &tags).expect("tags serialize");
    out.push(b'}');
    Bytes::from(out)
}

/// `stale` names the clusters whose watch is down: their data may be out of date.
pub fn connected(epoch: &str, clusters: &[String], stale: &[String]) -> String {
    json!({"type": "connected", "epoch": epoch, "clusters": clusters, "stale": stale, "timestamp": now()}).to_string()
}

/// Every node of a cluster at `snapshot.seq`; events after it follow.
pub fn snapshot(cluster: &str, epoch: &str, snapshot: &Snapshot, view: View) -> Vec<u8> {
    let size: usize = snapshot
        .nodes
        .values()
        .map(|n| match view {
            View::Summary => n.summary_json().get().len() + 1,
            View::Full => n.full_json().json_len() + 1,
        })
        .sum();
    let mut out = Vec::with_capacity(size + 256);
    out.extend_from_slice(b"{\"type\":\"snapshot\",\"cluster_name\":");
    serde_json::to_writer(&mut out, cluster).expect("a string serializes");
    out.extend_from_slice(
        format!(
            ",\"epoch\":\"{epoch}\",\"seq\":{},\"stale\":{},\"timestamp\":\"{}\",\"data\":[",
            snapshot.seq,
            snapshot.stale,
            now()
        )
        .as_bytes(),
    );
    let mut expander = Expander::default();
    for (index, node) in snapshot.nodes.values().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        node_data(node, view, &mut expander, &mut out);
    }
    out.extend_from_slice(b"]}");
    out
}

pub fn resync(cluster: &str, reason: &str) -> String {
    json!({"type": "resync", "cluster_name": cluster, "reason": reason, "timestamp": now()}).to_string()
}

pub fn ping() -> String {
    json!({"type": "ping", "timestamp": now()}).to_string()
}

pub fn error(message: &str) -> String {
    json!({"type": "error", "message": message, "timestamp": now()}).to_string()
}

pub fn subscribed(cluster: &str, subscribed: bool) -> String {
    let kind = if subscribed { "subscribed" } else { "unsubscribed" };
    json!({"type": kind, "cluster_name": cluster, "timestamp": now()}).to_string()
}

pub fn test(cluster: &str, message: &str) -> Bytes {
    Bytes::from(json!({"type": "test", "cluster_name": cluster, "data": message, "timestamp": now()}).to_string())
}

/// An operation's progress, sent to its cluster's subscribers at each change.
pub fn operation(operation: &Operation) -> Bytes {
    let message = json!({
        "type": "operation",
        "cluster_name": operation.cluster_name,
        "data": operation,
        "timestamp": now(),
    });
    Bytes::from(message.to_string())
}
