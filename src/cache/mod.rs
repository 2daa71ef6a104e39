//! The cache: per cluster, one writer commits node deltas and publishes an
//! immutable [`Snapshot`] through `arc-swap`; any number of [`Reader`]s load the
//! latest snapshot without locking.
//!
//! Every delta is committed, heartbeat-only ones included (the cache always holds
//! the truth), but only significant changes (a non-empty [`ChangeSet`]) advance
//! `seq` and leave as [`Change`]s for the stages after it. After a (re)list the
//! writer compares the new list with what it held: vanished nodes become
//! deletions, changed ones updates, unchanged ones nothing.
//!
//! It owns the snapshot and its serialized summaries; it knows nothing of
//! Kubernetes clients, HTTP or plugins.

pub mod query;
mod stored;
mod summary;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use imbl::OrdMap;
use k8s_openapi::api::core::v1::Node;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::detect::{self, ChangeSet, Interner, NodeCore};
use crate::source::Delta;
use stored::Encoder;
pub use stored::{Expander, StoredJson};
use summary::ChangeTimes;
pub use summary::NodeSummary;

/// One node as cached: its compact form (interned fields, for detection,
/// summaries and plugins), its full JSON as compressed bytes, and what is
/// derived from them. Its summary's JSON is made once, by its first reader
/// (the WebSocket relay or a REST read), so that commit only detects and
/// stores, and never twice for the same summary: a quiet (heartbeat-only)
/// update shares it, and its compact form, with the version before it. The
/// summary itself is not kept: it is three times the size of its JSON, and
/// queries read the compact form.
#[derive(Debug)]
pub struct CachedNode {
    pub core: Arc<NodeCore>,
    /// The cluster's `seq` at this node's last significant change.
    pub seq: u64,
    resource_version: Box<str>,
    full: StoredJson,
    changed: ChangeTimes,
    derived: Arc<Derived>,
}

#[derive(Debug, Default)]
struct Derived {
    json: OnceLock<Arc<RawValue>>,
    /// Where each of the summary's top-level members ends in its JSON, found
    /// at the first `fields=` projection, so that projections copy members
    /// instead of parsing the JSON again.
    member_ends: OnceLock<Box<[u32; NodeSummary::FIELDS.len()]>>,
}

impl CachedNode {
    pub fn name(&self) -> &str {
        &self.core.name
    }

    pub fn resource_version(&self) -> &str {
        &self.resource_version
    }

    /// The whole `Node` (without `managedFields`) as the API server sent it.
    pub fn full_json(&self) -> &StoredJson {
        &self.full
    }

    /// The summary, made anew at each call.
    pub fn summary(&self) -> NodeSummary {
        NodeSummary::new(&self.core, &self.changed, self.seq)
    }

    /// The summary as JSON, serialized once; responses and messages embed it as is.
    pub fn summary_json(&self) -> &RawValue {
        self.shared_summary_json()
    }

    /// The summary's member `index` (of [`NodeSummary::FIELDS`]) as its JSON text, `"name":value`.
    pub fn summary_member(&self, index: usize) -> &str {
        let json = self.summary_json().get();
        let ends = self.derived.member_ends.get_or_init(|| Box::new(summary::member_ends(json)));
        let start = if index == 0 { 1 } else { ends[index - 1] as usize + 1 };
        &json[start..ends[index] as usize]
    }

    /// [`summary_json`](Self::summary_json), for holders that outlive this version.
    pub fn shared_summary_json(&self) -> &Arc<RawValue> {
        self.derived.json.get_or_init(|| {
            serde_json::value::to_raw_value(&self.summary()).expect("a summary always serializes").into()
        })
    }
}

/// A node delta's node, made compact and stored, before it is compared with
/// what the cache holds.
struct Incoming {
    core: NodeCore,
    resource_version: Box<str>,
    full: StoredJson,
}

