//! Who a request comes from and what it may do, as a cluster with bearer
//! tokens and RBAC answers it: no token is `system:anonymous` (allowed only the
//! public health and version paths), an unknown token is 401, the configured
//! token is a cluster admin, the read-only token a viewer that may get, list and
//! watch. With no token configured the simulator is open to everyone.
//! `SelfSubjectAccessReview` asks the same question `kubectl auth can-i` asks,
//! `SelfSubjectRulesReview` lists the answers (`kubectl auth can-i --list`).

use serde_json::{Value, json};

use super::status::Status;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum User {
    /// No token configured: every request is allowed, as with `AlwaysAllow`.
    Open,
    Admin,
    Viewer,
    Anonymous,
}

impl User {
    pub fn name(&self) -> &'static str {
        match self {
            User::Admin => "admin",
            User::Viewer => "viewer",
            User::Open | User::Anonymous => "system:anonymous",
        }
    }

    pub fn groups(&self) -> &'static [&'static str] {
        match self {
            User::Admin => &["system:masters", "system:authenticated"],
            User::Viewer => &["system:authenticated"],
            User::Open | User::Anonymous => &["system:unauthenticated"],
        }
    }
}

/// Finds the user of a request from its `Authorization` header.
pub fn authenticate(
    admin_token: Option<&str>,
    viewer_token: Option<&str>,
    header: Option<&str>,
) -> Result<User, Status> {
    if admin_token.is_none() && viewer_token.is_none() {
        return Ok(User::Open);
    }
    let Some(header) = header else {
        return Ok(User::Anonymous);
    };
    match header.strip_prefix("Bearer ").map(str::trim) {
        Some(token) if Some(token) == admin_token => Ok(User::Admin),
        Some(token) if Some(token) == viewer_token => Ok(User::Viewer),
        _ => Err(Status::unauthorized()),
    }
}

/// What a request asks to do, in the authorizer's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attributes {
    Resource { verb: String, group: String, resource: String, subresource: String, namespace: String, name: String },
    NonResource { verb: String, path: String },
}

/// Paths anyone may read (`system:public-info-viewer`).
const PUBLIC_PATHS: [&str; 5] = ["/healthz", "/livez", "/readyz", "/version", "/version/"];

pub fn allowed(user: &User, attributes: &Attributes) -> bool {
    match (user, attributes) {
        (User::Open | User::Admin, _) => true,
        (User::Viewer, Attributes::Resource { verb, group, resource, .. }) => {
            matches!(verb.as_str(), "get" | "list" | "watch") || (verb == "create" && is_self_review(group, resource))
        }
        (User::Viewer, Attributes::NonResource { verb, .. }) => verb == "get",
        (User::Anonymous, Attributes::NonResource { verb, path }) => {
            verb == "get" && PUBLIC_PATHS.contains(&path.as_str())
        }
        (User::Anonymous, Attributes::Resource { .. }) => false,
    }
}

/// The reviews every authenticated user may create about itself (`system:basic-user`).
fn is_self_review(group: &str, resource: &str) -> bool {
    matches!(
        (group, resource),
        ("authorization.k8s.io", "selfsubjectaccessreviews" | "selfsubjectrulesreviews")
            | ("authentication.k8s.io", "selfsubjectreviews")
    )
}

/// The 403 kube-apiserver answers a denied request with.
pub fn forbidden(user: &User, attributes: &Attributes) -> Status {
    let name = user.name();
    match attributes {
        Attributes::NonResource { verb, path } => {
            Status::forbidden("", "", &format!("User \"{name}\" cannot {verb} path \"{path}\""))
        }
        Attributes::Resource { verb, group, resource, subresource, namespace, name: object } => {
            let full = if subresource.is_empty() { resource.clone() } else { format!("{resource}/{subresource}") };
            let scope = if namespace.is_empty() {
                "at the cluster scope".to_owned()
            } else {
                format!("in the namespace \"{namespace}\"")
            };
            let qualified = if group.is_empty() { resource.clone() } else { format!("{resource}.{group}") };
            Status::forbidden(
                &qualified,
                object,
                &format!("User \"{name}\" cannot {verb} resource \"{full}\" in API group \"{group}\" {scope}"),
            )
        }
    }
}

