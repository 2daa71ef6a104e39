//! `label-prefix-filter`: drops label-only updates whose changed label keys all
//! start with one of the configured prefixes.
//!
//! Config: `prefixes` = comma-separated list of key prefixes (in nodecast's TOML
//! either `prefixes = "a/,b/"` or `prefixes = ["a/", "b/"]`, which the host
//! flattens to the same text). Blank items are ignored; a missing or empty list
//! makes `init` fail.
//!
//! Decision:
//! - an `updated` event whose change set is exactly `labels` (no other flag):
//!   take the label keys that were added, removed or whose value changed
//!   (`changed-labels`). If there is at least one such key and every one of
//!   them starts with a configured prefix → `drop`; otherwise → `keep`.
//! - everything else → `keep`.
//!
//! Reads the event's kind and change set, and the changed keys only for a
//! label-only update: never a view, since the host computes the difference.
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

    fn filter(event: &Event) -> Decision {
        let prefixes = PREFIXES.lock().unwrap_or_else(|e| e.into_inner());
        if should_drop(event.kind(), event.changes(), || event.changed_labels(), &prefixes) {
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
    raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// True when the event is a label-only update whose changed keys are all
/// covered by the prefixes. `changed_labels` is called only for a label-only
/// update: copying the keys into the guest is the expensive part.
fn should_drop(
    kind: EventKind,
    changes: ChangeSet,
    changed_labels: impl FnOnce() -> Vec<String>,
    prefixes: &[String],
) -> bool {
    kind == EventKind::Updated && changes == ChangeSet::LABELS && all_covered(&changed_labels(), prefixes)
}

/// True when there is at least one changed key and every changed key starts
/// with one of the prefixes. An empty change list (a `labels` flag with no
/// visible difference) is *not* covered: such an event is kept.
fn all_covered(changed: &[String], prefixes: &[String]) -> bool {
    !changed.is_empty() && changed.iter().all(|k| prefixes.iter().any(|p| k.starts_with(p.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn keys(items: &[&str]) -> Vec<String> {
        items.iter().map(|k| k.to_string()).collect()
    }

    fn prefixes() -> Vec<String> {
        split_prefixes("kubernetes.io/,  topology.kubernetes.io/ ,,")
    }

    /// A label-only update whose changed keys are `changed`.
    fn label_update(changed: &[&str]) -> bool {
        should_drop(EventKind::Updated, ChangeSet::LABELS, || keys(changed), &prefixes())
    }

    #[test]
    fn config_parsing() {
        assert_eq!(
            parse_config(&pairs(&[("prefixes", "a/, b/"), ("other", "x")])).unwrap(),
            vec!["a/".to_string(), "b/".to_string()]
        );
        assert_eq!(parse_config(&pairs(&[("prefixes", "a/"), ("prefixes", "b/")])).unwrap(), vec!["b/".to_string()]);
        let missing = parse_config(&pairs(&[("other", "x")])).unwrap_err();
        assert!(missing.contains("prefixes") && missing.contains("missing"), "{missing}");
        let empty = parse_config(&pairs(&[("prefixes", " , ")])).unwrap_err();
        assert!(empty.contains("prefixes") && empty.contains("empty"), "{empty}");
    }

    #[test]
    fn drops_when_every_changed_key_is_prefixed() {
        assert!(label_update(&["kubernetes.io/hostname", "topology.kubernetes.io/zone"]));
        assert!(label_update(&["kubernetes.io/hostname"]));
    }

    #[test]
    fn keeps_when_one_changed_key_is_not_prefixed() {
        assert!(!label_update(&["kubernetes.io/hostname", "team"]));
        assert!(!label_update(&["team"]));
        // a prefix must match at the start of the key
        assert!(!label_update(&["example.com/kubernetes.io/x"]));
    }

    #[test]
    fn keeps_a_labels_flag_without_a_changed_key() {
        assert!(!label_update(&[]));
    }

    #[test]
    fn keeps_anything_that_is_not_exactly_a_label_update_without_reading_keys() {
        let unread = || -> Vec<String> { panic!("changed_labels read for an event it cannot drop") };
        let p = prefixes();
        assert!(!should_drop(EventKind::Updated, ChangeSet::LABELS | ChangeSet::TAINTS, unread, &p));
        assert!(!should_drop(EventKind::Updated, ChangeSet::ANNOTATIONS, unread, &p));
        assert!(!should_drop(EventKind::Updated, ChangeSet::empty(), unread, &p));
        // the kind alone decides: for added and deleted, changed-labels lists
        // every key of the node, which says nothing about a label update
        assert!(!should_drop(EventKind::Added, ChangeSet::LABELS, unread, &p));
        assert!(!should_drop(EventKind::Deleted, ChangeSet::LABELS, unread, &p));
    }
}