/// What readers see of one cluster at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// +1 per significant change.
    pub seq: u64,
    /// +1 per committed delta, heartbeats included: full node views change with it.
    pub revision: u64,
    /// The first complete list has been committed.
    pub ready: bool,
    pub nodes: OrdMap<String, Arc<CachedNode>>,
    pub last_event: Option<DateTime<Utc>>,
    pub last_list: Option<ListRecord>,
    /// The cluster's watch is down: what this snapshot holds may be out of date.
    pub stale: bool,
}

/// When the latest complete list was committed and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct ListRecord {
    pub at: DateTime<Utc>,
    pub took: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ChangeKind {
    Added,
    Updated,
    Deleted,
}

/// A significant change, committed.
#[derive(Debug, Clone)]
pub struct Change {
    pub seq: u64,
    pub kind: ChangeKind,
    pub name: String,
    pub changes: ChangeSet,
    pub before: Option<Arc<CachedNode>>,
    pub after: Option<Arc<CachedNode>>,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
impl Change {
    /// The deletion of node `n<seq>` at `seq`, for the tests of the stages after the cache.
    pub(crate) fn deleted_at(seq: u64) -> Arc<Self> {
        Arc::new(Change {
            seq,
            kind: ChangeKind::Deleted,
            name: format!("n{seq}"),
            changes: ChangeSet::empty(),
            before: None,
            after: None,
            at: Utc::now(),
        })
    }
}

/// A cluster's cache: its writer, and a reader to clone for everyone else.
pub fn new() -> (Writer, Reader) {
    let snapshot = Snapshot {
        seq: 0,
        revision: 0,
        ready: false,
        nodes: OrdMap::new(),
        last_event: None,
        last_list: None,
        stale: false,
    };
    let shared = Arc::new(ArcSwap::from_pointee(snapshot.clone()));
    let writer = Writer {
        shared: shared.clone(),
        next: snapshot,
        relist: None,
        interner: Interner::default(),
        interned_after_purge: 0,
        encoder: None,
    };
    (writer, Reader { shared })
}

/// Loads the latest published snapshot; cheap, lock-free, cloneable.
#[derive(Clone)]
pub struct Reader {
    shared: Arc<ArcSwap<Snapshot>>,
}

impl Reader {
    pub fn load(&self) -> Arc<Snapshot> {
        self.shared.load_full()
    }
}

/// The one writer of a cluster's cache.
pub struct Writer {
    shared: Arc<ArcSwap<Snapshot>>,
    next: Snapshot,
    relist: Option<(HashMap<Arc<str>, Incoming>, Instant)>,
    interner: Interner,
    interned_after_purge: usize,
    encoder: Option<Encoder>,
}

impl Writer {
    /// Commits one delta into the next snapshot; significant changes go to `out`.
    pub fn apply(&mut self, delta: Delta, now: DateTime<Utc>, out: &mut Vec<Change>) {
        self.next.last_event = Some(now);
        match delta {
            Delta::Apply(node) => {
                let incoming = self.incoming(&node);
                self.upsert(incoming, now, out);
            }
            Delta::Delete(node) => {
                if let Some(name) = node.metadata.name {
                    self.remove(&name, now, out);
                }
            }
            Delta::Init => self.relist = Some((HashMap::new(), Instant::now())),
            Delta::InitApply(node) => {
                if self.relist.is_some() && node.metadata.name.is_some() {
                    let incoming = self.incoming(&node);
                    if let Some((listed, _)) = &mut self.relist {
                        listed.insert(incoming.core.name.clone(), incoming);
                    }
                }
            }
            Delta::InitDone => {
                let (listed, started) = self.relist.take().unwrap_or_else(|| (HashMap::new(), Instant::now()));
                let vanished: Vec<String> =
                    self.next.nodes.keys().filter(|name| !listed.contains_key(name.as_str())).cloned().collect();
                for name in vanished {
                    self.remove(&name, now, out);
                }
                for incoming in listed.into_values() {
                    self.upsert(incoming, now, out);
                }
                self.purge_interner();
                self.next.ready = true;
                self.next.last_list = Some(ListRecord { at: now, took: started.elapsed() });
            }
        }
    }

    /// Makes everything applied so far visible to readers.
    pub fn publish(&self) {
        self.shared.store(Arc::new(self.next.clone()));
    }

