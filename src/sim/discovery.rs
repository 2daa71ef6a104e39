//! The discovery documents: which groups, versions and resources the
//! simulator serves, with kube-apiserver's verbs for each resource and each
//! subresource, so that kubectl's RESTMapper and `kubectl api-resources` see
//! what they would see on a cluster.

use serde_json::{Value, json};

use super::store::Resource;

/// The groups served under `/apis`, each at `v1`.
pub const GROUPS: [&str; 4] = ["authentication.k8s.io", "authorization.k8s.io", "coordination.k8s.io", "policy"];

const ALL_VERBS: [&str; 8] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const STATUS_VERBS: [&str; 3] = ["get", "patch", "update"];

pub fn versions(server_address: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"],
           "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]})
}

fn group(name: &str) -> Value {
    let version = json!({"groupVersion": format!("{name}/v1"), "version": "v1"});
    json!({"name": name, "versions": [version], "preferredVersion": version})
}

pub fn group_list() -> Value {
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": GROUPS.map(group)})
}

pub fn api_group(name: &str) -> Option<Value> {
    GROUPS.contains(&name).then(|| {
        let mut document = group(name);
        document["kind"] = json!("APIGroup");
        document["apiVersion"] = json!("v1");
        document
    })
}

/// The `APIResourceList` of one group's `v1` ("" is the core group).
pub fn resources(group: &str) -> Option<Value> {
    let mut entries: Vec<Value> = Vec::new();
    for resource in Resource::ALL.into_iter().filter(|resource| resource.group() == group) {
        let verbs: &[&str] = if resource == Resource::Namespaces {
            // Namespaces are removed one at a time, through their finalizer, never by collection.
            &["create", "delete", "get", "list", "patch", "update", "watch"]
        } else {
            &ALL_VERBS
        };
        let mut entry = json!({
            "name": resource.plural(), "singularName": resource.singular(), "namespaced": resource.namespaced(),
            "kind": resource.kind(), "verbs": verbs,
        });
        if !resource.short_names().is_empty() {
            entry["shortNames"] = json!(resource.short_names());
        }
        if resource == Resource::Pods {
            entry["categories"] = json!(["all"]);
        }
        entries.push(entry);
        if resource.has_status() {
            entries.push(subresource(resource, "status", resource.kind(), &STATUS_VERBS));
        }
        if resource == Resource::Pods {
            let mut eviction = subresource(resource, "eviction", "Eviction", &["create"]);
            eviction["group"] = json!("policy");
            eviction["version"] = json!("v1");
            entries.push(eviction);
        }
    }
    let review = |name: &str, kind: &str| json!({"name": name, "singularName": "", "namespaced": false, "kind": kind, "verbs": ["create"]});
    match group {
        "authentication.k8s.io" => entries.push(review("selfsubjectreviews", "SelfSubjectReview")),
        "authorization.k8s.io" => {
            entries.push(review("selfsubjectaccessreviews", "SelfSubjectAccessReview"));
            entries.push(review("selfsubjectrulesreviews", "SelfSubjectRulesReview"));
        }
        _ => {}
    }
    if entries.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() { "v1".to_owned() } else { format!("{group}/v1") };
    Some(json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}))
}

fn subresource(resource: Resource, name: &str, kind: &str, verbs: &[&str]) -> Value {
    json!({"name": format!("{}/{name}", resource.plural()), "singularName": "", "namespaced": resource.namespaced(),
           "kind": kind, "verbs": verbs})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_listed_has_its_resources() {
        for group in GROUPS {
            assert!(api_group(group).is_some());
            assert!(resources(group).is_some(), "{group}");
        }
        assert!(resources("apps").is_none());
    }

    #[test]
    fn core_resources_carry_their_status_subresources() {
        let core = resources("").unwrap();
        let names: Vec<&str> =
            core["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        for expected in ["nodes", "nodes/status", "pods", "pods/status", "pods/eviction", "namespaces/status"] {
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
        let budgets = resources("policy").unwrap();
        assert_eq!(budgets["resources"][0]["shortNames"], json!(["pdb"]));
        assert_eq!(budgets["resources"][1]["verbs"], json!(["get", "patch", "update"]));
    }
}
