//! What plugins import: the `event` and `node-view` resources of
//! `wit/filter.wit`, answered from the committed change without copying
//! anything a plugin does not ask for.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::component::{Resource, ResourceTable};
use wasmtime::{StoreLimits, bail};

use super::bindings::nodecast::filter::types as wit;
use crate::cache::{CachedNode, Change, ChangeKind};
use crate::detect::ChangeSet;

/// Node views a plugin may hold at once. Each keeps a cached node alive, so
/// a plugin that never drops them would otherwise grow the host's memory,
/// which its own memory cap does not cover.
const MAX_LIVE_VIEWS: usize = 64;

/// The change being decided about, shared by every plugin of the chain.
pub struct EventRep {
    cluster: Arc<str>,
    change: Change,
}

impl EventRep {
    pub fn new(cluster: Arc<str>, change: Change) -> Arc<Self> {
        Arc::new(Self { cluster, change })
    }
}

/// One version of a node, held by a plugin until it drops it.
pub struct ViewRep(Arc<CachedNode>);

/// What a store holds besides the instance.
pub struct State {
    pub limits: StoreLimits,
    /// The event lent to the current `filter` call; its handle is a borrow, so
    /// the guest cannot keep it past the call.
    event: Option<Arc<EventRep>>,
    views: ResourceTable,
    live_views: usize,
}

/// The one event of a call: borrowed, so its rep never has to be looked up.
const EVENT_REP: u32 = 0;

impl State {
    pub fn new(limits: StoreLimits) -> Self {
        Self { limits, event: None, views: ResourceTable::new(), live_views: 0 }
    }

    /// Lends `event` to the next call; [`State::take_back`] ends the loan.
    pub fn lend(&mut self, event: &Arc<EventRep>) -> Resource<EventRep> {
        self.event = Some(event.clone());
        Resource::new_borrow(EVENT_REP)
    }

    pub fn take_back(&mut self) {
        self.event = None;
    }

    fn event(&self, handle: &Resource<EventRep>) -> wasmtime::Result<&EventRep> {
        match &self.event {
            Some(event) if handle.rep() == EVENT_REP => Ok(event),
            _ => bail!("the plugin used an event outside the call it was lent to"),
        }
    }

    fn view(&self, handle: &Resource<ViewRep>) -> wasmtime::Result<&CachedNode> {
        Ok(&self.views.get(handle)?.0)
    }

    fn hand_out(&mut self, node: Option<&Arc<CachedNode>>) -> wasmtime::Result<Option<Resource<ViewRep>>> {
        let Some(node) = node else { return Ok(None) };
        if self.live_views >= MAX_LIVE_VIEWS {
            bail!("the plugin holds {MAX_LIVE_VIEWS} node views without dropping them");
        }
        let view = self.views.push(ViewRep(node.clone()))?;
        self.live_views += 1;
        Ok(Some(view))
    }
}

impl wit::Host for State {}

impl wit::HostEvent for State {
    fn cluster(&mut self, event: Resource<EventRep>) -> wasmtime::Result<String> {
        Ok(self.event(&event)?.cluster.to_string())
    }

    fn node(&mut self, event: Resource<EventRep>) -> wasmtime::Result<String> {
        Ok(self.event(&event)?.change.name.clone())
    }

    fn kind(&mut self, event: Resource<EventRep>) -> wasmtime::Result<wit::EventKind> {
        Ok(match self.event(&event)?.change.kind {
            ChangeKind::Added => wit::EventKind::Added,
            ChangeKind::Updated => wit::EventKind::Updated,
            ChangeKind::Deleted => wit::EventKind::Deleted,
        })
    }

    fn changes(&mut self, event: Resource<EventRep>) -> wasmtime::Result<wit::ChangeSet> {
        Ok(change_set(self.event(&event)?.change.changes))
    }

    fn changed_labels(&mut self, event: Resource<EventRep>) -> wasmtime::Result<Vec<String>> {
        let change = &self.event(&event)?.change;
        Ok(changed_keys(labels(change.before.as_deref()), labels(change.after.as_deref())))
    }

    fn before(&mut self, event: Resource<EventRep>) -> wasmtime::Result<Option<Resource<ViewRep>>> {
        let node = self.event(&event)?.change.before.clone();
        self.hand_out(node.as_ref())
    }

    fn after(&mut self, event: Resource<EventRep>) -> wasmtime::Result<Option<Resource<ViewRep>>> {
        let node = self.event(&event)?.change.after.clone();
        self.hand_out(node.as_ref())
    }

    fn drop(&mut self, _event: Resource<EventRep>) -> wasmtime::Result<()> {
        // Only reached for an owned handle, and the host never hands one out: the
        // event stays the host's, and `call` takes it back after each call.
        Ok(())
    }
}