    /// Marks what the next snapshot holds as possibly out of date (the watch
    /// is down), or as current again.
    pub fn set_stale(&mut self, stale: bool) {
        self.next.stale = stale;
    }

    /// The snapshot being built (not yet published).
    pub fn pending(&self) -> &Snapshot {
        &self.next
    }

    fn incoming(&mut self, node: &Node) -> Incoming {
        let encoder = self.encoder.get_or_insert_with(|| Encoder::from_sample(node));
        Incoming {
            full: encoder.encode(node),
            core: self.interner.core(node),
            resource_version: node.metadata.resource_version.as_deref().unwrap_or_default().into(),
        }
    }

    /// Drops interned values no node holds any more, once the interner has
    /// doubled since the last purge: churn (new nodes, new values) then costs
    /// amortized constant time and bounded memory.
    fn purge_interner(&mut self) {
        if self.interner.len() > 2 * self.interned_after_purge.max(1024) {
            self.interner.purge();
            self.interned_after_purge = self.interner.len();
        }
    }

    fn upsert(&mut self, incoming: Incoming, now: DateTime<Utc>, out: &mut Vec<Change>) {
        let Incoming { core, resource_version, full } = incoming;
        if core.name.is_empty() {
            return;
        }
        let name = core.name.to_string();
        self.next.revision += 1;
        let before = self.next.nodes.get(&name).cloned();
        let (kind, changes, changed) = match &before {
            None => (ChangeKind::Added, ChangeSet::all(), first_seen(&core, now)),
            Some(before) => {
                let changes = detect::changes(&before.core, &core);
                if changes.is_empty() {
                    let quiet = CachedNode {
                        core: before.core.clone(),
                        seq: before.seq,
                        resource_version,
                        full,
                        changed: before.changed,
                        derived: before.derived.clone(),
                    };
                    self.next.nodes.insert(name, Arc::new(quiet));
                    return;
                }
                let mut changed = before.changed;
                for (index, (group, _)) in ChangeSet::GROUPS.iter().enumerate() {
                    if changes.contains(*group) {
                        changed[index] = now;
                    }
                }
                (ChangeKind::Updated, changes, changed)
            }
        };
        self.next.seq += 1;
        let after = Arc::new(CachedNode {
            core: Arc::new(core),
            seq: self.next.seq,
            resource_version,
            full,
            changed,
            derived: Arc::default(),
        });
        self.next.nodes.insert(name.clone(), after.clone());
        self.purge_interner();
        out.push(Change { seq: self.next.seq, kind, name, changes, before, after: Some(after), at: now });
    }

