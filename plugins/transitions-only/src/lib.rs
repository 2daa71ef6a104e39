//! `transitions-only`: broadcasts only the changes that flip a node's state.
//!
//! Kept:
//! - Ready transitions: the `ready` flag is set and the readiness of `before`
//!   and `after` differs (when a view is missing, the flag alone decides);
//! - schedulable transitions: the `schedulable` flag is set (cordon/uncordon;
//!   when both views are present, `unschedulable` must actually differ);
//! - taint changes: the `taints` flag is set;
//! - deletions.
//!
//! Everything else is dropped: additions, label-, annotation-, condition-,
//! capacity-only changes and so on. No config (unknown keys are ignored); no
//! state.
//!
//! Reads the event's kind and change set, and fetches the views only when the
//! `taints` flag has not decided already and the `ready` or `schedulable` flag
//! is set; of the views it then reads `ready()` or `unschedulable()` only.

use std::cell::LazyCell;

wit_bindgen::generate!({ path: "../../wit", world: "filter" });

use nodecast::filter::types::{ChangeSet, EventKind, Readiness};

struct TransitionsOnly;

impl Guest for TransitionsOnly {
    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }

    fn filter(event: &Event) -> Decision {
        // Fetched at most once, and only if a rule needs them.
        let views = LazyCell::new(|| event.before().zip(event.after()));
        let keep = is_transition(
            event.kind(),
            event.changes(),
            || views.as_ref().map(|(b, a)| (b.ready(), a.ready())),
            || views.as_ref().map(|(b, a)| (b.unschedulable(), a.unschedulable())),
        );
        if keep { Decision::Keep } else { Decision::Drop }
    }
}

export!(TransitionsOnly);

/// `set` includes `flag` (wit-bindgen's built-in flags type, without the
/// `bitflags` feature, has no `contains`).
fn has(set: ChangeSet, flag: ChangeSet) -> bool {
    (set & flag).bits() != 0
}

/// `ready` and `unschedulable` give the field's value in `before` and `after`,
/// or `None` when a view is missing. Each is called only when its flag is set
/// and the decision is still open, so that an update reads no more of the
/// views than its flags call for.
fn is_transition(
    kind: EventKind,
    changes: ChangeSet,
    ready: impl FnOnce() -> Option<(Readiness, Readiness)>,
    unschedulable: impl FnOnce() -> Option<(bool, bool)>,
) -> bool {
    match kind {
        EventKind::Deleted => true,
        EventKind::Added => false,
        EventKind::Updated => {
            has(changes, ChangeSet::TAINTS)
                || (has(changes, ChangeSet::READY) && flipped(ready()))
                || (has(changes, ChangeSet::SCHEDULABLE) && flipped(unschedulable()))
        }
    }
}

/// The value differs between the views; a missing view leaves it to the flag.
fn flipped<T: PartialEq>(before_after: Option<(T, T)>) -> bool {
    before_after.is_none_or(|(before, after)| before != after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Readiness::{NotReady, Ready, Unknown};

    fn unread<T>() -> T {
        panic!("a view was read although the flags had decided")
    }

    fn upd(changes: ChangeSet, ready: (Readiness, Readiness), unschedulable: (bool, bool)) -> bool {
        is_transition(EventKind::Updated, changes, || Some(ready), || Some(unschedulable))
    }

    #[test]
    fn keeps_transitions() {
        assert!(upd(ChangeSet::READY, (Ready, NotReady), (false, false)));
        assert!(upd(ChangeSet::READY | ChangeSet::CONDITIONS, (Unknown, Ready), (false, false)));
        assert!(upd(ChangeSet::READY, (NotReady, Unknown), (false, false)));
        assert!(upd(ChangeSet::SCHEDULABLE, (Ready, Ready), (false, true)));
        assert!(upd(ChangeSet::SCHEDULABLE, (Ready, Ready), (true, false)));
        assert!(upd(ChangeSet::TAINTS, (Ready, Ready), (false, false)));
        assert!(upd(ChangeSet::LABELS | ChangeSet::TAINTS, (Ready, Ready), (false, false)));
        // a ready flag without a flip does not hide a real cordon
        assert!(upd(ChangeSet::READY | ChangeSet::SCHEDULABLE, (Ready, Ready), (false, true)));
        assert!(is_transition(EventKind::Deleted, ChangeSet::empty(), unread, unread));
    }

    #[test]
    fn drops_the_rest() {
        assert!(!is_transition(EventKind::Added, ChangeSet::empty(), unread, unread));
        assert!(!upd(ChangeSet::LABELS, (Ready, Ready), (false, false)));
        assert!(!upd(ChangeSet::CONDITIONS, (Ready, Ready), (false, false)));
        assert!(!upd(ChangeSet::ANNOTATIONS | ChangeSet::CAPACITY, (Ready, Ready), (false, false)));
        // flags without an actual change of the value
        assert!(!upd(ChangeSet::READY, (Ready, Ready), (false, false)));
        assert!(!upd(ChangeSet::READY, (Unknown, Unknown), (false, false)));
        assert!(!upd(ChangeSet::SCHEDULABLE, (Ready, Ready), (true, true)));
        assert!(!upd(ChangeSet::READY | ChangeSet::SCHEDULABLE, (NotReady, NotReady), (false, false)));
    }

    #[test]
    fn flag_decides_when_a_view_is_missing() {
        assert!(is_transition(EventKind::Updated, ChangeSet::READY, || None, unread));
        assert!(is_transition(EventKind::Updated, ChangeSet::SCHEDULABLE, unread, || None));
        assert!(!is_transition(EventKind::Updated, ChangeSet::IMAGES, unread, unread));
    }

    #[test]
    fn reads_only_what_the_flags_call_for() {
        let all = ChangeSet::TAINTS | ChangeSet::READY | ChangeSet::SCHEDULABLE;
        assert!(is_transition(EventKind::Updated, all, unread, unread));
        assert!(is_transition(
            EventKind::Updated,
            ChangeSet::READY | ChangeSet::SCHEDULABLE,
            || Some((Ready, NotReady)),
            unread
        ));
        assert!(!is_transition(EventKind::Updated, ChangeSet::READY, || Some((Ready, Ready)), unread));
        assert!(!is_transition(EventKind::Updated, ChangeSet::SCHEDULABLE, unread, || Some((false, false))));
    }
}
