//! `severity-tagger`: keeps every change, tagging the alarming ones.
//!
//! Needs both views (`before` and `after`), so in practice it tags updates only:
//! - `severity=critical` when Ready turns False or Unknown (`before.ready ==
//!   "True"` and `after.ready != "True"`), or when a `NoExecute` taint appears
//!   (a taint with effect `NoExecute` in `after` with no identical taint — same
//!   key, value and effect — in `before`);
//! - `severity=warning` on cordon (`before.unschedulable == false` and
//!   `after.unschedulable == true`);
//! - critical wins over warning; anything else is a plain `keep`.
//!
//! No config (unknown keys are ignored); no state.

wit_bindgen::generate!({ path: "../../wit", world: "filter" });

use nodecast::filter::types::{NodeView, Taint};

struct SeverityTagger;

impl Guest for SeverityTagger {
    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }

    fn filter(event: Event) -> Decision {
        match severity(&event) {
            Some(level) => Decision::KeepWithTags(vec![("severity".to_string(), level.to_string())]),
            None => Decision::Keep,
        }
    }
}

export!(SeverityTagger);

fn severity(event: &Event) -> Option<&'static str> {
    let (before, after) = event.before.as_ref().zip(event.after.as_ref())?;
    if ready_lost(before, after) || no_execute_appeared(&before.taints, &after.taints) {
        Some("critical")
    } else if !before.unschedulable && after.unschedulable {
        Some("warning")
    } else {
        None
    }
}

fn ready_lost(before: &NodeView, after: &NodeView) -> bool {
    before.ready == "True" && after.ready != "True"
}

fn same_taint(a: &Taint, b: &Taint) -> bool {
    a.key == b.key && a.value == b.value && a.effect == b.effect
}

fn no_execute_appeared(before: &[Taint], after: &[Taint]) -> bool {
    after
        .iter()
        .filter(|t| t.effect == "NoExecute")
        .any(|t| !before.iter().any(|b| same_taint(b, t)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodecast::filter::types::{ChangeSet, EventKind};

    fn taint(key: &str, value: Option<&str>, effect: &str) -> Taint {
        Taint { key: key.into(), value: value.map(Into::into), effect: effect.into() }
    }

    fn view(ready: &str, unschedulable: bool, taints: Vec<Taint>) -> NodeView {
        NodeView {
            labels: vec![],
            annotations: vec![],
            taints,
            unschedulable,
            ready: ready.into(),
            conditions: vec![],
            capacity: vec![],
        }
    }

    fn upd(before: NodeView, after: NodeView) -> Event {
        Event {
            cluster: "c".into(),
            node: "n".into(),
            kind: EventKind::Updated,
            changes: ChangeSet::READY | ChangeSet::SCHEDULABLE | ChangeSet::TAINTS,
            before: Some(before),
            after: Some(after),
        }
    }

    #[test]
    fn ready_lost_is_critical() {
        assert_eq!(severity(&upd(view("True", false, vec![]), view("False", false, vec![]))), Some("critical"));
        assert_eq!(severity(&upd(view("True", false, vec![]), view("Unknown", false, vec![]))), Some("critical"));
        assert_eq!(severity(&upd(view("False", false, vec![]), view("Unknown", false, vec![]))), None);
        assert_eq!(severity(&upd(view("False", false, vec![]), view("True", false, vec![]))), None);
    }

    #[test]
    fn new_no_execute_taint_is_critical() {
        let ne = taint("node.kubernetes.io/unreachable", None, "NoExecute");
        let ns = taint("dedicated", Some("gpu"), "NoSchedule");
        assert_eq!(severity(&upd(view("True", false, vec![]), view("True", false, vec![ne.clone()]))), Some("critical"));
        // already there: nothing new
        assert_eq!(severity(&upd(view("True", false, vec![ne.clone()]), view("True", false, vec![ne.clone(), ns.clone()]))), None);
        // NoSchedule does not count
        assert_eq!(severity(&upd(view("True", false, vec![]), view("True", false, vec![ns]))), None);
        // same key, new value: a new taint
        let ne2 = taint("node.kubernetes.io/unreachable", Some("x"), "NoExecute");
        assert_eq!(severity(&upd(view("True", false, vec![ne]), view("True", false, vec![ne2]))), Some("critical"));
    }

    #[test]
    fn cordon_is_warning_and_critical_wins() {
        assert_eq!(severity(&upd(view("True", false, vec![]), view("True", true, vec![]))), Some("warning"));
        assert_eq!(severity(&upd(view("True", true, vec![]), view("True", false, vec![]))), None);
        assert_eq!(severity(&upd(view("True", true, vec![]), view("True", true, vec![]))), None);
        assert_eq!(severity(&upd(view("True", false, vec![]), view("False", true, vec![]))), Some("critical"));
    }

    #[test]
    fn needs_both_views() {
        let mut ev = upd(view("True", false, vec![]), view("False", true, vec![]));
        ev.before = None;
        ev.kind = EventKind::Added;
        assert_eq!(severity(&ev), None);
    }

    #[test]
    fn decision_shape() {
        let ev = upd(view("True", false, vec![]), view("True", true, vec![]));
        match SeverityTagger::filter(ev) {
            Decision::KeepWithTags(tags) => assert_eq!(tags, vec![("severity".to_string(), "warning".to_string())]),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(SeverityTagger::filter(upd(view("True", false, vec![]), view("True", false, vec![]))), Decision::Keep));
    }
}