impl wit::HostNodeView for State {
    fn label(&mut self, view: Resource<ViewRep>, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.view(&view)?.node.metadata.labels.as_ref().and_then(|labels| labels.get(&key).cloned()))
    }

    fn labels(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(pairs(self.view(&view)?.node.metadata.labels.as_ref()))
    }

    fn annotation(&mut self, view: Resource<ViewRep>, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.view(&view)?.node.metadata.annotations.as_ref().and_then(|notes| notes.get(&key).cloned()))
    }

    fn annotations(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(pairs(self.view(&view)?.node.metadata.annotations.as_ref()))
    }

    fn taints(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<Vec<wit::Taint>> {
        let node = &self.view(&view)?.node;
        let taints = node.spec.as_ref().and_then(|spec| spec.taints.as_deref()).unwrap_or_default();
        Ok(taints
            .iter()
            .map(|t| wit::Taint { key: t.key.clone(), value: t.value.clone(), effect: t.effect.clone() })
            .collect())
    }

    fn unschedulable(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<bool> {
        Ok(self.view(&view)?.node.spec.as_ref().and_then(|spec| spec.unschedulable).unwrap_or(false))
    }

    fn ready(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<wit::Readiness> {
        let node = &self.view(&view)?.node;
        let status = conditions(node).iter().find(|c| c.type_ == "Ready").map(|c| c.status.as_str());
        Ok(match status {
            Some("True") => wit::Readiness::Ready,
            Some("False") => wit::Readiness::NotReady,
            _ => wit::Readiness::Unknown,
        })
    }

    fn conditions(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<Vec<wit::Condition>> {
        Ok(conditions(&self.view(&view)?.node)
            .iter()
            .map(|c| wit::Condition {
                kind: c.type_.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
            })
            .collect())
    }

    fn capacity(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<Vec<(String, String)>> {
        let node = &self.view(&view)?.node;
        let capacity = node.status.as_ref().and_then(|status| status.capacity.as_ref());
        Ok(capacity.into_iter().flatten().map(|(resource, quantity)| (resource.clone(), quantity.0.clone())).collect())
    }

    fn drop(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<()> {
        self.views.delete(view)?;
        self.live_views -= 1;
        Ok(())
    }
}

fn labels(node: Option<&CachedNode>) -> Option<&BTreeMap<String, String>> {
    node.and_then(|node| node.node.metadata.labels.as_ref())
}

fn conditions(node: &k8s_openapi::api::core::v1::Node) -> &[k8s_openapi::api::core::v1::NodeCondition] {
    node.status.as_ref().and_then(|status| status.conditions.as_deref()).unwrap_or_default()
}

fn pairs(map: Option<&BTreeMap<String, String>>) -> Vec<(String, String)> {
    map.into_iter().flatten().map(|(key, value)| (key.clone(), value.clone())).collect()
}

/// Keys added, removed or given another value, sorted (both maps are).
fn changed_keys(before: Option<&BTreeMap<String, String>>, after: Option<&BTreeMap<String, String>>) -> Vec<String> {
    let empty = BTreeMap::new();
    let (before, after) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let mut keys: Vec<String> = before
        .iter()
        .filter(|(key, value)| after.get(*key) != Some(*value))
        .map(|(key, _)| key.clone())
        .chain(after.keys().filter(|key| !before.contains_key(*key)).cloned())
        .collect();
    keys.sort_unstable();
    keys
}

fn change_set(changes: ChangeSet) -> wit::ChangeSet {
    let mut set = wit::ChangeSet::empty();
    for (flag, group) in [
        (ChangeSet::SCHEDULABLE, wit::ChangeSet::SCHEDULABLE),
        (ChangeSet::LABELS, wit::ChangeSet::LABELS),
        (ChangeSet::ANNOTATIONS, wit::ChangeSet::ANNOTATIONS),
        (ChangeSet::TAINTS, wit::ChangeSet::TAINTS),
        (ChangeSet::READY, wit::ChangeSet::READY),
        (ChangeSet::CONDITIONS, wit::ChangeSet::CONDITIONS),
        (ChangeSet::CAPACITY, wit::ChangeSet::CAPACITY),
        (ChangeSet::ADDRESSES, wit::ChangeSet::ADDRESSES),
        (ChangeSet::NODE_INFO, wit::ChangeSet::NODE_INFO),
        (ChangeSet::IMAGES, wit::ChangeSet::IMAGES),
    ] {
        if changes.contains(flag) {
            set |= group;
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn changed_keys_are_added_removed_and_revalued_keys_in_order() {
        let before = map(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let after = map(&[("a", "1"), ("b", "20"), ("d", "4")]);
        assert_eq!(changed_keys(Some(&before), Some(&after)), ["b", "c", "d"]);
        assert_eq!(changed_keys(None, Some(&after)), ["a", "b", "d"]);
        assert_eq!(changed_keys(Some(&before), None), ["a", "b", "c"]);
        assert!(changed_keys(Some(&before), Some(&before)).is_empty());
    }
}
