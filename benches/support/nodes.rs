//! The realistic nodes the benches are measured on.

use k8s_openapi::api::core::v1::Node;
use nodecast::sim::objects;
use serde_json::{Value, json};

/// Node `index` of a bench cluster, as the simulator's store would serve it
/// (uid, creation time and resourceVersion set).
pub fn node_value(index: usize, now: &str) -> Value {
    let mut node = objects::node(&format!("node-{index:05}"), index as u64, index < 3, now);
    let metadata = &mut node["metadata"];
    metadata["uid"] = json!(format!("00000000-0000-4000-8000-{index:012x}"));
    metadata["creationTimestamp"] = json!(now);
    metadata["resourceVersion"] = json!(index.to_string());
    node
}

/// The typed node, `managedFields` stripped as the source stage does.
pub fn typed(value: Value) -> Node {
    let mut node: Node = serde_json::from_value(value).expect("sim::objects builds valid nodes");
    node.metadata.managed_fields = None;
    node
}
