//! What a write does to an object before it reaches the store, per resource, as
//! kube-apiserver's registry strategies decide it: defaults and server-owned
//! fields on create, `spec` and `status` written only through their own
//! endpoints, graceful deletion of pods, and evictions under disruption
//! budgets. The HTTP front, the simulated kubelets and the controllers all
//! write through it, so that they share one set of semantics.

use std::sync::Arc;

use parking_lot::Mutex;

use chrono::{Duration as TimeDelta, Utc};
use serde_json::{Value, json};

use super::budget;
use super::objects::timestamp;
use super::patch::{self, PatchType};
use super::status::{FieldError, Status};
use super::store::{self, Resource, Store, Write};
use super::validation::validate;

/// The grace period of a pod that does not name one (the API's default for `terminationGracePeriodSeconds`).
const DEFAULT_GRACE_SECONDS: i64 = 30;

/// Which endpoint a write came through: the object itself, or its `/status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Main,
    Status,
}

/// The outcome of a delete: gone from the store, or marked and left to its kubelet.
#[derive(Debug)]
pub enum Deleted {
    Gone(Arc<Value>),
    Terminating(Arc<Value>),
}

impl Deleted {
    pub fn object(&self) -> &Arc<Value> {
        match self {
            Deleted::Gone(object) | Deleted::Terminating(object) => object,
        }
    }
}

/// The parts of `DeleteOptions` the simulator honours.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeleteOptions {
    pub grace_period_seconds: Option<i64>,
    pub resource_version: Option<u64>,
    pub uid: Option<String>,
    pub write: Write,
}

impl DeleteOptions {
    /// Reads `DeleteOptions` from a request body (JSON) or, when it has none,
    /// the query; `dryRun` may come from either.
    pub fn parse(body: &[u8], grace_period_query: Option<&str>, write: Write) -> Result<Self, Status> {
        if body.iter().all(u8::is_ascii_whitespace) {
            let grace_period_seconds = grace_period_query
                .map(|value| {
                    value
                        .parse()
                        .map_err(|_| Status::bad_request(format!("gracePeriodSeconds: invalid value {value:?}")))
                })
                .transpose()?;
            return Ok(Self { grace_period_seconds, write, ..Self::default() });
        }
        let options: Value = serde_json::from_slice(body)
            .map_err(|e| Status::bad_request(format!("error decoding DeleteOptions: {e}")))?;
        let mut options = Self::from_json(&options)?;
        if write == Write::DryRun {
            options.write = Write::DryRun;
        }
        Ok(options)
    }

    pub fn from_json(options: &Value) -> Result<Self, Status> {
        let dry_run: Vec<&str> = match &options["dryRun"] {
            Value::Array(values) => values.iter().map(|value| value.as_str().unwrap_or_default()).collect(),
            _ => Vec::new(),
        };
        Ok(Self {
            grace_period_seconds: options["gracePeriodSeconds"].as_i64(),
            resource_version: options["preconditions"]["resourceVersion"].as_str().and_then(|v| v.parse().ok()),
            uid: options["preconditions"]["uid"].as_str().map(str::to_owned),
            write: dry_run_write("DeleteOptions", &dry_run)?,
        })
    }

    pub fn force() -> Self {
        Self { grace_period_seconds: Some(0), ..Self::default() }
    }
}

/// The write a `dryRun` option asks for, as kube-apiserver validates it: none,
/// or only `All`; anything else is a 422 naming the options' kind
/// (`CreateOptions`, `DeleteOptions`, ...).
pub fn dry_run_write(options_kind: &str, values: &[&str]) -> Result<Write, Status> {
    if values.iter().any(|value| *value != "All") {
        let error = FieldError::not_supported_list("dryRun", values, vec!["All"]);
        return Err(Status::invalid_fields(&format!("{options_kind}.meta.k8s.io"), "", &[error]));
    }
    Ok(if values.is_empty() { Write::Commit } else { Write::DryRun })
}