/// Answers a `SelfSubjectAccessReview`: the review, with `status.allowed` for the asking user.
pub fn review_access(user: &User, review: &Value) -> Result<Value, Status> {
    let spec = &review["spec"];
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let attributes = if let Some(resource) = spec["resourceAttributes"].as_object() {
        let field = |key: &str| resource.get(key).map(text).unwrap_or_default();
        Attributes::Resource {
            verb: field("verb"),
            group: field("group"),
            resource: field("resource"),
            subresource: field("subresource"),
            namespace: field("namespace"),
            name: field("name"),
        }
    } else if let Some(path) = spec["nonResourceAttributes"].as_object() {
        Attributes::NonResource {
            verb: path.get("verb").map(text).unwrap_or_default(),
            path: path.get("path").map(text).unwrap_or_default(),
        }
    } else {
        return Err(Status::invalid(
            "SelfSubjectAccessReview.authorization.k8s.io",
            "",
            "spec.resourceAttributes",
            "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        ));
    };
    let mut answer = review.clone();
    answer["kind"] = json!("SelfSubjectAccessReview");
    answer["apiVersion"] = json!("authorization.k8s.io/v1");
    answer["metadata"] = json!({"creationTimestamp": null});
    answer["status"] = json!({"allowed": allowed(user, &attributes)});
    Ok(answer)
}

/// Answers a `SelfSubjectRulesReview`: what the caller may do, as rules.
pub fn review_rules(user: &User, review: &Value) -> Value {
    let resource_rule = |verbs: &[&str], groups: &[&str], resources: &[&str]| json!({"verbs": verbs, "apiGroups": groups, "resources": resources});
    let path_rule = |verbs: &[&str], paths: &[&str]| json!({"verbs": verbs, "nonResourceURLs": paths});
    let self_reviews = [
        resource_rule(&["create"], &["authentication.k8s.io"], &["selfsubjectreviews"]),
        resource_rule(&["create"], &["authorization.k8s.io"], &["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
    ];
    let (resource_rules, non_resource_rules) = match user {
        User::Open | User::Admin => (vec![resource_rule(&["*"], &["*"], &["*"])], vec![path_rule(&["*"], &["*"])]),
        User::Viewer => {
            let mut rules = vec![resource_rule(&["get", "list", "watch"], &["*"], &["*"])];
            rules.extend(self_reviews);
            (rules, vec![path_rule(&["get"], &["*"])])
        }
        User::Anonymous => (Vec::new(), vec![path_rule(&["get"], &PUBLIC_PATHS)]),
    };
    json!({
        "kind": "SelfSubjectRulesReview", "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "spec": review["spec"],
        "status": {"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": false},
    })
}

/// Answers a `SelfSubjectReview` (`kubectl auth whoami`).
pub fn review_self(user: &User) -> Value {
    json!({
        "kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "status": {"userInfo": {"username": user.name(), "groups": user.groups()}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch_node(name: &str) -> Attributes {
        Attributes::Resource {
            verb: "patch".into(),
            group: String::new(),
            resource: "nodes".into(),
            subresource: String::new(),
            namespace: String::new(),
            name: name.into(),
        }
    }

    #[test]
    fn tokens_name_the_user_and_unknown_tokens_are_unauthorized() {
        let authenticate = |header| authenticate(Some("admin-token"), Some("view-token"), header);
        assert_eq!(authenticate(None).unwrap(), User::Anonymous);
        assert_eq!(authenticate(Some("Bearer admin-token")).unwrap(), User::Admin);
        assert_eq!(authenticate(Some("Bearer view-token")).unwrap(), User::Viewer);
        assert_eq!(authenticate(Some("Bearer guess")).unwrap_err().code, 401);
        assert_eq!(super::authenticate(None, None, Some("Bearer anything")).unwrap(), User::Open);
    }

    #[test]
    fn a_viewer_reads_but_is_refused_writes_with_the_apiservers_message() {
        assert!(!allowed(&User::Viewer, &patch_node("x")));
        let status = forbidden(&User::Viewer, &patch_node("x"));
        assert_eq!(status.code, 403);
        assert_eq!(
            status.message,
            "nodes \"x\" is forbidden: User \"viewer\" cannot patch resource \"nodes\" in API group \"\" at the cluster scope"
        );
        let evict = Attributes::Resource {
            verb: "create".into(),
            group: String::new(),
            resource: "pods".into(),
            subresource: "eviction".into(),
            namespace: "demo".into(),
            name: "web-1".into(),
        };
        assert_eq!(
            forbidden(&User::Viewer, &evict).message,
            "pods \"web-1\" is forbidden: User \"viewer\" cannot create resource \"pods/eviction\" in API group \"\" in the namespace \"demo\""
        );
    }

    #[test]
    fn rules_reviews_list_what_each_user_may_do() {
        let review = json!({"spec": {"namespace": "demo"}});
        let viewer = review_rules(&User::Viewer, &review);
        assert_eq!(viewer["status"]["resourceRules"][0]["verbs"], json!(["get", "list", "watch"]));
        assert_eq!(viewer["spec"]["namespace"], "demo");
        let anonymous = review_rules(&User::Anonymous, &review);
        assert_eq!(anonymous["status"]["resourceRules"], json!([]));
        assert_eq!(review_rules(&User::Admin, &review)["status"]["resourceRules"][0]["resources"], json!(["*"]));
    }

    #[test]
    fn anonymous_may_only_read_the_public_paths() {
        let path = |path: &str| Attributes::NonResource { verb: "get".into(), path: path.into() };
        assert!(allowed(&User::Anonymous, &path("/version")));
        assert!(!allowed(&User::Anonymous, &path("/api")));
        assert_eq!(
            forbidden(&User::Anonymous, &path("/api")).message,
            "forbidden: User \"system:anonymous\" cannot get path \"/api\""
        );
    }
}
