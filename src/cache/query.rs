//! Reads of a snapshot as the REST API offers them: filters, pages, continue
//! tokens and entity tags. Pure functions of a snapshot and the request's
//! parameters, so that they are tested without a server.

use std::num::NonZeroUsize;
use std::ops::Bound;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as TOKEN;

use serde_json::value::RawValue;

use super::{CachedNode, NodeSummary, Snapshot};
use crate::selector::LabelSelector;

/// At most this many nodes per page.
pub const MAX_LIMIT: usize = 10_000;

/// A parameter that cannot be used; the message names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}: {message}")]
pub struct InvalidParameter {
    pub parameter: &'static str,
    pub message: String,
}

fn invalid(parameter: &'static str, message: impl Into<String>) -> InvalidParameter {
    InvalidParameter { parameter, message: message.into() }
}

/// Which nodes a list returns, and which page of them.
#[derive(Debug, Clone, Default)]
pub struct NodeQuery {
    labels: Option<LabelSelector>,
    ready: Option<bool>,
    schedulable: Option<bool>,
    limit: Option<NonZeroUsize>,
    /// The last node of the previous page.
    after: Option<String>,
}

/// One page of a list.
#[derive(Debug)]
pub struct Page {
    pub nodes: Vec<Arc<CachedNode>>,
    /// The token of the next page; `None` on the last.
    pub continue_token: Option<String>,
}

impl NodeQuery {
    /// A query from the request's parameters, as written by the client.
    pub fn parse(
        label_selector: Option<&str>,
        ready: Option<bool>,
        schedulable: Option<bool>,
        limit: Option<u32>,
        continue_token: Option<&str>,
    ) -> Result<Self, InvalidParameter> {
        let labels = label_selector
            .map(LabelSelector::parse)
            .transpose()
            .map_err(|error| invalid("label_selector", error.to_string()))?;
        let limit = match limit {
            None => None,
            Some(limit) => Some(
                NonZeroUsize::new(limit as usize)
                    .filter(|limit| limit.get() <= MAX_LIMIT)
                    .ok_or_else(|| invalid("limit", format!("must be between 1 and {MAX_LIMIT}, got {limit}")))?,
            ),
        };
        let after = continue_token.map(decode_continue).transpose()?;
        Ok(Self { labels, ready, schedulable, limit, after })
    }

    fn selects(&self, node: &CachedNode) -> bool {
        let core = &node.core;
        self.labels.as_ref().is_none_or(|selector| selector.matches_with(|key| core.label(key).map(|v| &**v)))
            && self.ready.is_none_or(|want| (core.ready() == "True") == want)
            && self.schedulable.is_none_or(|want| core.unschedulable != want)
    }

    /// The page of `snapshot` this query asks for, in name order. A walk
    /// through the continue tokens returns every node that exists throughout
    /// exactly once, whatever changes between pages: a token names the last
    /// node returned, not a position.
    pub fn run(&self, snapshot: &Snapshot) -> Page {
        let start = match &self.after {
            Some(after) => Bound::Excluded(after.clone()),
            None => Bound::Unbounded,
        };
        let limit = self.limit.map_or(usize::MAX, NonZeroUsize::get);
        let mut matching =
            snapshot.nodes.range((start, Bound::Unbounded)).map(|(_, node)| node).filter(|n| self.selects(n));
        let nodes: Vec<Arc<CachedNode>> = matching.by_ref().take(limit).cloned().collect();
        let continue_token = match nodes.last() {
            Some(last) if matching.next().is_some() => Some(TOKEN.encode(last.name())),
            _ => None,
        };
        Page { nodes, continue_token }
    }
}

fn decode_continue(token: &str) -> Result<String, InvalidParameter> {
    TOKEN
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| invalid("continue", "not a token this server issued"))
}

/// Which representation of a node a read returns; tags differ between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Representation {
    #[default]
    Summary,
    Full,
}

impl Representation {
    fn tag(self) -> &'static str {
        match self {
            Representation::Summary => "s",
            Representation::Full => "f",
        }
    }
}

/// The entity tag of a list: summaries change with `seq`, full objects with
/// every commit (heartbeats too).
pub fn list_etag(epoch: &str, snapshot: &Snapshot, representation: Representation) -> String {
    let version = match representation {
        Representation::Summary => snapshot.seq,
        Representation::Full => snapshot.revision,
    };
    format!("\"{epoch}-{}-{version}\"", representation.tag())
}

