//! `severity-tagger`: keeps every change, tagging the alarming ones.
//!
//! Needs both views (`before` and `after`), so in practice it tags updates only:
//! - `severity=critical` when Ready turns False or Unknown (`before.ready()` is
//!   `ready` and `after.ready()` is not), or when a `NoExecute` taint appears
//!   (a taint with effect `NoExecute` in `after` with no identical taint — same
//!   key, value and effect — in `before`);
//! - `severity=warning` on cordon (`before.unschedulable()` is false and
//!   `after.unschedulable()` is true);
//! - critical wins over warning; anything else is a plain `keep`.
//!
//! Reads the event's change set, and of the views only the fields whose flag
//! (`ready`, `taints`, `schedulable`) is set: a field without its flag is the
//! same in both views, so it cannot raise an alarm. Most updates (labels,
//! conditions, images) thus fetch no view at all, and the taint lists, the only
//! strings it reads, are copied only when the taints changed and Ready did not
//! already make the change critical.
//!
//! No config (unknown keys are ignored); no state.

use std::cell::LazyCell;

wit_bindgen::generate!({ path: "../../wit", world: "filter" });

use nodecast::filter::types::{ChangeSet, Readiness, Taint};

struct SeverityTagger;

impl Guest for SeverityTagger {
    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }

    fn filter(event: &Event) -> Decision {
        // Fetched at most once, and only if a rule needs them.
        let views = LazyCell::new(|| event.before().zip(event.after()));
        decision(severity(
            event.changes(),
            || views.as_ref().map(|(b, a)| (b.ready(), a.ready())),
            || views.as_ref().map(|(b, a)| (b.taints(), a.taints())),
            || views.as_ref().map(|(b, a)| (b.unschedulable(), a.unschedulable())),
        ))
    }
}

export!(SeverityTagger);

fn decision(severity: Option<&'static str>) -> Decision {
    match severity {
        Some(level) => Decision::KeepWithTags(vec![("severity".to_string(), level.to_string())]),
        None => Decision::Keep,
    }
}

/// `set` includes `flag` (wit-bindgen's built-in flags type, without the
/// `bitflags` feature, has no `contains`).
fn has(set: ChangeSet, flag: ChangeSet) -> bool {
    (set & flag).bits() != 0
}

/// `ready`, `taints` and `unschedulable` give the field's value in `before`
/// and `after`, or `None` when a view is missing. Each is called only when its
/// flag is set and the severity is still open.
fn severity(
    changes: ChangeSet,
    ready: impl FnOnce() -> Option<(Readiness, Readiness)>,
    taints: impl FnOnce() -> Option<(Vec<Taint>, Vec<Taint>)>,
    unschedulable: impl FnOnce() -> Option<(bool, bool)>,
) -> Option<&'static str> {
    let critical = (has(changes, ChangeSet::READY) && ready().is_some_and(ready_lost))
        || (has(changes, ChangeSet::TAINTS)
            && taints().is_some_and(|(before, after)| no_execute_appeared(&before, &after)));
    if critical {
        Some("critical")
    } else if has(changes, ChangeSet::SCHEDULABLE) && unschedulable().is_some_and(cordoned) {
        Some("warning")
    } else {
        None
    }
}

fn ready_lost((before, after): (Readiness, Readiness)) -> bool {
    before == Readiness::Ready && after != Readiness::Ready
}

fn cordoned((before, after): (bool, bool)) -> bool {
    !before && after
}

fn same_taint(a: &Taint, b: &Taint) -> bool {
    a.key == b.key && a.value == b.value && a.effect == b.effect
}

