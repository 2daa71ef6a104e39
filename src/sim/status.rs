//! The API's `Status` object: every error the simulator answers with, in the
//! shape and with the reasons a real Kubernetes API server uses, so that kubectl
//! and kube-rs tell the errors apart exactly as they would against a cluster.

use serde_json::{Value, json};

/// A failed request, rendered as a `meta/v1 Status` body with its HTTP code.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl From<crate::selector::SelectorError> for Status {
    fn from(error: crate::selector::SelectorError) -> Self {
        Status::bad_request(error.0)
    }
}

impl Status {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self { code, reason, message: message.into(), details: None }
    }

    fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// 404 for `name` of `qualified_resource` (`nodes`, `poddisruptionbudgets.policy`).
    pub fn not_found(qualified_resource: &str, name: &str) -> Self {
        Self::new(404, "NotFound", format!("{qualified_resource} \"{name}\" not found"))
            .with_details(resource_details(qualified_resource, name))
    }

    pub fn no_route() -> Self {
        Self::new(404, "NotFound", "the server could not find the requested resource")
    }

    pub fn already_exists(qualified_resource: &str, name: &str) -> Self {
        Self::new(409, "AlreadyExists", format!("{qualified_resource} \"{name}\" already exists"))
            .with_details(resource_details(qualified_resource, name))
    }

    pub fn conflict(qualified_resource: &str, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {qualified_resource} \"{name}\": the object has been modified; \
                 please apply your changes to the latest version and try again"
            ),
        )
        .with_details(resource_details(qualified_resource, name))
    }

    /// 409 for a delete whose precondition (`ResourceVersion` or `UID`) no longer holds.
    pub fn conflict_precondition(resource: &str, name: &str, field: &str, expected: &str, actual: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {resource} \"{name}\": the {field} in the precondition ({expected}) \
                 does not match the {field} in record ({actual}). The object might have been modified"
            ),
        )
        .with_details(json!({"name": name, "kind": resource}))
    }

    pub fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 422 for a problem found outside field validation (a value of the wrong type, a patch that cannot apply).
    pub fn invalid(qualified_kind: &str, name: &str, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let (kind, group) = qualified_kind.split_once('.').unwrap_or((qualified_kind, ""));
        let mut details = json!({
            "name": name,
            "kind": kind,
            "causes": [{"reason": "FieldValueInvalid", "message": message, "field": field}],
        });
        if !group.is_empty() {
            details["group"] = json!(group);
        }
        Self::new(422, "Invalid", format!("{qualified_kind} \"{name}\" is invalid: {field}: {message}"))
            .with_details(details)
    }

    /// 422 with one cause per field error, worded as kube-apiserver's field validation words them.
    pub fn invalid_fields(qualified_kind: &str, name: &str, errors: &[FieldError]) -> Self {
        let summary = match errors {
            [one] => one.to_string(),
            many => format!("[{}]", many.iter().map(FieldError::to_string).collect::<Vec<_>>().join(", ")),
        };
        let (kind, group) = qualified_kind.split_once('.').unwrap_or((qualified_kind, ""));
        let mut details = json!({
            "name": name,
            "kind": kind,
            "causes": errors.iter().map(|error| json!({
                "reason": error.reason(), "message": error.body(), "field": error.field,
            })).collect::<Vec<_>>(),
        });
        if !group.is_empty() {
            details["group"] = json!(group);
        }
        Self::new(422, "Invalid", format!("{qualified_kind} \"{name}\" is invalid: {summary}")).with_details(details)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// 403 for a request the authorizer denied: `qualified_resource` is `nodes` or
    /// `poddisruptionbudgets.policy`, empty for a non-resource path; `name` is empty for collections.
    pub fn forbidden(qualified_resource: &str, name: &str, reason: &str) -> Self {
        let message = match (qualified_resource, name) {
            ("", _) => format!("forbidden: {reason}"),
            (resource, "") => format!("{resource} is forbidden: {reason}"),
            (resource, name) => format!("{resource} \"{name}\" is forbidden: {reason}"),
        };
        let (kind, group) = qualified_resource.split_once('.').unwrap_or((qualified_resource, ""));
        let mut details = serde_json::Map::new();
        for (key, value) in [("name", name), ("group", group), ("kind", kind)] {
            if !value.is_empty() {
                details.insert(key.to_owned(), json!(value));
            }
        }
        Self::new(403, "Forbidden", message).with_details(Value::Object(details))
    }

    /// 403 from namespace lifecycle admission: nothing new goes into a namespace being deleted.
    pub fn namespace_terminating(qualified_resource: &str, name: &str, namespace: &str) -> Self {
        let reason = format!("unable to create new content in namespace {namespace} because it is being terminated");
        let mut status = Self::forbidden(qualified_resource, name, &reason);
        if let Some(details) = status.details.as_mut() {
            details["causes"] =
                json!([{"reason": "NamespaceTerminating", "message": reason, "field": "metadata.namespace"}]);
        }
        status
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "", message)
    }

    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(504, "Timeout", message)
    }

    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!("the server does not allow this method on the requested resource ({method})"),
        )
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {content_type:?})"
            ),
        )
    }

    pub fn disruption_budget(budget: &str, needed: i64, healthy: i64) -> Self {
        Self::new(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.").with_details(json!({
            "causes": [{
                "reason": "DisruptionBudget",
                "message": format!("The disruption budget {budget} needs {needed} healthy pods and has {healthy} currently"),
            }],
        }))
    }

    /// The `Status` object as the API serializes it.
    pub fn to_json(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "code": self.code,
        });
        if !self.reason.is_empty() {
            status["reason"] = json!(self.reason);
        }
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        status
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for Status {}