/// The entity tag of one node: its seq for the summary, its Kubernetes
/// resourceVersion for the full object.
pub fn node_etag(epoch: &str, node: &CachedNode, representation: Representation) -> String {
    let version = match representation {
        Representation::Summary => node.seq.to_string(),
        Representation::Full => node.resource_version().to_owned(),
    };
    format!("\"{epoch}-{}-{}-{version}\"", node.name(), representation.tag())
}

/// Whether an `If-None-Match` header names `etag` (weak tags and `*` included).
pub fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').map(|tag| tag.trim().trim_start_matches("W/")).any(|tag| tag == etag || tag == "*")
}

/// The summary fields a `fields=` projection keeps, by their index in
/// [`NodeSummary::FIELDS`], in the summary's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryFields(Vec<usize>);

impl SummaryFields {
    /// The projection of `fields=name,ready,...`; every name must be a field of the summary.
    pub fn parse(fields: &str) -> Result<Self, InvalidParameter> {
        let mut kept = Vec::new();
        for name in fields.split(',').map(str::trim) {
            if name.is_empty() {
                return Err(invalid("fields", format!("an empty field name in {fields:?}")));
            }
            let index = NodeSummary::FIELDS.iter().position(|field| *field == name).ok_or_else(|| {
                invalid(
                    "fields",
                    format!("{name:?} is not a summary field; the fields are {}", NodeSummary::FIELDS.join(", ")),
                )
            })?;
            kept.push(index);
        }
        kept.sort_unstable();
        kept.dedup();
        Ok(Self(kept))
    }

    /// The length of what [`write`](Self::write) writes for `node`.
    pub fn json_len(&self, node: &CachedNode) -> usize {
        let members: usize = self.0.iter().map(|index| node.summary_member(*index).len()).sum();
        members + self.0.len().saturating_sub(1) + 2
    }

    /// The node's summary JSON with only these fields, copied as they were serialized.
    pub fn write(&self, node: &CachedNode, out: &mut Vec<u8>) {
        out.push(b'{');
        for (nth, index) in self.0.iter().enumerate() {
            if nth > 0 {
                out.push(b',');
            }
            out.extend_from_slice(node.summary_member(*index).as_bytes());
        }
        out.push(b'}');
    }

