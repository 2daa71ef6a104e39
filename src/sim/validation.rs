//! Field validation of the objects the simulator stores: what kube-apiserver's
//! validation refuses with 422 Invalid before anything reaches storage (names
//! that are not DNS-1123 subdomains or labels, required fields left out, values
//! of the wrong type), with the same field paths, reasons and wording.

use serde::Deserialize as _;
use serde_json::Value;

use super::status::{FieldError, Status};
use super::store::Resource;

const DNS1123_LABEL_MAX: usize = 63;
const DNS1123_SUBDOMAIN_MAX: usize = 253;
const LABEL_FORMAT: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', \
     and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', \
     regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_FORMAT: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \
     '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for \
     validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/// Checks `object` as kube-apiserver validates a new or replaced object of
/// `resource`; every problem found is one cause of the 422.
pub fn validate(resource: Resource, object: &Value) -> Result<(), Status> {
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let mut errors = name_errors(resource, name);
    if resource == Resource::Pods {
        errors.extend(pod_spec_errors(&object["spec"]));
    }
    let qualified_kind = match resource.group() {
        "" => resource.kind().to_owned(),
        group => format!("{}.{group}", resource.kind()),
    };
    if !errors.is_empty() {
        return Err(Status::invalid_fields(&qualified_kind, name, &errors));
    }
    schema_check(resource, object).map_err(|error| Status::invalid(&qualified_kind, name, "body", error))
}

fn name_errors(resource: Resource, name: &str) -> Vec<FieldError> {
    if name.is_empty() {
        return vec![FieldError::required("metadata.name", "name or generateName is required")];
    }
    let problems =
        if resource == Resource::Namespaces { dns1123_label_problems(name) } else { dns1123_subdomain_problems(name) };
    problems.into_iter().map(|problem| FieldError::invalid("metadata.name", name, problem)).collect()
}

/// Why `name` is not a DNS-1123 label (RFC 1123), as `IsDNS1123Label` words it; empty when it is one.
pub fn dns1123_label_problems(name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if name.len() > DNS1123_LABEL_MAX {
        problems.push(format!("must be no more than {DNS1123_LABEL_MAX} characters"));
    }
    if !is_label(name) {
        problems.push(LABEL_FORMAT.to_owned());
    }
    problems
}

/// Why `name` is not a DNS-1123 subdomain, as `IsDNS1123Subdomain` words it; empty when it is one.
pub fn dns1123_subdomain_problems(name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if name.len() > DNS1123_SUBDOMAIN_MAX {
        problems.push(format!("must be no more than {DNS1123_SUBDOMAIN_MAX} characters"));
    }
    if !name.split('.').all(is_label) {
        problems.push(SUBDOMAIN_FORMAT.to_owned());
    }
    problems
}

fn is_label(part: &str) -> bool {
    let bytes = part.as_bytes();
    let alphanumeric = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && alphanumeric(&bytes[0])
        && alphanumeric(&bytes[bytes.len() - 1])
        && bytes.iter().all(|b| alphanumeric(b) || *b == b'-')
}

fn pod_spec_errors(spec: &Value) -> Vec<FieldError> {
    let containers = spec["containers"].as_array().map(Vec::as_slice).unwrap_or_default();
    if containers.is_empty() {
        return vec![FieldError::required("spec.containers", "")];
    }
    let mut errors = Vec::new();
    for (index, container) in containers.iter().enumerate() {
        let field = |name: &str| format!("spec.containers[{index}].{name}");
        match container["name"].as_str().unwrap_or_default() {
            "" => errors.push(FieldError::required(field("name"), "")),
            name => errors.extend(
                dns1123_label_problems(name)
                    .into_iter()
                    .map(|problem| FieldError::invalid(field("name"), name, problem)),
            ),
        }
        if container["image"].as_str().unwrap_or_default().is_empty() {
            errors.push(FieldError::required(field("image"), ""));
        }
    }
    errors
}

/// Decodes the object as its Kubernetes type: a field of the wrong type is refused as schema validation refuses it.
fn schema_check(resource: Resource, object: &Value) -> Result<(), String> {
    use k8s_openapi::api::coordination::v1::Lease;
    use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
    use k8s_openapi::api::policy::v1::PodDisruptionBudget;
    let result = match resource {
        Resource::Nodes => Node::deserialize(object).map(drop),
        Resource::Pods => Pod::deserialize(object).map(drop),
        Resource::Namespaces => Namespace::deserialize(object).map(drop),
        Resource::Leases => Lease::deserialize(object).map(drop),
        Resource::PodDisruptionBudgets => PodDisruptionBudget::deserialize(object).map(drop),
    };
    result.map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subdomains_allow_dots_but_labels_do_not() {
        assert!(dns1123_subdomain_problems("node-1.zone-a").is_empty());
        assert_eq!(dns1123_label_problems("node-1.zone-a").len(), 1);
        assert_eq!(dns1123_subdomain_problems("Bad_Name").len(), 1);
        assert_eq!(dns1123_subdomain_problems("-leading").len(), 1);
        assert_eq!(dns1123_subdomain_problems(&"a".repeat(254)).len(), 1);
    }

    #[test]
    fn invalid_name_is_a_422_with_one_cause_per_problem() {
        let node = json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": "Bad_Name"}});
        let status = validate(Resource::Nodes, &node).unwrap_err();
        assert_eq!((status.code, status.reason), (422, "Invalid"));
        assert!(status.message.starts_with("Node \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"), "{}", status.message);
        let causes = &status.details.unwrap()["causes"];
        assert_eq!(causes[0]["reason"], "FieldValueInvalid");
        assert_eq!(causes[0]["field"], "metadata.name");
    }

    #[test]
    fn pod_without_image_names_each_missing_field() {
        let pod = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p", "namespace": "demo"},
                         "spec": {"containers": [{"name": ""}]}});
        let status = validate(Resource::Pods, &pod).unwrap_err();
        assert_eq!(
            status.message,
            "Pod \"p\" is invalid: [spec.containers[0].name: Required value, spec.containers[0].image: Required value]"
        );
        let causes = status.details.unwrap()["causes"].clone();
        assert_eq!(causes.as_array().unwrap().len(), 2);
        assert!(causes.as_array().unwrap().iter().all(|cause| cause["reason"] == "FieldValueRequired"));
    }

    #[test]
    fn budgets_are_named_with_their_group() {
        let budget = json!({"kind": "PodDisruptionBudget", "apiVersion": "policy/v1", "metadata": {"name": "UP"}});
        let status = validate(Resource::PodDisruptionBudgets, &budget).unwrap_err();
        assert!(status.message.starts_with("PodDisruptionBudget.policy \"UP\" is invalid"), "{}", status.message);
        assert_eq!(status.details.unwrap()["group"], "policy");
    }
}