/// `details` naming an object: its name, and its resource split into `kind` and `group`,
/// as the API fills them in (`kind` holds the resource).
fn resource_details(qualified_resource: &str, name: &str) -> Value {
    let (kind, group) = qualified_resource.split_once('.').unwrap_or((qualified_resource, ""));
    let mut details = json!({"name": name, "kind": kind});
    if !group.is_empty() {
        details["group"] = json!(group);
    }
    details
}

/// The `Status` a successful eviction answers with.
pub fn success(code: u16) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": code})
}

/// The `Status` a deletion that removed the object at once answers with: the
/// store names the object by resource (not kind) in `details.kind`, and its uid,
/// so that a client can tell it is gone rather than waiting on finalizers.
pub fn deleted(group: &str, plural: &str, object: &Value) -> Value {
    let mut details = json!({"name": object["metadata"]["name"], "kind": plural, "uid": object["metadata"]["uid"]});
    if !group.is_empty() {
        details["group"] = json!(group);
    }
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

/// One failed check of field validation, rendered as `field.Error` renders it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Invalid {
        value: Value,
        detail: String,
    },
    Required {
        detail: String,
    },
    Forbidden {
        detail: String,
    },
    /// `value` as Go's `%#v` prints it: `"x"` for a string, `[]string{"x"}` for a list.
    NotSupported {
        value: String,
        supported: Vec<&'static str>,
    },
}

impl FieldError {
    pub fn invalid(field: impl Into<String>, value: impl Into<Value>, detail: impl Into<String>) -> Self {
        Self { field: field.into(), problem: Problem::Invalid { value: value.into(), detail: detail.into() } }
    }

    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { field: field.into(), problem: Problem::Required { detail: detail.into() } }
    }

    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { field: field.into(), problem: Problem::Forbidden { detail: detail.into() } }
    }

    pub fn not_supported(field: impl Into<String>, value: &str, supported: Vec<&'static str>) -> Self {
        Self { field: field.into(), problem: Problem::NotSupported { value: format!("{value:?}"), supported } }
    }

    /// An unsupported list of strings, such as a repeated query parameter.
    pub fn not_supported_list(field: impl Into<String>, values: &[&str], supported: Vec<&'static str>) -> Self {
        let value = format!("[]string{{{}}}", values.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", "));
        Self { field: field.into(), problem: Problem::NotSupported { value, supported } }
    }

    /// The `reason` of the Status cause (`FieldValueInvalid`, ...).
    pub fn reason(&self) -> &'static str {
        match self.problem {
            Problem::Invalid { .. } => "FieldValueInvalid",
            Problem::Required { .. } => "FieldValueRequired",
            Problem::Forbidden { .. } => "FieldValueForbidden",
            Problem::NotSupported { .. } => "FieldValueNotSupported",
        }
    }

    /// The error without its field, as a cause's `message` carries it.
    pub fn body(&self) -> String {
        let with_detail = |head: &str, detail: &str| {
            if detail.is_empty() { head.to_owned() } else { format!("{head}: {detail}") }
        };
        match &self.problem {
            Problem::Invalid { value, detail } => with_detail(&format!("Invalid value: {value}"), detail),
            Problem::Required { detail } => with_detail("Required value", detail),
            Problem::Forbidden { detail } => with_detail("Forbidden", detail),
            Problem::NotSupported { value, supported } => format!(
                "Unsupported value: {value}: supported values: {}",
                supported.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}
