//! The simulator's versioned object store: the part of etcd and the API
//! server's watch cache that nodecast and kubectl can observe.
//!
//! Every write takes the next global `resourceVersion` and appends one event to a
//! bounded history. Watches read that history from any retained version; lists can
//! be served as of any retained version (so `continue` tokens page through one
//! consistent view); anything older than the history answers 410 Expired.

use std::collections::VecDeque;
use std::sync::Arc;

use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;
use imbl::OrdMap;
use serde_json::Value;
use tokio::sync::watch;

use super::status::Status;

/// The kinds of object the simulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    Nodes,
    Pods,
    Namespaces,
    Leases,
    PodDisruptionBudgets,
}

impl Resource {
    pub const ALL: [Resource; 5] =
        [Resource::Nodes, Resource::Pods, Resource::Namespaces, Resource::Leases, Resource::PodDisruptionBudgets];

    pub fn plural(self) -> &'static str {
        match self {
            Resource::Nodes => "nodes",
            Resource::Pods => "pods",
            Resource::Namespaces => "namespaces",
            Resource::Leases => "leases",
            Resource::PodDisruptionBudgets => "poddisruptionbudgets",
        }
    }

    pub fn singular(self) -> &'static str {
        match self {
            Resource::Nodes => "node",
            Resource::Pods => "pod",
            Resource::Namespaces => "namespace",
            Resource::Leases => "lease",
            Resource::PodDisruptionBudgets => "poddisruptionbudget",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Resource::Nodes => "Node",
            Resource::Pods => "Pod",
            Resource::Namespaces => "Namespace",
            Resource::Leases => "Lease",
            Resource::PodDisruptionBudgets => "PodDisruptionBudget",
        }
    }

    /// The API group ("" is the core group).
    pub fn group(self) -> &'static str {
        match self {
            Resource::Nodes | Resource::Pods | Resource::Namespaces => "",
            Resource::Leases => "coordination.k8s.io",
            Resource::PodDisruptionBudgets => "policy",
        }
    }

    /// `apiVersion` of the resource's objects.
    pub fn api_version(self) -> &'static str {
        match self {
            Resource::Nodes | Resource::Pods | Resource::Namespaces => "v1",
            Resource::Leases => "coordination.k8s.io/v1",
            Resource::PodDisruptionBudgets => "policy/v1",
        }
    }

    /// The resource and group as the API names them in messages (`nodes`, `poddisruptionbudgets.policy`).
    pub fn qualified(self) -> String {
        match self.group() {
            "" => self.plural().to_owned(),
            group => format!("{}.{group}", self.plural()),
        }
    }

    /// The resource served under `group` as `plural`.
    pub fn find(group: &str, plural: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|resource| resource.group() == group && resource.plural() == plural)
    }

    pub fn namespaced(self) -> bool {
        matches!(self, Resource::Pods | Resource::Leases | Resource::PodDisruptionBudgets)
    }

    /// Whether `status` is written only through the `/status` subresource.
    pub fn has_status(self) -> bool {
        self != Resource::Leases
    }

    pub fn short_names(self) -> &'static [&'static str] {
        match self {
            Resource::Nodes => &["no"],
            Resource::Pods => &["po"],
            Resource::Namespaces => &["ns"],
            Resource::Leases => &[],
            Resource::PodDisruptionBudgets => &["pdb"],
        }
    }

    /// The fields kube-apiserver accepts in a `fieldSelector` for this resource.
    pub fn selectable_fields(self) -> &'static [&'static str] {
        match self {
            Resource::Nodes => &["metadata.name", "spec.unschedulable"],
            Resource::Pods => &["metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"],
            Resource::Namespaces => &["metadata.name", "status.phase"],
            Resource::Leases | Resource::PodDisruptionBudgets => &["metadata.name", "metadata.namespace"],
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Objects of one resource, keyed as etcd keys them (`name`, or `namespace/name`),
/// which is also the order in which lists are returned.
pub type Objects = OrdMap<String, Arc<Value>>;

/// The key of an object in its collection.
pub fn key(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(namespace) => format!("{namespace}/{name}"),
        None => name.to_owned(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One committed write, kept as the bytes it was served as: a history of
/// trees would pin a whole version of every object it names, and most
/// watchers only ever copy the line.
#[derive(Debug)]
pub struct Event {
    pub resource_version: u64,
    pub resource: Resource,
    pub kind: EventType,
    pub key: String,
    /// The watch line `{"type":…,"object":…}\n`, serialized once for every watcher.
    pub line: Bytes,
    /// The object's JSON, a slice of `line`.
    object: Bytes,
    /// The JSON of what stood under `key` before this write: a list is rebuilt
    /// as of an older version by undoing the events after it, and a selective
    /// watch tells an object leaving its selection from one changing inside it.
    previous: Option<Bytes>,
}

impl Event {
    /// The object as written.
    pub fn object(&self) -> Value {
        parse_stored(&self.object)
    }

    /// The object as it was before this write, if it existed.
    pub fn previous(&self) -> Option<Value> {
        self.previous.as_deref().map(parse_stored)
    }
}

fn parse_stored(json: &[u8]) -> Value {
    serde_json::from_slice(json).expect("the store parses only JSON it serialized itself")
}

struct Inner {
    resource_version: u64,
    collections: [Objects; Resource::ALL.len()],
    /// Each current object's JSON (a slice of the line that committed it), so
    /// that the next write keeps the version it replaces as bytes.
    serialized: [OrdMap<String, Bytes>; Resource::ALL.len()],
    history: VecDeque<Arc<Event>>,
    /// The newest version whose event has left `history`: a watch or a continue
    /// from an older version can no longer be served.
    compacted: u64,
}

/// Whether a write is kept, or only checked and answered as it would have
/// been (`dryRun=All`): every stage runs but the last, so the answer carries
/// what would have been stored, yet nothing changes and no event is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Write {
    #[default]
    Commit,
    DryRun,
}

/// The store; cheap to share behind an `Arc`, one lock held only for the length
/// of a single read or write (never across an `.await`).
pub struct Store {
    inner: RwLock<Inner>,
    history_len: usize,
    latest: watch::Sender<u64>,
}

impl Store {
    /// An empty store that retains the last `history_len` events.
    pub fn new(history_len: usize) -> Self {
        let (latest, _) = watch::channel(1);
        Self {
            inner: RwLock::new(Inner {
                resource_version: 1,
                collections: Default::default(),
                serialized: Default::default(),
                history: VecDeque::with_capacity(history_len.min(1 << 16)),
                compacted: 1,
            }),
            history_len: history_len.max(1),
            latest,
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read()
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write()
    }

    /// The newest resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.read().resource_version
    }

    /// Wakes whenever the resourceVersion moves.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.latest.subscribe()
    }

    pub fn get(&self, resource: Resource, key: &str) -> Option<Arc<Value>> {
        self.read().collections[resource.index()].get(key).cloned()
    }

    /// The current objects of a resource and the version they are at.
    pub fn list(&self, resource: Resource) -> (u64, Objects) {
        let inner = self.read();
        (inner.resource_version, inner.collections[resource.index()].clone())
    }

    /// The objects of a resource as they stood at `resource_version`, or 410 when
    /// that version has been compacted away.
    pub fn list_at(&self, resource: Resource, resource_version: u64) -> Result<Objects, Status> {
        let inner = self.read();
        if resource_version < inner.compacted {
            return Err(Status::expired(
                "The provided continue parameter is too old to display a consistent list result. \
                 You can start a new list without the continue parameter.",
            ));
        }
        let mut objects = inner.collections[resource.index()].clone();
        for event in inner.history.iter().rev().take_while(|event| event.resource_version > resource_version) {
            if event.resource != resource {
                continue;
            }
            match event.previous() {
                Some(previous) => objects.insert(event.key.clone(), Arc::new(previous)),
                None => objects.remove(&event.key),
            };
        }
        Ok(objects)
    }

    /// Up to `max` events newer than `resource_version`, oldest first, or 410
    /// when some of them have already left the history.
    pub fn events_after(&self, resource_version: u64, max: usize) -> Result<Vec<Arc<Event>>, Status> {
        let inner = self.read();
        if resource_version < inner.compacted {
            return Err(Status::expired(format!(
                "too old resource version: {resource_version} ({})",
                inner.compacted + 1
            )));
        }
        let start = (resource_version - inner.compacted) as usize;
        Ok(inner.history.iter().skip(start).take(max).cloned().collect())
    }

    /// Adds an object; 409 AlreadyExists when its key is taken.
    pub fn create(&self, resource: Resource, mut object: Value, write: Write) -> Result<Arc<Value>, Status> {
        let name = object_name(&object).ok_or_else(|| {
            Status::invalid(resource.kind(), "", "metadata.name", "Required value: name or generateName is required")
        })?;
        let key = key(object_namespace(&object), &name);
        let mut inner = self.write();
        if inner.collections[resource.index()].contains_key(&key) {
            return Err(Status::already_exists(&resource.qualified(), &name));
        }
        let metadata = metadata_mut(&mut object);
        metadata.entry("uid").or_insert_with(|| Value::from(uuid::Uuid::new_v4().to_string()));
        metadata.entry("creationTimestamp").or_insert_with(|| Value::from(super::objects::timestamp_now()));
        if write == Write::DryRun {
            // Only storing gives an object its resourceVersion.
            return Ok(Arc::new(object));
        }
        Ok(self.commit(&mut inner, resource, EventType::Added, key, object))
    }

    /// Replaces an object with what `change` makes of it. `expected` is the
    /// resourceVersion the caller last saw: a different current one is a 409
    /// Conflict. A change that alters nothing commits nothing, as on a real server.
    pub fn update(
        &self,
        resource: Resource,
        key: &str,
        expected: Option<u64>,
        write: Write,
        change: impl FnOnce(Value) -> Result<Value, Status>,
    ) -> Result<Arc<Value>, Status> {
        let mut inner = self.write();
        let name = key.rsplit('/').next().unwrap_or(key);
        let current = inner.collections[resource.index()]
            .get(key)
            .cloned()
            .ok_or_else(|| Status::not_found(&resource.qualified(), name))?;
        if expected.is_some_and(|expected| Some(expected) != object_resource_version(&current)) {
            return Err(Status::conflict(&resource.qualified(), name));
        }
        let mut updated = change((*current).clone())?;
        if object_name(&updated).as_deref() != Some(name) {
            return Err(Status::invalid(resource.kind(), name, "metadata.name", "field is immutable"));
        }
        for immutable in ["uid", "creationTimestamp", "namespace"] {
            let before = current["metadata"].get(immutable).cloned();
            let metadata = metadata_mut(&mut updated);
            match before {
                Some(value) => metadata.insert(immutable.to_owned(), value),
                None => metadata.remove(immutable),
            };
        }
        metadata_mut(&mut updated).insert("resourceVersion".to_owned(), current["metadata"]["resourceVersion"].clone());
        if updated == *current {
            return Ok(current);
        }
        if write == Write::DryRun {
            return Ok(Arc::new(updated));
        }
        Ok(self.commit(&mut inner, resource, EventType::Modified, key.to_owned(), updated))
    }

    /// Removes an object and returns it as it was last seen (with the deletion's version).
    pub fn delete(
        &self,
        resource: Resource,
        key: &str,
        expected: Option<u64>,
        write: Write,
    ) -> Result<Arc<Value>, Status> {
        let mut inner = self.write();
        let name = key.rsplit('/').next().unwrap_or(key);
        let current = inner.collections[resource.index()]
            .get(key)
            .cloned()
            .ok_or_else(|| Status::not_found(&resource.qualified(), name))?;
        if expected.is_some_and(|expected| Some(expected) != object_resource_version(&current)) {
            return Err(Status::conflict(&resource.qualified(), name));
        }
        if write == Write::DryRun {
            return Ok(current);
        }
        Ok(self.commit(&mut inner, resource, EventType::Deleted, key.to_owned(), (*current).clone()))
    }

    fn commit(
        &self,
        inner: &mut Inner,
        resource: Resource,
        kind: EventType,
        key: String,
        mut object: Value,
    ) -> Arc<Value> {
        inner.resource_version += 1;
        let resource_version = inner.resource_version;
        metadata_mut(&mut object).insert("resourceVersion".to_owned(), Value::from(resource_version.to_string()));
        let (line, object_json) = watch_line_and_object(kind.as_str(), &object);
        let object = Arc::new(object);
        let (collection, serialized) =
            (&mut inner.collections[resource.index()], &mut inner.serialized[resource.index()]);
        let previous = match kind {
            EventType::Deleted => {
                collection.remove(&key);
                serialized.remove(&key)
            }
            EventType::Added | EventType::Modified => {
                collection.insert(key.clone(), object.clone());
                serialized.insert(key.clone(), object_json.clone())
            }
        };
        inner.history.push_back(Arc::new(Event {
            resource_version,
            resource,
            kind,
            key,
            line,
            object: object_json,
            previous,
        }));
        while inner.history.len() > self.history_len {
            if let Some(dropped) = inner.history.pop_front() {
                inner.compacted = dropped.resource_version;
            }
        }
        self.latest.send_replace(resource_version);
        object
    }
}

/// One line of a watch stream: `{"type":"…","object":…}` and a newline.
pub fn watch_line(event_type: &str, object: &Value) -> Bytes {
    watch_line_and_object(event_type, object).0
}

/// A watch line and, sharing its buffer, the object's JSON inside it.
fn watch_line_and_object(event_type: &str, object: &Value) -> (Bytes, Bytes) {
    let mut line = Vec::with_capacity(1024);
    line.extend_from_slice(b"{\"type\":\"");
    line.extend_from_slice(event_type.as_bytes());
    line.extend_from_slice(b"\",\"object\":");
    let start = line.len();
    serde_json::to_writer(&mut line, object).expect("a JSON value always serializes");
    let end = line.len();
    line.extend_from_slice(b"}\n");
    let line = Bytes::from(line);
    let object = line.slice(start..end);
    (line, object)
}

pub fn object_name(object: &Value) -> Option<String> {
    object["metadata"]["name"].as_str().filter(|name| !name.is_empty()).map(str::to_owned)
}

pub fn object_namespace(object: &Value) -> Option<&str> {
    object["metadata"]["namespace"].as_str()
}

pub fn object_resource_version(object: &Value) -> Option<u64> {
    object["metadata"]["resourceVersion"].as_str()?.parse().ok()
}

fn metadata_mut(object: &mut Value) -> &mut serde_json::Map<String, Value> {
    if !object["metadata"].is_object() {
        object["metadata"] = Value::Object(Default::default());
    }
    object["metadata"].as_object_mut().expect("metadata was just made an object")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    }

    fn set_label(mut node: Value, value: &str) -> Result<Value, Status> {
        node["metadata"]["labels"] = json!({"pool": value});
        Ok(node)
    }

    #[test]
    fn every_write_takes_the_next_resource_version() {
        let store = Store::new(10);
        let a = store.create(Resource::Nodes, node("a"), Write::Commit).unwrap();
        let b = store.create(Resource::Nodes, node("b"), Write::Commit).unwrap();
        assert_eq!(object_resource_version(&a), Some(2));
        assert_eq!(object_resource_version(&b), Some(3));
        assert_eq!(store.resource_version(), 3);
    }

    #[test]
    fn stale_resource_version_is_a_conflict_and_changes_nothing() {
        let store = Store::new(10);
        store.create(Resource::Nodes, node("a"), Write::Commit).unwrap();
        store.update(Resource::Nodes, "a", Some(2), Write::Commit, |n| set_label(n, "x")).unwrap();
        let err = store.update(Resource::Nodes, "a", Some(2), Write::Commit, |n| set_label(n, "y")).unwrap_err();
        assert_eq!((err.code, err.reason), (409, "Conflict"));
        assert_eq!(store.get(Resource::Nodes, "a").unwrap()["metadata"]["labels"]["pool"], "x");
    }

    #[test]
    fn update_that_changes_nothing_commits_nothing() {
        let store = Store::new(10);
        store.create(Resource::Nodes, node("a"), Write::Commit).unwrap();
        store.update(Resource::Nodes, "a", None, Write::Commit, |n| set_label(n, "x")).unwrap();
        let before = store.resource_version();
        store.update(Resource::Nodes, "a", None, Write::Commit, |n| set_label(n, "x")).unwrap();
        assert_eq!(store.resource_version(), before);
    }

    #[test]
    fn list_at_an_older_version_undoes_later_writes() {
        let store = Store::new(10);
        store.create(Resource::Nodes, node("a"), Write::Commit).unwrap();
        let at = store.resource_version();
        store.create(Resource::Nodes, node("b"), Write::Commit).unwrap();
        store.update(Resource::Nodes, "a", None, Write::Commit, |n| set_label(n, "x")).unwrap();
        store.delete(Resource::Nodes, "a", None, Write::Commit).unwrap();
        let old = store.list_at(Resource::Nodes, at).unwrap();
        assert_eq!(old.keys().collect::<Vec<_>>(), ["a"]);
        assert!(old["a"]["metadata"].get("labels").is_none());
    }

    #[test]
    fn versions_older_than_the_history_are_expired() {
        let store = Store::new(2);
        for name in ["a", "b", "c", "d"] {
            store.create(Resource::Nodes, node(name), Write::Commit).unwrap();
        }
        assert_eq!(store.events_after(2, 10).unwrap_err().code, 410);
        assert_eq!(store.list_at(Resource::Nodes, 2).unwrap_err().code, 410);
        let events = store.events_after(3, 10).unwrap();
        assert_eq!(events.iter().map(|e| e.resource_version).collect::<Vec<_>>(), [4, 5]);
    }
}
