//! `transitions-only`: broadcasts only the changes that flip a node's state.
//!
//! Kept:
//! - Ready transitions: the `ready` flag is set and `before.ready != after.ready`
//!   (when a view is missing, the flag alone decides);
//! - schedulable transitions: the `schedulable` flag is set (cordon/uncordon;
//!   when both views are present, `unschedulable` must actually differ);
//! - taint changes: the `taints` flag is set;
//! - deletions.
//!
//! Everything else is dropped: additions, label-, annotation-, condition-,
//! capacity-only changes and so on. No config (unknown keys are ignored); no
//! state.

wit_bindgen::generate!({ path: "../../wit", world: "filter" });

use nodecast::filter::types::{ChangeSet, EventKind};

struct TransitionsOnly;

impl Guest for TransitionsOnly {
    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }

    fn filter(event: Event) -> Decision {
        if is_transition(&event) {
            Decision::Keep
        } else {
            Decision::Drop
        }
    }
}

export!(TransitionsOnly);

/// `set` includes `flag` (wit-bindgen's built-in flags type, without the
/// `bitflags` feature, has no `contains`).
fn has(set: ChangeSet, flag: ChangeSet) -> bool {
    (set & flag).bits() != 0
}

fn is_transition(event: &Event) -> bool {
    match event.kind {
        EventKind::Deleted => true,
        EventKind::Added => false,
        EventKind::Updated => {
            let both = event.before.as_ref().zip(event.after.as_ref());
            let ready = has(event.changes, ChangeSet::READY)
                && both.is_none_or(|(b, a)| b.ready != a.ready);
            let schedulable = has(event.changes, ChangeSet::SCHEDULABLE)
                && both.is_none_or(|(b, a)| b.unschedulable != a.unschedulable);
            let taints = has(event.changes, ChangeSet::TAINTS);
            ready || schedulable || taints
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodecast::filter::types::NodeView;

    fn view(ready: &str, unschedulable: bool) -> NodeView {
        NodeView {
            labels: vec![],
            annotations: vec![],
            taints: vec![],
            unschedulable,
            ready: ready.into(),
            conditions: vec![],
            capacity: vec![],
        }
    }

    fn ev(kind: EventKind, changes: ChangeSet, before: Option<NodeView>, after: Option<NodeView>) -> Event {
        Event { cluster: "c".into(), node: "n".into(), kind, changes, before, after }
    }

    fn upd(changes: ChangeSet, before: NodeView, after: NodeView) -> Event {
        ev(EventKind::Updated, changes, Some(before), Some(after))
    }

    #[test]
    fn keeps_transitions() {
        assert!(is_transition(&upd(ChangeSet::READY, view("True", false), view("False", false))));
        assert!(is_transition(&upd(ChangeSet::READY | ChangeSet::CONDITIONS, view("Unknown", false), view("True", false))));
        assert!(is_transition(&upd(ChangeSet::SCHEDULABLE, view("True", false), view("True", true))));
        assert!(is_transition(&upd(ChangeSet::TAINTS, view("True", false), view("True", false))));
        assert!(is_transition(&upd(ChangeSet::LABELS | ChangeSet::TAINTS, view("True", false), view("True", false))));
        assert!(is_transition(&ev(EventKind::Deleted, ChangeSet::empty(), Some(view("True", false)), None)));
    }

    #[test]
    fn drops_the_rest() {
        assert!(!is_transition(&ev(EventKind::Added, ChangeSet::empty(), None, Some(view("True", false)))));
        assert!(!is_transition(&upd(ChangeSet::LABELS, view("True", false), view("True", false))));
        assert!(!is_transition(&upd(ChangeSet::CONDITIONS, view("True", false), view("True", false))));
        assert!(!is_transition(&upd(ChangeSet::ANNOTATIONS | ChangeSet::CAPACITY, view("True", false), view("True", false))));
        // ready flag without an actual change of the Ready status
        assert!(!is_transition(&upd(ChangeSet::READY, view("True", false), view("True", false))));
    }

    #[test]
    fn flag_decides_when_a_view_is_missing() {
        assert!(is_transition(&ev(EventKind::Updated, ChangeSet::READY, None, Some(view("True", false)))));
        assert!(!is_transition(&ev(EventKind::Updated, ChangeSet::IMAGES, None, None)));
    }
}