    fn remove(&mut self, name: &str, now: DateTime<Utc>, out: &mut Vec<Change>) {
        let Some(before) = self.next.nodes.remove(name) else { return };
        self.next.revision += 1;
        self.next.seq += 1;
        out.push(Change {
            seq: self.next.seq,
            kind: ChangeKind::Deleted,
            name: name.to_owned(),
            changes: ChangeSet::empty(),
            before: Some(before),
            after: None,
            at: now,
        });
    }
}

/// Change times for a node seen for the first time: conditions from their own
/// transition times, everything else from the node's creation (or now).
fn first_seen(node: &NodeCore, now: DateTime<Utc>) -> ChangeTimes {
    let created = node.created.unwrap_or(now);
    let transitioned = node.conditions.iter().filter_map(|c| c.last_transition).max().unwrap_or(created);
    let mut changed = [created; ChangeSet::GROUPS.len()];
    for (index, (group, _)) in ChangeSet::GROUPS.iter().enumerate() {
        if *group == ChangeSet::READY || *group == ChangeSet::CONDITIONS {
            changed[index] = transitioned;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(name: &str, ready: &str, beat: u32) -> Node {
        let heartbeat = format!("2026-01-03T00:00:{beat:02}Z");
        serde_json::from_value(json!({
            "metadata": {"name": name, "labels": {"pool": "a"}, "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {},
            "status": {"conditions": [{"type": "Ready", "status": ready, "lastHeartbeatTime": heartbeat,
                                       "lastTransitionTime": "2026-01-02T00:00:00Z"}]}
        }))
        .unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-02-01T00:00:00Z".parse().unwrap()
    }

    fn listed(writer: &mut Writer, nodes: Vec<Node>) -> Vec<Change> {
        let mut out = Vec::new();
        writer.apply(Delta::Init, now(), &mut out);
        for node in nodes {
            writer.apply(Delta::InitApply(node), now(), &mut out);
        }
        writer.apply(Delta::InitDone, now(), &mut out);
        writer.publish();
        out
    }

    #[test]
    fn first_list_adds_every_node_and_marks_ready() {
        let (mut writer, reader) = new();
        assert!(!reader.load().ready);
        let out = listed(&mut writer, vec![node("a", "True", 1), node("b", "True", 1)]);
        assert_eq!(
            out.iter().map(|c| (c.kind, c.seq)).collect::<Vec<_>>(),
            [(ChangeKind::Added, 1), (ChangeKind::Added, 2)]
        );
        let snapshot = reader.load();
        assert!(snapshot.ready);
        assert_eq!((snapshot.seq, snapshot.nodes.len()), (2, 2));
        let summary = snapshot.nodes["a"].summary();
        assert_eq!(summary.last_change["Status"], "2026-01-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(summary.last_change["Labels"], "2026-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap());
    }

    #[test]
    fn heartbeat_only_update_is_committed_without_a_change() {
        let (mut writer, reader) = new();
        listed(&mut writer, vec![node("a", "True", 0)]);
        let mut out = Vec::new();
        writer.apply(Delta::Apply(node("a", "True", 10)), now(), &mut out);
        writer.publish();
        assert!(out.is_empty());
        let snapshot = reader.load();
        assert_eq!((snapshot.seq, snapshot.revision), (1, 2));
        let mut full = Vec::new();
        snapshot.nodes["a"].full_json().write_to(&mut full);
        let full: Node = serde_json::from_slice(&full).unwrap();
        let conditions = full.status.unwrap().conditions.unwrap();
        assert_eq!(
            conditions[0].last_heartbeat_time.as_ref().map(crate::detect::to_chrono),
            Some("2026-01-03T00:00:10Z".parse().unwrap())
        );
    }

    #[test]
    fn significant_update_advances_seq_and_its_group_time() {
        let (mut writer, reader) = new();
        listed(&mut writer, vec![node("a", "True", 1)]);
        let mut out = Vec::new();
        writer.apply(Delta::Apply(node("a", "False", 1)), now(), &mut out);
        writer.publish();
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].kind, out[0].seq), (ChangeKind::Updated, 2));
        assert!(out[0].changes.contains(ChangeSet::READY));
        let snapshot = reader.load();
        let summary = snapshot.nodes["a"].summary();
        assert_eq!((summary.ready, summary.seq, summary.last_change["Status"]), (false, 2, now()));
        assert_eq!(summary.last_change_time, now());
    }

    #[test]
    fn relist_emits_delete_for_nodes_missing_from_new_list_and_nothing_for_unchanged() {
        let (mut writer, reader) = new();
        listed(&mut writer, vec![node("a", "True", 1), node("b", "True", 1), node("c", "True", 1)]);
        let out = listed(&mut writer, vec![node("a", "True", 2), node("c", "False", 2)]);
        let summary: Vec<_> = out.iter().map(|c| (c.kind, c.name.as_str())).collect();
        assert_eq!(summary, [(ChangeKind::Deleted, "b"), (ChangeKind::Updated, "c")]);
        let snapshot = reader.load();
        assert_eq!(snapshot.nodes.keys().collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(snapshot.seq, 5);
    }

    #[test]
    fn readers_see_nothing_until_publish() {
        let (mut writer, reader) = new();
        let mut out = Vec::new();
        writer.apply(Delta::Apply(node("a", "True", 1)), now(), &mut out);
        assert!(reader.load().nodes.is_empty());
        writer.publish();
        assert_eq!(reader.load().nodes.len(), 1);
    }
}
