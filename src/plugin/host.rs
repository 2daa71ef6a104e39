//! What plugins import: the `event` and `node-view` resources of
//! `wit/filter.wit`, answered from the committed change without copying
//! anything a plugin does not ask for.

use std::sync::Arc;

use wasmtime::component::{Resource, ResourceTable};
use wasmtime::{StoreLimits, bail};

use super::bindings::nodecast::filter::types as wit;
use crate::cache::{CachedNode, Change, ChangeKind};
use crate::detect::{ChangeSet, Sym};

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
        Ok(self.view(&view)?.core.label(&key).map(|value| value.to_string()))
    }

    fn labels(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(pairs(&self.view(&view)?.core.labels))
    }

    fn annotation(&mut self, view: Resource<ViewRep>, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.view(&view)?.core.annotation(&key).map(|value| value.to_string()))
    }

    fn annotations(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(pairs(&self.view(&view)?.core.annotations))
    }

    fn taints(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<Vec<wit::Taint>> {
        Ok(self
            .view(&view)?
            .core
            .taints
            .iter()
            .map(|t| wit::Taint {
                key: t.key.to_string(),
                value: t.value.as_ref().map(|v| v.to_string()),
                effect: t.effect.to_string(),
            })
            .collect())
    }

    fn unschedulable(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<bool> {
        Ok(self.view(&view)?.core.unschedulable)
    }

    fn ready(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<wit::Readiness> {
        Ok(match self.view(&view)?.core.ready() {
            "True" => wit::Readiness::Ready,
            "False" => wit::Readiness::NotReady,
            _ => wit::Readiness::Unknown,
        })
    }

    fn conditions(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<Vec<wit::Condition>> {
        Ok(self
            .view(&view)?
            .core
            .conditions
            .iter()
            .map(|c| wit::Condition {
                kind: c.kind.to_string(),
                status: c.status.to_string(),
                reason: c.reason.as_ref().map(|r| r.to_string()),
                message: c.message.as_ref().map(|m| m.to_string()),
            })
            .collect())
    }

    fn capacity(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(pairs(&self.view(&view)?.core.capacity))
    }

    fn drop(&mut self, view: Resource<ViewRep>) -> wasmtime::Result<()> {
        self.views.delete(view)?;
        self.live_views -= 1;
        Ok(())
    }
}

fn labels(node: Option<&CachedNode>) -> &[(Sym, Sym)] {
    node.map(|node| &*node.core.labels).unwrap_or_default()
}

fn pairs(pairs: &[(Sym, Sym)]) -> Vec<(String, String)> {
    pairs.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect()
}

/// Keys added, removed or given another value, sorted (both lists are sorted by key).
fn changed_keys(before: &[(Sym, Sym)], after: &[(Sym, Sym)]) -> Vec<String> {
    let value = |pairs: &[(Sym, Sym)], key: &str| {
        pairs.binary_search_by(|(k, _)| (**k).cmp(key)).ok().map(|index| pairs[index].1.clone())
    };
    let mut keys: Vec<String> = before
        .iter()
        .filter(|(key, value_before)| value(after, key).as_ref() != Some(value_before))
        .map(|(key, _)| key.to_string())
        .chain(after.iter().filter(|(key, _)| value(before, key).is_none()).map(|(key, _)| key.to_string()))
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

    fn map(pairs: &[(&str, &str)]) -> Vec<(Sym, Sym)> {
        pairs.iter().map(|(k, v)| (Sym::from(*k), Sym::from(*v))).collect()
    }

    #[test]
    fn changed_keys_are_added_removed_and_revalued_keys_in_order() {
        let before = map(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let after = map(&[("a", "1"), ("b", "20"), ("d", "4")]);
        assert_eq!(changed_keys(&before, &after), ["b", "c", "d"]);
        assert_eq!(changed_keys(&[], &after), ["a", "b", "d"]);
        assert_eq!(changed_keys(&before, &[]), ["a", "b", "c"]);
        assert!(changed_keys(&before, &before).is_empty());
    }
}
