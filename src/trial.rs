//! `nodecast try-plugin`: one component run through a fixed set of node
//! changes, in one instance, as a cluster's relay runs it, with what it decided
//! about each and how long each call took. A plugin author's check before
//! putting a component in a chain: no cluster, no server. A tool of the
//! binary, like the load harness: its sample nodes come from the simulator.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use k8s_openapi::api::core::v1::Node;
use serde::Serialize;
use serde_json::{Value, json};

use nodecast::cache::{self, Change};
use nodecast::plugin::{Chain, Error, OnError, PluginConfig, Runner};
use nodecast::sim::objects;
use nodecast::source::Delta;

/// What the plugin made of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub scenario: &'static str,
    /// `keep`, `drop`, or `failed` (the call trapped, timed out or `init` refused).
    pub decision: &'static str,
    pub tags: BTreeMap<String, String>,
    pub error: Option<String>,
    /// This one call (the first also instantiates and runs `init`).
    pub micros: f64,
}

/// The component's hash and its decision about every scenario, in order.
#[derive(Debug, Clone, Serialize)]
pub struct Trial {
    pub path: String,
    pub hash: String,
    pub outcomes: Vec<Outcome>,
}

type Edit = fn(&mut Value);

/// Each scenario: its name, the node before (`None`: the change adds the node)
/// and after (`None`: the change deletes it), as edits of a fresh worker node.
const SCENARIOS: [(&str, Option<Edit>, Option<Edit>); 13] = [
    ("added", None, Some(|_| {})),
    ("label value changed (nodecast.io/pool)", Some(|_| {}), Some(|n| label(n, "nodecast.io/pool", "green"))),
    ("label added (team)", Some(|_| {}), Some(|n| label(n, "team", "payments"))),
    ("annotation changed", Some(|_| {}), Some(|n| n["metadata"]["annotations"]["note"] = json!("maintenance"))),
    ("cordoned", Some(|_| {}), Some(|n| n["spec"]["unschedulable"] = json!(true))),
    ("uncordoned", Some(|n| n["spec"]["unschedulable"] = json!(true)), Some(|_| {})),
    ("Ready became False", Some(|_| {}), Some(|n| ready(n, "False"))),
    ("Ready became Unknown", Some(|_| {}), Some(|n| ready(n, "Unknown"))),
    ("Ready became True again", Some(|n| ready(n, "False")), Some(|_| {})),
    ("NoSchedule taint added", Some(|_| {}), Some(|n| taint(n, "NoSchedule"))),
    ("NoExecute taint added", Some(|_| {}), Some(|n| taint(n, "NoExecute"))),
    ("capacity changed", Some(|_| {}), Some(|n| n["status"]["capacity"]["pods"] = json!("220"))),
    ("deleted", Some(|_| {}), None),
];

fn label(node: &mut Value, key: &str, value: &str) {
    node["metadata"]["labels"][key] = json!(value);
}

fn ready(node: &mut Value, status: &str) {
    for condition in node["status"]["conditions"].as_array_mut().into_iter().flatten() {
        if condition["type"] == "Ready" {
            condition["status"] = json!(status);
        }
    }
}

fn taint(node: &mut Value, effect: &str) {
    node["spec"]["taints"] = json!([{"key": "example.com/maintenance", "value": "planned", "effect": effect}]);
}

/// The scenario's change, committed to a cache of its own.
fn change(before: Option<Edit>, after: Option<Edit>) -> Change {
    let now = objects::timestamp_now();
    let node = |edit: Edit| {
        let mut value = objects::node("node-0001", 1, false, &now);
        label(&mut value, "nodecast.io/pool", "blue");
        edit(&mut value);
        let mut node: Node = serde_json::from_value(value).expect("the simulator's nodes are valid Nodes");
        node.metadata.managed_fields = None;
        node
    };
    let (mut writer, _) = cache::new();
    let mut out = Vec::new();
    if let Some(edit) = before {
        writer.apply(Delta::Apply(node(edit)), Utc::now(), &mut out);
    }
    let delta = match (after, before) {
        (Some(edit), _) => Delta::Apply(node(edit)),
        (None, Some(edit)) => Delta::Delete(node(edit)),
        (None, None) => unreachable!("every scenario has a node before or after"),
    };
    writer.apply(delta, Utc::now(), &mut out);
    out.pop().expect("every scenario is a significant change")
}