    /// [`write`](Self::write), as a JSON value of its own.
    pub fn project(&self, node: &CachedNode) -> Box<RawValue> {
        let mut json = Vec::with_capacity(self.json_len(node));
        self.write(node, &mut json);
        let json = String::from_utf8(json).expect("members of JSON text are UTF-8");
        RawValue::from_string(json).expect("members of a JSON object make a JSON object")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Delta;
    use k8s_openapi::api::core::v1::Node;
    use serde_json::json;

    fn node(name: &str, pool: &str, unschedulable: bool) -> Node {
        serde_json::from_value(json!({
            "metadata": {"name": name, "resourceVersion": "7", "labels": {"pool": pool}},
            "spec": {"unschedulable": unschedulable},
            "status": {"conditions": [{"type": "Ready", "status": "True",
                                       "message": "a message with \\\"quotes\\\", [brackets], {braces}: and commas"}]},
        }))
        .unwrap()
    }

    fn snapshot(nodes: Vec<Node>) -> Arc<Snapshot> {
        let (mut writer, reader) = crate::cache::new();
        let mut changes = Vec::new();
        let now = chrono::Utc::now();
        writer.apply(Delta::Init, now, &mut changes);
        for node in nodes {
            writer.apply(Delta::InitApply(node), now, &mut changes);
        }
        writer.apply(Delta::InitDone, now, &mut changes);
        writer.publish();
        reader.load()
    }

    fn names(page: &Page) -> Vec<&str> {
        page.nodes.iter().map(|node| node.name()).collect()
    }

    #[test]
    fn a_projection_keeps_the_named_summary_fields_in_the_summarys_order() {
        let snapshot = snapshot(vec![node("n0", "blue", true)]);
        let node = &snapshot.nodes["n0"];
        let fields = SummaryFields::parse("schedulable, name,roles,name").unwrap();
        let raw = fields.project(node).get().to_owned();
        assert_eq!(fields.json_len(node), raw.len());
        let projected: serde_json::Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(projected, json!({"name": "n0", "schedulable": false, "roles": []}));
        let at = |key: &str| raw.find(&format!("\"{key}\":")).unwrap();
        assert!(at("name") < at("schedulable") && at("schedulable") < at("roles"), "{raw}");
        let every = SummaryFields::parse(&NodeSummary::FIELDS.join(",")).unwrap();
        assert_eq!(every.project(node).get(), node.summary_json().get(), "all fields are the summary itself");
    }

    #[test]
    fn the_projectable_fields_are_the_summarys_own_in_its_order() {
        let snapshot = snapshot(vec![node("n0", "blue", false)]);
        let summary: serde_json::Value = serde_json::from_str(snapshot.nodes["n0"].summary_json().get()).unwrap();
        for (index, field) in NodeSummary::FIELDS.iter().enumerate() {
            let member = snapshot.nodes["n0"].summary_member(index);
            let (name, value) = member.split_once(':').unwrap();
            assert_eq!(name, format!("\"{field}\""));
            assert_eq!(serde_json::from_str::<serde_json::Value>(value).unwrap(), summary[field], "{field}");
        }
    }

    #[test]
    fn a_projection_names_what_it_cannot_use() {
        let error = SummaryFields::parse("name,readiness").unwrap_err();
        assert_eq!(error.parameter, "fields");
        assert!(error.message.contains("\"readiness\" is not a summary field"), "{}", error.message);
        assert!(SummaryFields::parse("name,,ready").unwrap_err().message.contains("empty field name"));
    }

    #[test]
    fn filters_apply_before_paging_and_pages_chain_to_the_end() {
        let snapshot =
            snapshot((0..7).map(|i| node(&format!("n{i}"), if i % 2 == 0 { "blue" } else { "red" }, i == 4)).collect());
        let query = |token: Option<&str>| NodeQuery::parse(Some("pool=blue"), None, Some(true), Some(2), token);
        let first = query(None).unwrap().run(&snapshot);
        assert_eq!(names(&first), ["n0", "n2"]);
        let second = query(first.continue_token.as_deref()).unwrap().run(&snapshot);
        assert_eq!(names(&second), ["n6"], "n4 is cordoned");
        assert_eq!(second.continue_token, None);
    }

    #[test]
    fn a_walk_survives_deletions_between_pages() {
        let before = snapshot((0..4).map(|i| node(&format!("n{i}"), "blue", false)).collect());
        let first = NodeQuery::parse(None, None, None, Some(2), None).unwrap().run(&before);
        assert_eq!(names(&first), ["n0", "n1"]);
        let after = snapshot(vec![node("n0", "blue", false), node("n2", "blue", false), node("n3", "blue", false)]);
        let rest = NodeQuery::parse(None, None, None, None, first.continue_token.as_deref()).unwrap().run(&after);
        assert_eq!(names(&rest), ["n2", "n3"]);
    }

    #[test]
    fn bad_parameters_are_named() {
        for (query, parameter) in [
            (NodeQuery::parse(Some("a b"), None, None, None, None), "label_selector"),
            (NodeQuery::parse(None, None, None, Some(0), None), "limit"),
            (NodeQuery::parse(None, None, None, Some(10_001), None), "limit"),
            (NodeQuery::parse(None, None, None, None, Some("%%%")), "continue"),
        ] {
            assert_eq!(query.unwrap_err().parameter, parameter);
        }
    }

    #[test]
    fn etags_follow_the_representation_and_match_lists_weak_tags_and_star() {
        let snapshot = snapshot(vec![node("n0", "blue", false)]);
        assert_ne!(list_etag("e", &snapshot, Representation::Summary), list_etag("e", &snapshot, Representation::Full));
        let tag = node_etag("e", &snapshot.nodes["n0"], Representation::Full);
        assert_eq!(tag, "\"e-n0-f-7\"");
        assert!(etag_matches(&tag, &tag));
        assert!(etag_matches(&format!("\"x\", W/{tag}"), &tag));
        assert!(etag_matches("*", &tag));
        assert!(!etag_matches("\"b\"", &tag));
    }
}
