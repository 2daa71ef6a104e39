//! The three patch types of the Kubernetes API, applied to stored objects:
//! JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch
//! (merge patch plus list merge keys and `$patch` directives).

use serde_json::{Map, Value};

use super::status::Status;

/// The patch formats, by the `Content-Type` that names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    StrategicMerge,
}

impl PatchType {
    pub fn from_content_type(content_type: &str) -> Result<Self, Status> {
        match content_type.split(';').next().unwrap_or_default().trim() {
            "application/json-patch+json" => Ok(PatchType::Json),
            "application/merge-patch+json" => Ok(PatchType::Merge),
            "application/strategic-merge-patch+json" => Ok(PatchType::StrategicMerge),
            other => Err(Status::unsupported_media_type(other)),
        }
    }
}

/// Applies `body` to `object`. A body that is not valid JSON of the patch type's
/// shape is a 400; a JSON patch whose operations cannot be applied is a 422.
pub fn apply(patch_type: PatchType, object: &mut Value, body: &[u8]) -> Result<(), Status> {
    match patch_type {
        PatchType::Json => {
            let operations: json_patch::Patch =
                serde_json::from_slice(body).map_err(|e| Status::bad_request(format!("error decoding patch: {e}")))?;
            json_patch::patch(object, &operations).map_err(|e| Status {
                code: 422,
                reason: "Invalid",
                message: format!("the server rejected our request due to an error in our request: {e}"),
                details: None,
            })
        }
        PatchType::Merge | PatchType::StrategicMerge => {
            let patch: Value =
                serde_json::from_slice(body).map_err(|e| Status::bad_request(format!("error decoding patch: {e}")))?;
            if !patch.is_object() {
                return Err(Status::bad_request("error decoding patch: a merge patch must be a JSON object"));
            }
            if patch_type == PatchType::Merge {
                json_patch::merge(object, &patch);
            } else {
                strategic_merge(object, &patch, "");
            }
            Ok(())
        }
    }
}

/// The merge key of a list field, for lists the API merges element by element
/// (`patchStrategy:"merge"`); every other list is replaced whole.
fn merge_key(path: &str) -> Option<&'static str> {
    match path {
        ".status.conditions" | ".status.addresses" => Some("type"),
        ".spec.containers" | ".spec.initContainers" | ".status.containerStatuses" => Some("name"),
        ".metadata.ownerReferences" => Some("uid"),
        _ => None,
    }
}

fn strategic_merge(target: &mut Value, patch: &Value, path: &str) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = Value::Object(without_directives(patch));
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let target = target.as_object_mut().expect("target was just made an object");
    for (key, value) in patch {
        if key.starts_with('$') {
            // $setElementOrder, $retainKeys and $deleteFromPrimitiveList only
            // order or prune lists; the resulting object is the same without them.
            continue;
        }
        let field = format!("{path}.{key}");
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Array(items) => match merge_key(&field) {
                Some(merge_key) => {
                    merge_list(target.entry(key.clone()).or_insert(Value::Array(Vec::new())), items, merge_key, &field)
                }
                None => {
                    target.insert(key.clone(), Value::Array(items.clone()));
                }
            },
            Value::Object(_) => strategic_merge(target.entry(key.clone()).or_insert(Value::Null), value, &field),
            scalar => {
                target.insert(key.clone(), scalar.clone());
            }
        }
    }
}

fn merge_list(target: &mut Value, items: &[Value], merge_key: &str, path: &str) {
    if !target.is_array() {
        *target = Value::Array(Vec::new());
    }
    let list = target.as_array_mut().expect("target was just made an array");
    for item in items {
        let key = &item[merge_key];
        let existing = list.iter().position(|element| &element[merge_key] == key);
        if item.get("$patch").and_then(Value::as_str) == Some("delete") {
            if let Some(at) = existing {
                list.remove(at);
            }
            continue;
        }
        match existing {
            Some(at) => strategic_merge(&mut list[at], item, path),
            None => list.push(Value::Object(item.as_object().map(without_directives).unwrap_or_default())),
        }
    }
}

fn without_directives(object: &Map<String, Value>) -> Map<String, Value> {
    object.iter().filter(|(key, _)| !key.starts_with('$')).map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node() -> Value {
        json!({
            "metadata": {"name": "n1", "labels": {"a": "1", "b": "2"}},
            "spec": {"taints": [{"key": "x", "effect": "NoSchedule"}]},
            "status": {"conditions": [
                {"type": "Ready", "status": "True"},
                {"type": "MemoryPressure", "status": "False"}
            ]}
        })
    }

    #[test]
    fn strategic_merge_edits_labels_and_unschedulable_like_kubectl() {
        let mut object = node();
        let patch = br#"{"metadata":{"labels":{"a":null,"c":"3"}},"spec":{"unschedulable":true}}"#;
        apply(PatchType::StrategicMerge, &mut object, patch).unwrap();
        assert_eq!(object["metadata"]["labels"], json!({"b": "2", "c": "3"}));
        assert_eq!(object["spec"]["unschedulable"], true);
    }

    #[test]
    fn strategic_merge_merges_conditions_by_type_and_replaces_taints() {
        let mut object = node();
        let patch = br#"{"spec":{"taints":[{"key":"y","effect":"NoExecute"}]},
                        "status":{"conditions":[{"type":"Ready","status":"False"},{"type":"MemoryPressure","$patch":"delete"}]}}"#;
        apply(PatchType::StrategicMerge, &mut object, patch).unwrap();
        assert_eq!(object["spec"]["taints"], json!([{"key": "y", "effect": "NoExecute"}]));
        assert_eq!(object["status"]["conditions"], json!([{"type": "Ready", "status": "False"}]));
    }

    #[test]
    fn json_patch_applies_operations_and_reports_failures() {
        let mut object = node();
        apply(PatchType::Json, &mut object, br#"[{"op":"replace","path":"/metadata/labels/a","value":"9"}]"#).unwrap();
        assert_eq!(object["metadata"]["labels"]["a"], "9");
        let err = apply(PatchType::Json, &mut object, br#"[{"op":"remove","path":"/spec/missing"}]"#).unwrap_err();
        assert_eq!(err.code, 422);
    }

    #[test]
    fn malformed_patches_are_bad_requests() {
        for (patch_type, body) in [
            (PatchType::Merge, &b"{not json"[..]),
            (PatchType::StrategicMerge, b"[1,2]"),
            (PatchType::Json, b"{\"op\":\"add\"}"),
        ] {
            let err = apply(patch_type, &mut node(), body).unwrap_err();
            assert_eq!((err.code, err.reason), (400, "BadRequest"), "{patch_type:?}");
        }
    }

    #[test]
    fn unknown_content_type_is_unsupported() {
        assert_eq!(PatchType::from_content_type("application/apply-patch+yaml").unwrap_err().code, 415);
    }
}