/// Loads the component at `path`, calls `init` with `config`, and runs it
/// through every scenario in one instance (a stateful plugin sees them in order).
pub fn run(path: &Path, config: BTreeMap<String, Value>, timeout_ms: u64, memory_mb: u64) -> Result<Trial, Error> {
    let plugin = PluginConfig {
        name: path.file_stem().map_or_else(|| "plugin".to_owned(), |stem| stem.to_string_lossy().into_owned()),
        path: path.to_owned(),
        clusters: vec!["*".to_owned()],
        config,
        on_error: OnError::Keep,
        timeout_ms,
        memory_mb,
        max_failures: u32::MAX,
    };
    let chain = Chain::load(std::slice::from_ref(&plugin), &Chain::default())?;
    let mut runner = Runner::new("trial");
    runner.sync(&chain);
    let outcomes = SCENARIOS
        .iter()
        .map(|(scenario, before, after)| {
            let change = change(*before, *after);
            let started = Instant::now();
            let verdict = runner.decide(&change);
            let micros = started.elapsed().as_secs_f64() * 1e6;
            let error = verdict.failures.into_iter().next().map(|(_, why)| why);
            let decision = match (&error, verdict.keep) {
                (Some(_), _) => "failed",
                (None, true) => "keep",
                (None, false) => "drop",
            };
            Outcome { scenario, decision, tags: verdict.tags.into_iter().collect(), error, micros }
        })
        .collect();
    Ok(Trial { path: path.display().to_string(), hash: chain.plugins[0].hash.clone(), outcomes })
}

impl Trial {
    /// The outcomes as an aligned table.
    pub fn table(&self) -> String {
        let width = SCENARIOS.iter().map(|(name, ..)| name.len()).max().unwrap_or(0);
        let mut text = format!("{} (sha256 {})\n", self.path, &self.hash[..12]);
        text += &format!("{:width$}  {:8}  {:>10}  tags / error\n", "scenario", "decision", "call");
        for outcome in &self.outcomes {
            let detail = match &outcome.error {
                Some(error) => error.clone(),
                None => outcome.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "),
            };
            text +=
                &format!("{:width$}  {:8}  {:>7.1} µs  {detail}\n", outcome.scenario, outcome.decision, outcome.micros);
        }
        text.push_str(
            "(one call each, the first with instantiation and init; `cargo bench --bench plugins` measures)\n",
        );
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodecast::cache::ChangeKind;
    use nodecast::detect::ChangeSet;

    #[test]
    fn every_scenario_is_the_change_its_name_says() {
        let expected = [
            (ChangeKind::Added, ChangeSet::all()),
            (ChangeKind::Updated, ChangeSet::LABELS),
            (ChangeKind::Updated, ChangeSet::LABELS),
            (ChangeKind::Updated, ChangeSet::ANNOTATIONS),
            (ChangeKind::Updated, ChangeSet::SCHEDULABLE),
            (ChangeKind::Updated, ChangeSet::SCHEDULABLE),
            (ChangeKind::Updated, ChangeSet::READY | ChangeSet::CONDITIONS),
            (ChangeKind::Updated, ChangeSet::READY | ChangeSet::CONDITIONS),
            (ChangeKind::Updated, ChangeSet::READY | ChangeSet::CONDITIONS),
            (ChangeKind::Updated, ChangeSet::TAINTS),
            (ChangeKind::Updated, ChangeSet::TAINTS),
            (ChangeKind::Updated, ChangeSet::CAPACITY),
            (ChangeKind::Deleted, ChangeSet::empty()),
        ];
        for ((name, before, after), (kind, changes)) in SCENARIOS.iter().zip(expected) {
            let change = change(*before, *after);
            assert_eq!((change.kind, change.changes), (kind, changes), "{name}");
        }
    }
}
