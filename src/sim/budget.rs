//! PodDisruptionBudget arithmetic, as the disruption controller and the
//! eviction subresource do it: which pods a budget selects, which of them count
//! as healthy, and how many may be disrupted now.
//!
//! A budget's expected pod count is the number of pods it selects; the
//! simulator has no ReplicaSets whose scale a percentage or `maxUnavailable`
//! could be taken from.

use chrono::{DateTime, Duration as TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::objects::timestamp;
use super::store::{self, Objects};
use crate::selector::LabelSelector;

/// How long an eviction's entry in `disruptedPods` keeps its pod out of the
/// healthy count while the pod is not yet marked for deletion (the controller's `DeletionTimeout`).
const DISRUPTION_TIMEOUT: TimeDelta = TimeDelta::minutes(2);

/// A budget's `spec.selector` in label-selector syntax; `None` for no selector, which selects nothing.
fn selector(budget: &Value) -> Option<LabelSelector> {
    let selector = budget["spec"]["selector"].as_object()?;
    let mut terms: Vec<String> = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels.iter().map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default())).collect()
        })
        .unwrap_or_default();
    for expression in selector.get("matchExpressions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
    {
        let key = expression["key"].as_str().unwrap_or_default();
        let values = || {
            expression["values"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        };
        terms.push(match expression["operator"].as_str().unwrap_or_default() {
            "In" => format!("{key} in ({})", values()),
            "NotIn" => format!("{key} notin ({})", values()),
            "Exists" => key.to_owned(),
            "DoesNotExist" => format!("!{key}"),
            _ => return None,
        });
    }
    LabelSelector::parse(&terms.join(",")).ok()
}

/// A `kubectl get -l` selector (`app=web,tier in (a,b),!canary`) as the
/// `LabelSelector` object a budget's spec carries.
pub fn selector_object(text: &str) -> Result<Value, String> {
    LabelSelector::parse(text).map_err(|error| error.0)?;
    let (mut labels, mut expressions) = (Map::new(), Vec::new());
    for term in split_terms(text) {
        let values = |list: &str| {
            list.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(|v| json!(v.trim()))
                .collect::<Vec<_>>()
        };
        if let Some((key, list)) = term.split_once(" notin ") {
            expressions.push(json!({"key": key.trim(), "operator": "NotIn", "values": values(list)}));
        } else if let Some((key, list)) = term.split_once(" in ") {
            expressions.push(json!({"key": key.trim(), "operator": "In", "values": values(list)}));
        } else if let Some((key, value)) = term.split_once("!=") {
            expressions.push(json!({"key": key.trim(), "operator": "NotIn", "values": [value.trim()]}));
        } else if let Some((key, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
            labels.insert(key.trim().to_owned(), json!(value.trim()));
        } else if let Some(key) = term.strip_prefix('!') {
            expressions.push(json!({"key": key.trim(), "operator": "DoesNotExist"}));
        } else {
            expressions.push(json!({"key": term, "operator": "Exists"}));
        }
    }
    let mut selector = json!({});
    if !labels.is_empty() {
        selector["matchLabels"] = Value::Object(labels);
    }
    if !expressions.is_empty() {
        selector["matchExpressions"] = Value::Array(expressions);
    }
    Ok(selector)
}

/// The comma-separated terms of a selector, keeping the commas inside `(…)` lists.
fn split_terms(text: &str) -> Vec<&str> {
    let (mut terms, mut depth, mut start) = (Vec::new(), 0, 0);
    for (at, character) in text.char_indices() {
        match character {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(text[start..at].trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    terms.push(text[start..].trim());
    terms.into_iter().filter(|term| !term.is_empty()).collect()
}

/// Whether `budget` covers `pod` (same namespace, selected). An empty selector
/// selects every pod for the controller, but none for an eviction, as kube-apiserver has it.
pub fn selects(budget: &Value, pod: &Value, for_eviction: bool) -> bool {
    if store::object_namespace(budget) != store::object_namespace(pod) {
        return false;
    }
    match selector(budget) {
        Some(selector) if for_eviction && selector == LabelSelector::default() => false,
        Some(selector) => selector.matches(&pod["metadata"]["labels"]),
        None => false,
    }
}

/// Running and Ready, and not on its way out.
pub fn pod_healthy(pod: &Value) -> bool {
    pod["metadata"]["deletionTimestamp"].is_null()
        && pod["status"]["phase"] == "Running"
        && pod["status"]["conditions"]
            .as_array()
            .is_some_and(|conditions| conditions.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

/// The computed status of one budget.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetStatus {
    pub expected_pods: i64,
    pub current_healthy: i64,
    pub desired_healthy: i64,
    pub disruptions_allowed: i64,
    pub disrupted_pods: Map<String, Value>,
    pub observed_generation: i64,
}

/// `budget`'s status over `pods` at `now`.
pub fn status(budget: &Value, pods: &Objects, now: DateTime<Utc>) -> BudgetStatus {
    let selected: Vec<&Value> = pods.values().map(|pod| &**pod).filter(|pod| selects(budget, pod, false)).collect();
    let recorded = budget["status"]["disruptedPods"].as_object();
    let disrupted_pods: Map<String, Value> = selected
        .iter()
        .filter(|pod| pod["metadata"]["deletionTimestamp"].is_null())
        .filter_map(|pod| {
            let name = pod["metadata"]["name"].as_str()?;
            let at = recorded?.get(name)?;
            let when = DateTime::parse_from_rfc3339(at.as_str()?).ok()?.with_timezone(&Utc);
            (when + DISRUPTION_TIMEOUT > now).then(|| (name.to_owned(), at.clone()))
        })
        .collect();
    let current_healthy = selected
        .iter()
        .filter(|pod| {
            pod_healthy(pod) && !disrupted_pods.contains_key(pod["metadata"]["name"].as_str().unwrap_or_default())
        })
        .count() as i64;
    let expected_pods = selected.len() as i64;
    let spec = &budget["spec"];
    let desired_healthy = if !spec["maxUnavailable"].is_null() {
        (expected_pods - scaled(&spec["maxUnavailable"], expected_pods)).max(0)
    } else if !spec["minAvailable"].is_null() {
        scaled(&spec["minAvailable"], expected_pods)
    } else {
        0
    };
    let disruptions_allowed = if expected_pods <= 0 { 0 } else { (current_healthy - desired_healthy).max(0) };
    BudgetStatus {
        expected_pods,
        current_healthy,
        desired_healthy,
        disruptions_allowed,
        disrupted_pods,
        observed_generation: budget["metadata"]["generation"].as_i64().unwrap_or(0),
    }
}

/// An int-or-string count: a number, or a percentage of `total` rounded up.
fn scaled(value: &Value, total: i64) -> i64 {
    match value {
        Value::String(text) => match text.strip_suffix('%').and_then(|percent| percent.parse::<i64>().ok()) {
            Some(percent) => (percent * total + 99) / 100,
            None => text.parse().unwrap_or(0),
        },
        other => other.as_i64().unwrap_or(0),
    }
}

impl BudgetStatus {
    /// The `status` object, keeping the condition's transition time from `previous` when it did not flip.
    pub fn to_json(&self, previous: &Value, now: DateTime<Utc>) -> Value {
        let allowed = self.disruptions_allowed > 0;
        let (condition_status, reason) =
            if allowed { ("True", "SufficientPods") } else { ("False", "InsufficientPods") };
        let transition = previous["conditions"]
            .as_array()
            .and_then(|conditions| conditions.iter().find(|c| c["type"] == "DisruptionAllowed"))
            .filter(|condition| condition["status"] == condition_status)
            .map(|condition| condition["lastTransitionTime"].clone())
            .unwrap_or_else(|| json!(timestamp(now)));
        let mut status = json!({
            "observedGeneration": self.observed_generation,
            "disruptionsAllowed": self.disruptions_allowed,
            "currentHealthy": self.current_healthy,
            "desiredHealthy": self.desired_healthy,
            "expectedPods": self.expected_pods,
            "conditions": [{
                "type": "DisruptionAllowed", "status": condition_status, "reason": reason, "message": "",
                "observedGeneration": self.observed_generation, "lastTransitionTime": transition,
            }],
        });
        if !self.disrupted_pods.is_empty() {
            status["disruptedPods"] = Value::Object(self.disrupted_pods.clone());
        }
        status
    }

    /// The status an eviction of `pod` leaves: one disruption fewer, and the pod
    /// recorded as disrupted until the controller sees it go.
    pub fn spend_one(&self, pod: &str, now: DateTime<Utc>) -> Value {
        let mut spent = self.clone();
        spent.disruptions_allowed -= 1;
        spent.disrupted_pods.insert(pod.to_owned(), json!(timestamp(now)));
        spent.to_json(&Value::Null, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::objects;
    use std::sync::Arc;

    fn pods(count: u64) -> Objects {
        let now = objects::timestamp_now();
        (1..=count)
            .map(|suffix| {
                let pod = objects::pod("demo", "web", suffix, "n1", &now);
                (store::key(Some("demo"), pod["metadata"]["name"].as_str().unwrap()), Arc::new(pod))
            })
            .collect()
    }

    fn budget(spec: Value) -> Value {
        json!({"metadata": {"name": "web", "namespace": "demo", "generation": 1}, "spec": spec})
    }

    #[test]
    fn min_available_counts_healthy_selected_pods() {
        let mut pods = pods(4);
        let key = pods.keys().next().unwrap().clone();
        let mut pending = (*pods[&key]).clone();
        pending["status"]["phase"] = json!("Pending");
        pods.insert(key, Arc::new(pending));
        let status =
            status(&budget(json!({"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}})), &pods, Utc::now());
        assert_eq!(
            (status.expected_pods, status.current_healthy, status.desired_healthy, status.disruptions_allowed),
            (4, 3, 2, 1)
        );
    }

    #[test]
    fn max_unavailable_and_percentages_scale_with_the_selected_pods() {
        let pods = pods(5);
        let selector = json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]});
        let by_max = status(&budget(json!({"maxUnavailable": "40%", "selector": selector})), &pods, Utc::now());
        assert_eq!((by_max.desired_healthy, by_max.disruptions_allowed), (3, 2));
        let by_min = status(&budget(json!({"minAvailable": "50%", "selector": selector})), &pods, Utc::now());
        assert_eq!((by_min.desired_healthy, by_min.disruptions_allowed), (3, 2));
    }

    #[test]
    fn a_budget_without_selector_selects_nothing_and_an_empty_one_is_ignored_by_evictions() {
        let pods = pods(2);
        let pod = pods.values().next().unwrap();
        assert!(!selects(&budget(json!({"minAvailable": 1})), pod, false));
        let everything = budget(json!({"minAvailable": 1, "selector": {}}));
        assert!(selects(&everything, pod, false));
        assert!(!selects(&everything, pod, true));
    }

    #[test]
    fn configured_selectors_become_label_selector_objects_that_select_the_same_pods() {
        let object = selector_object("app=web,tier in (a, b),!canary").unwrap();
        assert_eq!(object["matchLabels"], json!({"app": "web"}));
        assert_eq!(object["matchExpressions"][0], json!({"key": "tier", "operator": "In", "values": ["a", "b"]}));
        assert_eq!(object["matchExpressions"][1], json!({"key": "canary", "operator": "DoesNotExist"}));
        let pod = json!({"metadata": {"namespace": "demo", "labels": {"app": "web", "tier": "b"}}});
        let budget = json!({"metadata": {"namespace": "demo"}, "spec": {"selector": object}});
        assert!(selects(&budget, &pod, true));
        assert!(selector_object("a in (b").is_err());
    }

    #[test]
    fn recently_disrupted_pods_are_not_healthy_until_they_expire() {
        let pods = pods(2);
        let name = pods.values().next().unwrap()["metadata"]["name"].as_str().unwrap().to_owned();
        let now = Utc::now();
        let mut spent = budget(json!({"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}));
        spent["status"]["disruptedPods"] = json!({&name: timestamp(now)});
        assert_eq!(status(&spent, &pods, now).current_healthy, 1);
        assert_eq!(status(&spent, &pods, now + TimeDelta::minutes(3)).current_healthy, 2);
    }
}
