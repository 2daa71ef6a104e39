//! Label and field selectors, parsed with the grammar and matched with the
//! semantics of the Kubernetes API (`a=b,c!=d,e in (f,g),h notin (i),j,!k`).
//! A leaf: the REST API filters cached nodes with it, and the simulator serves
//! `labelSelector` and `fieldSelector` with it.

use std::collections::BTreeSet;

use serde_json::Value;

/// A selector that does not parse; the message reads as kube-apiserver's does.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SelectorError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, BTreeSet<String>),
    NotIn(String, BTreeSet<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed `labelSelector`; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        split_top_level(text)
            .into_iter()
            .map(|term| parse_requirement(term.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
            .map_err(|why| SelectorError(format!("unable to parse requirement: {why}")))
    }

    /// Matches the labels of a JSON object (`metadata.labels`).
    pub fn matches(&self, labels: &Value) -> bool {
        self.matches_with(|key| labels.get(key).and_then(Value::as_str))
    }

    /// Matches the labels that `label` looks up by key.
    pub fn matches_with<'a>(&self, label: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.0.iter().all(|requirement| match requirement {
            Requirement::Equals(key, value) => label(key) == Some(value.as_str()),
            Requirement::NotEquals(key, value) => label(key) != Some(value.as_str()),
            Requirement::In(key, values) => label(key).is_some_and(|v| values.contains(v)),
            Requirement::NotIn(key, values) => label(key).is_none_or(|v| !values.contains(v)),
            Requirement::Exists(key) => label(key).is_some(),
            Requirement::DoesNotExist(key) => label(key).is_none(),
        })
    }
}

/// Splits on commas that are not inside a `( … )` value set.
fn split_top_level(text: &str) -> Vec<&str> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (at, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    terms.push(&text[start..]);
    terms
}

fn parse_requirement(term: &str) -> Result<Requirement, String> {
    if let Some(key) = term.strip_prefix('!') {
        return Ok(Requirement::DoesNotExist(valid_key(key.trim())?));
    }
    for (operator, make) in [
        ("!=", Requirement::NotEquals as fn(String, String) -> Requirement),
        ("==", Requirement::Equals),
        ("=", Requirement::Equals),
    ] {
        if let Some((key, value)) = term.split_once(operator) {
            return Ok(make(valid_key(key.trim())?, valid_value(value.trim())?));
        }
    }
    for (operator, make) in
        [(" notin ", Requirement::NotIn as fn(String, BTreeSet<String>) -> Requirement), (" in ", Requirement::In)]
    {
        if let Some((key, values)) = term.split_once(operator) {
            let values = values
                .trim()
                .strip_prefix('(')
                .and_then(|v| v.strip_suffix(')'))
                .ok_or_else(|| format!("{term:?}: found '{}', expected: '('", values.trim()))?;
            let values = values.split(',').map(|v| valid_value(v.trim())).collect::<Result<_, _>>()?;
            return Ok(make(valid_key(key.trim())?, values));
        }
    }
    Ok(Requirement::Exists(valid_key(term)?))
}

fn valid_key(key: &str) -> Result<String, String> {
    let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
    let prefix_ok = prefix.is_empty() || is_dns_subdomain(prefix);
    if !key.is_empty() && prefix_ok && is_qualified_name_part(name) {
        Ok(key.to_owned())
    } else {
        Err(format!(
            "{key:?}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        ))
    }
}

fn valid_value(value: &str) -> Result<String, String> {
    if value.is_empty() || is_qualified_name_part(value) {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "{value:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        ))
    }
}

/// A label key's name part, or a label value that is not empty: up to 63
/// alphanumerics, `-`, `_` and `.`, starting and ending with an alphanumeric.
pub fn is_qualified_name_part(name: &str) -> bool {
    let ends_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    name.len() <= 63
        && ends_ok(name.chars().next())
        && ends_ok(name.chars().last())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A label key's prefix: a DNS-1123 subdomain.
pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns_label)
}

fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// A parsed `fieldSelector`, limited to the fields the API supports for the resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    /// Parses `text`, accepting only the `supported` fields of the resource
    /// named `plural` (the error lists them, as kube-apiserver's does).
    pub fn parse(text: &str, plural: &str, supported: &[&str]) -> Result<Self, SelectorError> {
        let mut terms = Vec::new();
        for term in split_top_level(text) {
            let (field, equal, value) = if let Some((field, value)) = term.split_once("!=") {
                (field, false, value)
            } else if let Some((field, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
                (field, true, value)
            } else {
                return Err(SelectorError(format!("invalid selector: '{text}'; can't understand '{term}'")));
            };
            let field = field.trim();
            if !supported.contains(&field) {
                return Err(SelectorError(format!(
                    "field label not supported: {field} (supported for {plural}: {})",
                    supported.join(", ")
                )));
            }
            terms.push((field.to_owned(), equal, value.trim().to_owned()));
        }
        Ok(Self(terms))
    }

    pub fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|(field, equal, value)| (field_value(object, field) == *value) == *equal)
    }
}

/// A field as the API's field-selector index renders it (absent booleans are `false`).
fn field_value(object: &Value, field: &str) -> String {
    let value = field.split('.').fold(object, |value, part| &value[part]);
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null if field == "spec.unschedulable" => "false".to_owned(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selector_supports_every_operator() {
        let labels = json!({"app": "web", "tier": "front", "kubernetes.io/os": "linux"});
        for (selector, expected) in [
            ("app=web", true),
            ("app==web,tier=front", true),
            ("app!=web", false),
            ("tier in (front, back)", true),
            ("tier notin (front)", false),
            ("kubernetes.io/os", true),
            ("!kubernetes.io/os", false),
            ("!missing,app in (web),missing notin (x)", true),
            ("", true),
        ] {
            assert_eq!(LabelSelector::parse(selector).unwrap().matches(&labels), expected, "{selector}");
        }
    }

    #[test]
    fn malformed_label_selector_is_a_bad_request() {
        for selector in ["app=we b", "tier in front", "=x", "a b c"] {
            let err = LabelSelector::parse(selector).unwrap_err();
            assert!(err.0.starts_with("unable to parse requirement"), "{selector}: {err}");
        }
    }

    const NODE_FIELDS: &[&str] = &["metadata.name", "spec.unschedulable"];

    #[test]
    fn field_selector_treats_absent_unschedulable_as_false() {
        let node = json!({"metadata": {"name": "n1"}, "spec": {}});
        let schedulable = FieldSelector::parse("spec.unschedulable=false", "nodes", NODE_FIELDS).unwrap();
        assert!(schedulable.matches(&node));
        let named = FieldSelector::parse("metadata.name!=n1", "nodes", NODE_FIELDS).unwrap();
        assert!(!named.matches(&node));
    }

    #[test]
    fn unsupported_field_is_named_in_the_error() {
        let err = FieldSelector::parse("spec.nodeName=x", "nodes", NODE_FIELDS).unwrap_err();
        assert!(err.0.contains("spec.nodeName") && err.0.contains("nodes"), "{err}");
    }
}