pub struct Registry {
    store: Arc<Store>,
    /// Evictions decide on a budget and then act on it; one at a time, so that
    /// two of them never both spend the budget's last allowed disruption.
    evictions: Mutex<()>,
}

impl Registry {
    pub fn new(store: Arc<Store>) -> Self {
        Self { store, evictions: Mutex::new(()) }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// POST to a collection: defaults, server-owned fields, validation, then the store.
    pub fn create(
        &self,
        resource: Resource,
        namespace: Option<&str>,
        mut object: Value,
        write: Write,
    ) -> Result<Arc<Value>, Status> {
        check_type(resource, &object)?;
        if !object["metadata"].is_object() {
            object["metadata"] = json!({});
        }
        if !resource.namespaced()
            && let Some(metadata) = object["metadata"].as_object_mut()
        {
            metadata.remove("namespace");
        }
        if let Some(namespace) = namespace {
            match object["metadata"]["namespace"].as_str() {
                Some(given) if !given.is_empty() && given != namespace => {
                    return Err(Status::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                _ => object["metadata"]["namespace"] = json!(namespace),
            }
        }
        generate_name(&mut object);
        let metadata = object["metadata"].as_object_mut().expect("metadata was just made an object");
        for owned_by_server in
            ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"]
        {
            metadata.remove(owned_by_server);
        }
        prepare_for_create(resource, &mut object);
        validate(resource, &object)?;
        if let Some(namespace) = namespace {
            let existing = self.store.get(Resource::Namespaces, namespace);
            match existing {
                None => return Err(Status::not_found("namespaces", namespace)),
                Some(terminating) if !terminating["metadata"]["deletionTimestamp"].is_null() => {
                    let name = object["metadata"]["name"].as_str().unwrap_or_default();
                    return Err(Status::namespace_terminating(&resource.qualified(), name, namespace));
                }
                Some(_) => {}
            }
        }
        self.store.create(resource, object, write)
    }

    /// PUT of a whole object to the resource or to its `/status`.
    pub fn update(
        &self,
        resource: Resource,
        key: &str,
        part: Part,
        object: Value,
        write: Write,
    ) -> Result<Arc<Value>, Status> {
        check_type(resource, &object)?;
        let expected = store::object_resource_version(&object);
        self.store.update(resource, key, expected, write, |current| {
            let merged = carry_over(resource, part, &current, object);
            validate(resource, &merged)?;
            Ok(merged)
        })
    }

    /// PATCH of the resource or of its `/status`.
    pub fn patch(
        &self,
        resource: Resource,
        key: &str,
        part: Part,
        patch_type: PatchType,
        body: &[u8],
        write: Write,
    ) -> Result<Arc<Value>, Status> {
        let name = key.rsplit('/').next().unwrap_or(key);
        self.store.update(resource, key, None, write, |current| {
            let mut patched = current.clone();
            patch::apply(patch_type, &mut patched, body)?;
            let seen = &current["metadata"]["resourceVersion"];
            if !patched["metadata"]["resourceVersion"].is_null() && patched["metadata"]["resourceVersion"] != *seen {
                return Err(Status::conflict(&resource.qualified(), name));
            }
            let merged = carry_over(resource, part, &current, patched);
            validate(resource, &merged)?;
            Ok(merged)
        })
    }

    /// DELETE of one object. A pod bound to a node is marked (`deletionTimestamp`,
    /// `deletionGracePeriodSeconds`) and left for its kubelet to finish, unless the
    /// grace period is 0; everything else goes at once.
    pub fn delete(&self, resource: Resource, key: &str, options: &DeleteOptions) -> Result<Deleted, Status> {
        let name = key.rsplit('/').next().unwrap_or(key);
        let current = self.store.get(resource, key).ok_or_else(|| Status::not_found(&resource.qualified(), name))?;
        check_preconditions(resource, name, &current, options)?;
        if resource == Resource::Namespaces {
            // The namespace controller empties it and then removes it; until then it is Terminating.
            let terminating =
                self.store.update(resource, key, options.resource_version, options.write, |mut namespace| {
                    if namespace["metadata"]["deletionTimestamp"].is_null() {
                        namespace["metadata"]["deletionTimestamp"] = json!(timestamp(Utc::now()));
                        namespace["metadata"]["deletionGracePeriodSeconds"] = json!(0);
                        namespace["status"]["phase"] = json!("Terminating");
                    }
                    Ok(namespace)
                })?;
            return Ok(Deleted::Terminating(terminating));
        }
        let grace = match resource {
            Resource::Pods => pod_grace_period(&current, options),
            _ => 0,
        };
        if grace == 0 {
            return Ok(Deleted::Gone(self.store.delete(resource, key, options.resource_version, options.write)?));
        }
        let terminating = self.store.update(resource, key, options.resource_version, options.write, |mut pod| {
            let already = pod["metadata"]["deletionGracePeriodSeconds"].as_i64();
            if already.is_none_or(|already| grace < already) {
                let deadline = Utc::now() + TimeDelta::seconds(grace);
                pod["metadata"]["deletionTimestamp"] = json!(timestamp(deadline));
                pod["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
            }
            Ok(pod)
        })?;
        Ok(Deleted::Terminating(terminating))
    }

    /// What the namespace controller does for a namespace being deleted: deletes
    /// everything in it (pods gracefully), and the namespace itself once nothing is left.
    pub fn finalize_namespace(&self, namespace: &str) {
        let prefix = format!("{namespace}/");
        let mut left = 0;
        for resource in Resource::ALL.into_iter().filter(|resource| resource.namespaced()) {
            let (_, objects) = self.store.list(resource);
            for key in objects.keys().filter(|key| key.starts_with(&prefix)) {
                if let Ok(Deleted::Terminating(_)) = self.delete(resource, key, &DeleteOptions::default()) {
                    left += 1;
                }
            }
        }
        if left == 0 {
            let _ = self.store.delete(Resource::Namespaces, namespace, None, Write::Commit);
        }
    }

    /// `pods/eviction`: a delete that honours the one disruption budget
    /// selecting the pod. A dry run, asked for by the create (`write`) or by
    /// the eviction's own `deleteOptions`, decides but spends nothing.
    pub fn evict(&self, namespace: &str, name: &str, eviction: &Value, write: Write) -> Result<(), Status> {
        let named = eviction["metadata"]["name"].as_str().unwrap_or_default();
        if named != name {
            return Err(Status::bad_request("name in URL does not match name in Eviction object"));
        }
        let mut options = DeleteOptions::from_json(&eviction["deleteOptions"])?;
        if write == Write::DryRun {
            options.write = Write::DryRun;
        }
        let _one_at_a_time = self.evictions.lock();
        let key = store::key(Some(namespace), name);
        let pod = self.store.get(Resource::Pods, &key).ok_or_else(|| Status::not_found("pods", name))?;
        // A pod that is not running, or already going, has nothing left to disrupt.
        let phase = pod["status"]["phase"].as_str().unwrap_or_default();
        if matches!(phase, "Succeeded" | "Failed" | "Pending") || !pod["metadata"]["deletionTimestamp"].is_null() {
            self.delete(Resource::Pods, &key, &options)?;
            return Ok(());
        }
        let (_, budgets) = self.store.list(Resource::PodDisruptionBudgets);
        let selecting: Vec<&Arc<Value>> = budgets
            .values()
            .filter(|budget| store::object_namespace(budget) == Some(namespace) && budget::selects(budget, &pod, true))
            .collect();
        match selecting.as_slice() {
            [] => {}
            [budget] => {
                let (_, pods) = self.store.list(Resource::Pods);
                let status = budget::status(budget, &pods, Utc::now());
                let (desired, healthy) = (status.desired_healthy, status.current_healthy);
                if !budget::pod_healthy(&pod) && healthy >= desired && desired > 0 {
                    // An unhealthy pod costs the budget nothing, as long as it has not become healthy since.
                    options.resource_version = store::object_resource_version(&pod);
                } else if status.disruptions_allowed == 0 {
                    return Err(Status::disruption_budget(
                        budget["metadata"]["name"].as_str().unwrap_or_default(),
                        desired,
                        healthy,
                    ));
                } else if options.write == Write::Commit {
                    let budget_key =
                        store::key(Some(namespace), budget["metadata"]["name"].as_str().unwrap_or_default());
                    self.store.update(
                        Resource::PodDisruptionBudgets,
                        &budget_key,
                        None,
                        Write::Commit,
                        |mut budget| {
                            budget["status"] = status.spend_one(name, Utc::now());
                            Ok(budget)
                        },
                    )?;
                }
            }
            _ => {
                return Err(Status::internal(
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                ));
            }
        }
        self.delete(Resource::Pods, &key, &options)?;
        Ok(())
    }
}

fn check_type(resource: Resource, object: &Value) -> Result<(), Status> {
    if object["kind"] != resource.kind() || object["apiVersion"] != resource.api_version() {
        return Err(Status::bad_request(format!(
            "the body of the request has kind {} apiVersion {}, expected {} {}",
            object["kind"],
            object["apiVersion"],
            resource.kind(),
            resource.api_version()
        )));
    }
    Ok(())
}

/// `generateName` as the API fills it in: the prefix and five random characters.
fn generate_name(object: &mut Value) {
    let has_name = object["metadata"]["name"].as_str().is_some_and(|name| !name.is_empty());
    if let (false, Some(prefix)) = (has_name, object["metadata"]["generateName"].as_str()) {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let suffix: String = (0..5).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect();
        object["metadata"]["name"] = json!(format!("{prefix}{suffix}"));
    }
}

/// What the API server sets on create, whatever the client sent.
fn prepare_for_create(resource: Resource, object: &mut Value) {
    match resource {
        Resource::Pods => {
            let spec = &mut object["spec"];
            for (field, default) in [
                ("terminationGracePeriodSeconds", json!(DEFAULT_GRACE_SECONDS)),
                ("restartPolicy", json!("Always")),
                ("dnsPolicy", json!("ClusterFirst")),
                ("schedulerName", json!("default-scheduler")),
            ] {
                if spec.get(field).is_none_or(Value::is_null) {
                    spec[field] = default;
                }
            }
            object["status"] = json!({"phase": "Pending", "qosClass": qos_class(&object["spec"])});
        }
        Resource::Namespaces => {
            let name = object["metadata"]["name"].clone();
            object["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            object["spec"] = json!({"finalizers": ["kubernetes"]});
            object["status"] = json!({"phase": "Active"});
        }
        Resource::PodDisruptionBudgets => {
            object["metadata"]["generation"] = json!(1);
            object["status"] =
                json!({"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0});
        }
        Resource::Nodes | Resource::Leases => {}
    }
}

/// The pod's QoS class from its containers' requests and limits.
fn qos_class(spec: &Value) -> &'static str {
    let containers = spec["containers"].as_array().map(Vec::as_slice).unwrap_or_default();
    let resources = |container: &Value, kind: &str, what: &str| container["resources"][kind][what].clone();
    let any_set = containers.iter().any(|c| {
        ["requests", "limits"]
            .iter()
            .any(|kind| ["cpu", "memory"].iter().any(|what| !resources(c, kind, what).is_null()))
    });
    if !any_set {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        ["cpu", "memory"].iter().all(|what| {
            let limit = resources(c, "limits", what);
            let request = resources(c, "requests", what);
            !limit.is_null() && (request.is_null() || request == limit)
        })
    });
    if guaranteed { "Guaranteed" } else { "Burstable" }
}

/// The object a write through `part` leaves: the other part as it was, and the
/// fields only the server sets (deletion marks, a budget's generation) as it keeps them.
fn carry_over(resource: Resource, part: Part, current: &Value, mut new: Value) -> Value {
    let keep = |new: &mut Value, field: &str| match current.get(field) {
        Some(value) => new[field] = value.clone(),
        None => {
            if let Some(object) = new.as_object_mut() {
                object.remove(field);
            }
        }
    };
    if resource.has_status() {
        match part {
            Part::Main => keep(&mut new, "status"),
            Part::Status => keep(&mut new, "spec"),
        }
    }
    if !new["metadata"].is_object() {
        new["metadata"] = json!({});
    }
    let metadata = new["metadata"].as_object_mut().expect("metadata was just made an object");
    let mut server_owned = vec!["deletionTimestamp", "deletionGracePeriodSeconds", "generation"];
    if part == Part::Status && resource == Resource::Pods {
        // Old kubelets corrupted owner references through /status; the API ignores them there.
        server_owned.push("ownerReferences");
    }
    for field in server_owned {
        match current["metadata"].get(field) {
            Some(value) => metadata.insert(field.to_owned(), value.clone()),
            None => metadata.remove(field),
        };
    }
    if resource == Resource::Namespaces && part == Part::Main {
        new["spec"]["finalizers"] = current["spec"]["finalizers"].clone();
    }
    if resource == Resource::PodDisruptionBudgets && part == Part::Main && new["spec"] != current["spec"] {
        new["metadata"]["generation"] = json!(current["metadata"]["generation"].as_i64().unwrap_or(0) + 1);
    }
    new
}

fn check_preconditions(resource: Resource, name: &str, current: &Value, options: &DeleteOptions) -> Result<(), Status> {
    if let Some(expected) = options.resource_version
        && store::object_resource_version(current) != Some(expected)
    {
        return Err(Status::conflict_precondition(
            &resource.qualified(),
            name,
            "ResourceVersion",
            &expected.to_string(),
            current["metadata"]["resourceVersion"].as_str().unwrap_or_default(),
        ));
    }
    if let Some(expected) = &options.uid
        && current["metadata"]["uid"].as_str() != Some(expected)
    {
        return Err(Status::conflict_precondition(
            &resource.qualified(),
            name,
            "UID",
            expected,
            current["metadata"]["uid"].as_str().unwrap_or_default(),
        ));
    }
    Ok(())
}

/// The pod strategy's grace period: the caller's, else the pod's own; none for
/// a pod no node runs or one that has already finished.
fn pod_grace_period(pod: &Value, options: &DeleteOptions) -> i64 {
    let asked =
        options.grace_period_seconds.or_else(|| pod["spec"]["terminationGracePeriodSeconds"].as_i64()).unwrap_or(0);
    let unscheduled = pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty);
    let finished = matches!(pod["status"]["phase"].as_str(), Some("Succeeded" | "Failed"));
    match asked {
        _ if unscheduled || finished => 0,
        negative if negative < 0 => 1,
        period => period,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::objects;

    fn registry() -> Registry {
        let store = Arc::new(Store::new(100));
        store.create(Resource::Namespaces, objects::namespace("demo"), Write::Commit).unwrap();
        Registry::new(store)
    }

    fn running_pod(registry: &Registry, suffix: u64, node: &str) -> String {
        let pod = objects::pod("demo", "web", suffix, node, &objects::timestamp_now());
        let name = store::object_name(&pod).unwrap();
        registry.store().create(Resource::Pods, pod, Write::Commit).unwrap();
        name
    }

    #[test]
    fn a_write_to_the_object_keeps_its_status_and_one_to_status_keeps_its_spec() {
        let registry = registry();
        let node = objects::node("n1", 1, false, &objects::timestamp_now());
        registry.create(Resource::Nodes, None, node, Write::Commit).unwrap();
        let mut edited = (*registry.store().get(Resource::Nodes, "n1").unwrap()).clone();
        edited["spec"]["unschedulable"] = json!(true);
        edited["status"]["conditions"] = json!([]);
        let updated = registry.update(Resource::Nodes, "n1", Part::Main, edited.clone(), Write::Commit).unwrap();
        assert_eq!(updated["spec"]["unschedulable"], true);
        assert_eq!(updated["status"]["conditions"].as_array().unwrap().len(), 5);

        edited["metadata"]["resourceVersion"] = updated["metadata"]["resourceVersion"].clone();
        edited["spec"]["unschedulable"] = json!(false);
        let updated = registry.update(Resource::Nodes, "n1", Part::Status, edited, Write::Commit).unwrap();
        assert_eq!(updated["spec"]["unschedulable"], true);
        assert_eq!(updated["status"]["conditions"], json!([]));
    }

    #[test]
    fn created_pods_are_pending_with_defaults_whatever_status_they_carry() {
        let registry = registry();
        let pod = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p"},
                         "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                         "status": {"phase": "Running"}});
        let created = registry.create(Resource::Pods, Some("demo"), pod, Write::Commit).unwrap();
        assert_eq!(created["status"], json!({"phase": "Pending", "qosClass": "BestEffort"}));
        assert_eq!(created["spec"]["terminationGracePeriodSeconds"], 30);
        assert_eq!(created["metadata"]["namespace"], "demo");
    }

    #[test]
    fn deleting_a_bound_pod_marks_it_and_a_zero_grace_period_removes_it() {
        let registry = registry();
        let name = running_pod(&registry, 1, "n1");
        let key = store::key(Some("demo"), &name);
        let Deleted::Terminating(pod) = registry.delete(Resource::Pods, &key, &DeleteOptions::default()).unwrap()
        else {
            panic!("a bound pod is deleted gracefully");
        };
        assert_eq!(pod["metadata"]["deletionGracePeriodSeconds"], 30);
        assert!(pod["metadata"]["deletionTimestamp"].is_string());
        let shorter = DeleteOptions { grace_period_seconds: Some(5), ..DeleteOptions::default() };
        let Deleted::Terminating(pod) = registry.delete(Resource::Pods, &key, &shorter).unwrap() else { panic!() };
        assert_eq!(pod["metadata"]["deletionGracePeriodSeconds"], 5);
        assert!(matches!(registry.delete(Resource::Pods, &key, &DeleteOptions::force()).unwrap(), Deleted::Gone(_)));
        assert!(registry.store().get(Resource::Pods, &key).is_none());
    }

    #[test]
    fn an_unscheduled_pod_goes_at_once() {
        let registry = registry();
        let name = running_pod(&registry, 2, "");
        let key = store::key(Some("demo"), &name);
        assert!(matches!(registry.delete(Resource::Pods, &key, &DeleteOptions::default()).unwrap(), Deleted::Gone(_)));
    }

    #[test]
    fn eviction_spends_the_budget_and_then_is_refused() {
        let registry = registry();
        let names: Vec<String> = (1..=3).map(|suffix| running_pod(&registry, suffix, "n1")).collect();
        let budget = objects::disruption_budget("web", "demo", json!({"matchLabels": {"app": "web"}}), 2);
        registry.create(Resource::PodDisruptionBudgets, Some("demo"), budget, Write::Commit).unwrap();
        let eviction = |name: &str| json!({"metadata": {"name": name}});
        registry.evict("demo", &names[0], &eviction(&names[0]), Write::Commit).unwrap();
        let refused = registry.evict("demo", &names[1], &eviction(&names[1]), Write::Commit).unwrap_err();
        assert_eq!((refused.code, refused.reason), (429, "TooManyRequests"));
        assert_eq!(
            refused.details.unwrap()["causes"][0]["message"],
            "The disruption budget web needs 2 healthy pods and has 2 currently"
        );
        let budget = registry.store().get(Resource::PodDisruptionBudgets, "demo/web").unwrap();
        assert!(budget["status"]["disruptedPods"][&names[0]].is_string());
    }
}
