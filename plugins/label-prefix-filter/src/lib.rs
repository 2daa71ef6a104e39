//! `label-prefix-filter`: drops label-only updates whose changed label keys all
//! start with one of the configured prefixes.
//!
//! Config: `prefixes` = comma-separated list of key prefixes (in nodecast's TOML
//! either `prefixes = "a/,b/"` or `prefixes = ["a/", "b/"]`, which the host
//! flattens to the same text). Blank items are ignored; a missing or empty list
//! makes `init` fail.
//!
//! Decision:
//! - an `updated` event whose change set is exactly `labels` (no other flag),
//!   with both views present: compute the label keys that were added, removed or
//!   whose value changed. If there is at least one such key and every one of
//!   them starts with a configured prefix → `drop`; otherwise → `keep`.
//! - everything else → `keep`.
//!
//! State: the prefixes parsed by `init`, per instance (so per cluster).

use std::sync::Mutex;

wit_bindgen::generate!({ path: "../../wit", world: "filter" });

use nodecast::filter::types::{ChangeSet, EventKind};

static PREFIXES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct LabelPrefixFilter;

impl Guest for LabelPrefixFilter {
    fn init(config: Vec<(String, String)>) -> Result<(), String> {
        let prefixes = parse_config(&config)?;
        *PREFIXES.lock().unwrap_or_else(|e| e.into_inner()) = prefixes;
        Ok(())
    }

    fn filter(event: Event) -> Decision {
        let prefixes = PREFIXES.lock().unwrap_or_else(|e| e.into_inner());
        if should_drop(&event, &prefixes) {
            Decision::Drop
        } else {
            Decision::Keep
        }
    }
}

export!(LabelPrefixFilter);

/// Reads the `prefixes` key (comma-separated); unknown keys are ignored.
fn parse_config(config: &[(String, String)]) -> Result<Vec<String>, String> {
    let raw = config
        .iter()
        .rev() // the last occurrence wins, as in a table
        .find(|(k, _)| k == "prefixes")
        .map(|(_, v)| v.as_str());
    let Some(raw) = raw else {
        return Err("label-prefix-filter: config key `prefixes` is missing \
                    (a comma-separated list of label key prefixes)"
            .to_string());
    };
    let prefixes = split_prefixes(raw);
    if prefixes.is_empty() {
        return Err("label-prefix-filter: config key `prefixes` is empty \
                    (a comma-separated list of label key prefixes)"
            .to_string());
    }
    Ok(prefixes)
}

/// Splits a comma-separated list, trimming blanks and dropping empty items.
fn split_prefixes(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// True when the event is a label-only update whose changed keys are all
/// covered by the prefixes.
fn should_drop(event: &Event, prefixes: &[String]) -> bool {
    if event.kind != EventKind::Updated || event.changes != ChangeSet::LABELS {
        return false;
    }
    let (Some(before), Some(after)) = (&event.before, &event.after) else {
        return false;
    };
    all_covered(&changed_label_keys(&before.labels, &after.labels), prefixes)
}

/// The keys that were added, removed or whose value changed, in key order.
/// Works on unsorted input too (the contract says sorted, but costs nothing to
/// not rely on it at these sizes).
fn changed_label_keys<'a>(
    before: &'a [(String, String)],
    after: &'a [(String, String)],
) -> Vec<&'a str> {
    let lookup = |list: &'a [(String, String)], key: &str| {
        list.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    };
    let mut keys: Vec<&'a str> = Vec::new();
    for (k, v) in before {
        if lookup(after, k) != Some(v.as_str()) {
            keys.push(k);
        }
    }
    for (k, _) in after {
        if lookup(before, k).is_none() {
            keys.push(k);
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// True when there is at least one changed key and every changed key starts
/// with one of the prefixes. An empty change list (a `labels` flag with no
/// visible difference) is *not* covered: such an event is kept.
fn all_covered(changed: &[&str], prefixes: &[String]) -> bool {
    !changed.is_empty()
        && changed
            .iter()
            .all(|k| prefixes.iter().any(|p| k.starts_with(p.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodecast::filter::types::NodeView;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn view(labels: &[(&str, &str)]) -> NodeView {
        NodeView {
            labels: pairs(labels),
            annotations: vec![],
            taints: vec![],
            unschedulable: false,
            ready: "True".into(),
            conditions: vec![],
            capacity: vec![],
        }
    }

    fn updated(changes: ChangeSet, before: &[(&str, &str)], after: &[(&str, &str)]) -> Event {
        Event {
            cluster: "c".into(),
            node: "n".into(),
            kind: EventKind::Updated,
            changes,
            before: Some(view(before)),
            after: Some(view(after)),
        }
    }

    fn prefixes() -> Vec<String> {
        split_prefixes("kubernetes.io/,  topology.kubernetes.io/ ,,")
    }

    #[test]
    fn config_parsing() {
        assert_eq!(
            parse_config(&pairs(&[("prefixes", "a/, b/"), ("other", "x")])).unwrap(),
            vec!["a/".to_string(), "b/".to_string()]
        );
        let missing = parse_config(&pairs(&[("other", "x")])).unwrap_err();
        assert!(missing.contains("prefixes") && missing.contains("missing"), "{missing}");
        let empty = parse_config(&pairs(&[("prefixes", " , ")])).unwrap_err();
        assert!(empty.contains("prefixes") && empty.contains("empty"), "{empty}");
    }

    #[test]
    fn diff_finds_added_removed_and_changed() {
        let before = pairs(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let after = pairs(&[("a", "1"), ("b", "20"), ("d", "4")]);
        assert_eq!(changed_label_keys(&before, &after), vec!["b", "c", "d"]);
        assert!(changed_label_keys(&before, &before).is_empty());
    }

    #[test]
    fn drops_when_every_changed_key_is_prefixed() {
        let ev = updated(
            ChangeSet::LABELS,
            &[("kubernetes.io/hostname", "a"), ("team", "x")],
            &[("kubernetes.io/hostname", "b"), ("team", "x"), ("topology.kubernetes.io/zone", "z")],
        );
        assert!(should_drop(&ev, &prefixes()));
    }

    #[test]
    fn keeps_when_one_changed_key_is_not_prefixed() {
        let ev = updated(
            ChangeSet::LABELS,
            &[("kubernetes.io/hostname", "a"), ("team", "x")],
            &[("kubernetes.io/hostname", "b"), ("team", "y")],
        );
        assert!(!should_drop(&ev, &prefixes()));
        // a removed unprefixed key counts too
        let ev = updated(ChangeSet::LABELS, &[("team", "x")], &[]);
        assert!(!should_drop(&ev, &prefixes()));
    }

    #[test]
    fn keeps_anything_that_is_not_exactly_a_label_update() {
        let before = [("kubernetes.io/hostname", "a")];
        let after = [("kubernetes.io/hostname", "b")];
        let ev = updated(ChangeSet::LABELS | ChangeSet::TAINTS, &before, &after);
        assert!(!should_drop(&ev, &prefixes()));
        let ev = updated(ChangeSet::ANNOTATIONS, &before, &after);
        assert!(!should_drop(&ev, &prefixes()));
        let mut ev = updated(ChangeSet::LABELS, &before, &after);
        ev.kind = EventKind::Added;
        assert!(!should_drop(&ev, &prefixes()));
        // labels flag but no visible difference: kept
        let ev = updated(ChangeSet::LABELS, &before, &before);
        assert!(!should_drop(&ev, &prefixes()));
        // a missing view: kept
        let mut ev = updated(ChangeSet::LABELS, &before, &after);
        ev.before = None;
        assert!(!should_drop(&ev, &prefixes()));
    }
}