fn no_execute_appeared(before: &[Taint], after: &[Taint]) -> bool {
    after.iter().filter(|t| t.effect == "NoExecute").any(|t| !before.iter().any(|b| same_taint(b, t)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Readiness::{NotReady, Ready, Unknown};

    fn all() -> ChangeSet {
        ChangeSet::READY | ChangeSet::SCHEDULABLE | ChangeSet::TAINTS
    }

    fn unread<T>() -> T {
        panic!("a view was read although its flag is not set or the severity was decided")
    }

    fn taint(key: &str, value: Option<&str>, effect: &str) -> Taint {
        Taint { key: key.into(), value: value.map(Into::into), effect: effect.into() }
    }

    /// An update with every flag the tagger reads; `(before, after)` per field.
    fn upd(
        ready: (Readiness, Readiness),
        unschedulable: (bool, bool),
        taints: (Vec<Taint>, Vec<Taint>),
    ) -> Option<&'static str> {
        severity(all(), || Some(ready), || Some(taints), || Some(unschedulable))
    }

    #[test]
    fn ready_lost_is_critical() {
        assert_eq!(upd((Ready, NotReady), (false, false), (vec![], vec![])), Some("critical"));
        assert_eq!(upd((Ready, Unknown), (false, false), (vec![], vec![])), Some("critical"));
        assert_eq!(upd((NotReady, Unknown), (false, false), (vec![], vec![])), None);
        assert_eq!(upd((NotReady, Ready), (false, false), (vec![], vec![])), None);
        assert_eq!(upd((Unknown, Ready), (false, false), (vec![], vec![])), None);
    }

    #[test]
    fn new_no_execute_taint_is_critical() {
        let ne = taint("node.kubernetes.io/unreachable", None, "NoExecute");
        let ns = taint("dedicated", Some("gpu"), "NoSchedule");
        assert_eq!(upd((Ready, Ready), (false, false), (vec![], vec![ne.clone()])), Some("critical"));
        // already there: nothing new
        assert_eq!(upd((Ready, Ready), (false, false), (vec![ne.clone()], vec![ne.clone(), ns.clone()])), None);
        // NoSchedule does not count
        assert_eq!(upd((Ready, Ready), (false, false), (vec![], vec![ns])), None);
        // same key, new value: a new taint
        let ne2 = taint("node.kubernetes.io/unreachable", Some("x"), "NoExecute");
        assert_eq!(upd((Ready, Ready), (false, false), (vec![ne.clone()], vec![ne2])), Some("critical"));
        // same key and value, new effect: a new taint
        let ns_to_ne = taint("dedicated", Some("gpu"), "NoExecute");
        assert_eq!(
            upd((Ready, Ready), (false, false), (vec![taint("dedicated", Some("gpu"), "NoSchedule")], vec![ns_to_ne])),
            Some("critical")
        );
        // a NoExecute taint removed is no alarm
        assert_eq!(upd((Ready, Ready), (false, false), (vec![ne], vec![])), None);
    }

    #[test]
    fn cordon_is_warning_and_critical_wins() {
        assert_eq!(upd((Ready, Ready), (false, true), (vec![], vec![])), Some("warning"));
        assert_eq!(upd((Ready, Ready), (true, false), (vec![], vec![])), None);
        assert_eq!(upd((Ready, Ready), (true, true), (vec![], vec![])), None);
        assert_eq!(upd((Ready, NotReady), (false, true), (vec![], vec![])), Some("critical"));
        let ne = taint("node.kubernetes.io/unreachable", None, "NoExecute");
        assert_eq!(upd((Ready, Ready), (false, true), (vec![], vec![ne])), Some("critical"));
    }

    #[test]
    fn needs_both_views() {
        assert_eq!(severity(all(), || None, || None, || None), None);
    }

    #[test]
    fn reads_only_what_the_flags_call_for() {
        // added, deleted, and updates of other groups: no view at all
        assert_eq!(severity(ChangeSet::empty(), unread, unread, unread), None);
        assert_eq!(severity(ChangeSet::LABELS | ChangeSet::CONDITIONS, unread, unread, unread), None);
        // one flag, one field
        assert_eq!(severity(ChangeSet::READY, || Some((Ready, NotReady)), unread, unread), Some("critical"));
        assert_eq!(severity(ChangeSet::SCHEDULABLE, unread, unread, || Some((false, true))), Some("warning"));
        let ne = taint("k", None, "NoExecute");
        assert_eq!(severity(ChangeSet::TAINTS, unread, || Some((vec![], vec![ne])), unread), Some("critical"));
        // a lost Ready decides before the taint lists are copied
        assert_eq!(severity(all(), || Some((Ready, Unknown)), unread, unread), Some("critical"));
    }

    #[test]
    fn decision_shape() {
        match decision(Some("warning")) {
            Decision::KeepWithTags(tags) => assert_eq!(tags, vec![("severity".to_string(), "warning".to_string())]),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(decision(None), Decision::Keep));
    }
}
