//! The committed OpenAPI document against the real server: every operation is
//! called, on its success and error paths, and each response's status must be
//! one the document lists and its body must match the schema listed for it.
//! Objects are checked closed (no property the document does not name), so a
//! field added to a body without the document fails here.

use std::collections::BTreeSet;

use nodecast::auth::{Role, TokenConfig};
use nodecast::sim::Simulator;
use serde_json::{Value, json};

use crate::support::{Nodecast, quiet};

const OPERATOR: &str = "operator-token-0123456789";
const VIEWER: &str = "viewer-token-0123456789";

/// Method, the path as documented, the path and query called, the token, the
/// body, and the status expected.
type Call<'a> = (&'a str, &'a str, String, Option<&'a str>, Option<Value>, u16);

struct Contract {
    document: Value,
    exercised: BTreeSet<String>,
}

impl Contract {
    fn committed() -> Self {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/nodecast.json");
        let mut document: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        close_objects(&mut document["components"]);
        Self { document, exercised: BTreeSet::new() }
    }

    /// Checks one real response of the operation at `path` (as the document writes it).
    fn check(&mut self, method: &str, path: &str, status: u16, body: &[u8]) {
        let operation = &self.document["paths"][path][method];
        let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} is not documented"));
        let response = &operation["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "{id}: status {status} is not documented; body {}",
            String::from_utf8_lossy(body)
        );
        self.exercised.insert(format!("{id} {status}"));
        let Some(schema) = response["content"]["application/json; charset=utf-8"]["schema"]
            .as_object()
            .or_else(|| response["content"].as_object().and_then(|c| c.values().next()?["schema"].as_object()))
        else {
            assert!(body.is_empty(), "{id} {status}: the document promises no body");
            return;
        };
        let root = json!({"components": self.document["components"], "allOf": [schema]});
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(false)
            .build(&root)
            .unwrap_or_else(|error| panic!("{id}: the document's schema does not compile: {error}"));
        let instance: Value = serde_json::from_slice(body)
            .unwrap_or_else(|_| panic!("{id} {status}: not JSON: {}", String::from_utf8_lossy(body)));
        let errors: Vec<String> =
            validator.iter_errors(&instance).map(|error| format!("{} at {}", error, error.instance_path())).collect();
        assert!(
            errors.is_empty(),
            "{id} {status} does not match its schema:\n{}\nbody: {instance:#}",
            errors.join("\n")
        );
    }
}

/// Every object schema that names its properties allows no others.
fn close_objects(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_matches_the_committed_document() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let tokens = |name: &str, token: &str, role| TokenConfig {
        name: name.into(),
        token: token.into(),
        role,
        clusters: vec!["*".into()],
    };
    let nodecast = Nodecast::watching(&[("c1", &sim)], |config| {
        config.api.auth.enabled = true;
        config.api.auth.tokens = vec![tokens("ops", OPERATOR, Role::Operator), tokens("view", VIEWER, Role::Viewer)];
    })
    .await;
    let mut contract = Contract::committed();
    let kubeconfig = sim.kubeconfig();
    let register = json!({"name": "c2", "kubeconfig": kubeconfig});

    let calls: Vec<Call> = vec![
        ("get", "/api/v1/nodes", "/api/v1/nodes?cluster_name=c1&limit=2".into(), Some(VIEWER), None, 200),
        ("get", "/api/v1/nodes", "/api/v1/nodes?cluster_name=c1&view=full".into(), Some(VIEWER), None, 200),
        ("get", "/api/v1/nodes", "/api/v1/nodes?cluster_name=c1&label_selector=a%20b".into(), Some(VIEWER), None, 400),
        ("get", "/api/v1/nodes", "/api/v1/nodes?cluster_name=nope".into(), Some(VIEWER), None, 404),
        ("get", "/api/v1/nodes", "/api/v1/nodes?cluster_name=c1".into(), None, None, 401),
        ("get", "/api/v1/nodes/{cluster}/{node}", "/api/v1/nodes/c1/node-0001".into(), Some(VIEWER), None, 200),
        (
            "get",
            "/api/v1/nodes/{cluster}/{node}",
            "/api/v1/nodes/c1/node-0001?view=full".into(),
            Some(VIEWER),
            None,
            200,
        ),
        ("get", "/api/v1/nodes/{cluster}/{node}", "/api/v1/nodes/c1/ghost".into(), Some(VIEWER), None, 404),
        ("get", "/api/v1/nodes/{node}", "/api/v1/nodes/node-0002".into(), Some(VIEWER), None, 200),
        ("get", "/api/v1/clusters", "/api/v1/clusters".into(), Some(VIEWER), None, 200),
        ("get", "/api/v1/clusters", "/api/v1/clusters".into(), Some("wrong-token-0123456789"), None, 401),
        ("post", "/api/v1/clusters", "/api/v1/clusters".into(), Some(VIEWER), Some(register.clone()), 403),
        ("post", "/api/v1/clusters", "/api/v1/clusters".into(), Some(OPERATOR), Some(register.clone()), 201),
        ("post", "/api/v1/clusters", "/api/v1/clusters".into(), Some(OPERATOR), Some(register), 409),
        ("post", "/api/v1/clusters", "/api/v1/clusters".into(), Some(OPERATOR), Some(json!({"name": "x"})), 400),
        ("get", "/api/v1/nodes", "/api/v1/nodes".into(), Some(VIEWER), None, 400),
        ("delete", "/api/v1/clusters/{name}", "/api/v1/clusters/c2".into(), Some(OPERATOR), None, 204),
        ("delete", "/api/v1/clusters/{name}", "/api/v1/clusters/c2".into(), Some(OPERATOR), None, 404),
        ("get", "/api/v1/realtime/status", "/api/v1/realtime/status".into(), Some(VIEWER), None, 200),
        ("post", "/api/v1/cache/refresh", "/api/v1/cache/refresh?cluster=c1".into(), Some(OPERATOR), None, 202),
        ("post", "/api/v1/cache/refresh", "/api/v1/cache/refresh?cluster=c1".into(), Some(VIEWER), None, 403),
        ("get", "/api/cache/stats", "/api/cache/stats".into(), Some(VIEWER), None, 200),
        ("get", "/healthz", "/healthz".into(), None, None, 200),
        ("get", "/readyz", "/readyz".into(), None, None, 200),
        ("get", "/api/v1/ws/stats", "/api/v1/ws/stats".into(), Some(VIEWER), None, 200),
        ("get", "/api/v1/ws/ping", "/api/v1/ws/ping".into(), Some(VIEWER), None, 200),
        (
            "post",
            "/api/v1/ws/test",
            "/api/v1/ws/test?cluster=c1".into(),
            Some(OPERATOR),
            Some(json!({"message": "hi"})),
            200,
        ),
        (
            "post",
            "/api/v1/ws/test",
            "/api/v1/ws/test?cluster=nope".into(),
            Some(OPERATOR),
            Some(json!({"message": "hi"})),
            404,
        ),
        (
            "post",
            "/api/v1/nodes/batch-cordon",
            "/api/v1/nodes/batch-cordon".into(),
            Some(OPERATOR),
            Some(json!({"cluster_name": "c1", "node_names": ["node-0002", "ghost"], "reason": "contract"})),
            200,
        ),
        (
            "post",
            "/api/v1/nodes/batch-cordon",
            "/api/v1/nodes/batch-cordon".into(),
            Some(VIEWER),
            Some(json!({"cluster_name": "c1", "node_names": ["node-0002"]})),
            403,
        ),
        (
            "post",
            "/api/v1/nodes/batch-uncordon",
            "/api/v1/nodes/batch-uncordon".into(),
            Some(OPERATOR),
            Some(json!({"cluster_name": "c1", "node_names": []})),
            400,
        ),
        (
            "post",
            "/api/v1/nodes/batch-uncordon",
            "/api/v1/nodes/batch-uncordon".into(),
            Some(OPERATOR),
            Some(json!({"cluster_name": "c1", "node_names": ["node-0002"]})),
            200,
        ),
        (
            "post",
            "/api/v1/nodes/batch-labels",
            "/api/v1/nodes/batch-labels".into(),
            Some(OPERATOR),
            Some(json!({"cluster_name": "c1", "node_names": ["node-0002"], "set": {"tier": "a"}, "remove": ["x"]})),
            200,
        ),
        (
            "post",
            "/api/v1/nodes/batch-labels",
            "/api/v1/nodes/batch-labels".into(),
            Some(OPERATOR),
            Some(json!({"cluster_name": "c1", "node_names": ["node-0002"], "set": {"bad key": "a"}})),
            400,
        ),
        (
            "post",
            "/api/v1/nodes/batch-taints",
            "/api/v1/nodes/batch-taints".into(),
            Some(OPERATOR),
            Some(json!({"cluster_name": "c1", "node_names": ["node-0002"],
                        "add": [{"key": "k", "value": "v", "effect": "NoSchedule"}], "remove": [{"key": "gone"}]})),
            200,
        ),
        (
            "post",
            "/api/v1/nodes/batch-taints",
            "/api/v1/nodes/batch-taints".into(),
            Some(OPERATOR),
            Some(
                json!({"cluster_name": "c1", "node_names": ["node-0002"], "add": [{"key": "k", "effect": "Sometimes"}]}),
            ),
            400,
        ),
        (
            "post",
            "/api/v1/nodes/{cluster}/{node}/cordon",
            "/api/v1/nodes/c1/node-0003/cordon?reason=contract".into(),
            Some(OPERATOR),
            None,
            200,
        ),
        (
            "post",
            "/api/v1/nodes/{cluster}/{node}/cordon",
            "/api/v1/nodes/c1/ghost/cordon".into(),
            Some(OPERATOR),
            None,
            404,
        ),
        (
            "post",
            "/api/v1/nodes/{cluster}/{node}/uncordon",
            "/api/v1/nodes/c1/node-0003/uncordon".into(),
            Some(OPERATOR),
            None,
            200,
        ),
        (
            "get",
            "/api/v1/nodes/{cluster}/{node}/pods",
            "/api/v1/nodes/c1/node-0002/pods?limit=1".into(),
            Some(VIEWER),
            None,
            200,
        ),
        ("get", "/api/v1/nodes/{cluster}/{node}/pods", "/api/v1/nodes/c1/ghost/pods".into(), Some(VIEWER), None, 404),
        ("get", "/api/v1/nodes", "/api/v1/nodes?cluster_name=c1&include=pod_counts".into(), Some(VIEWER), None, 200),
        (
            "get",
            "/api/v1/nodes/{cluster}/{node}",
            "/api/v1/nodes/c1/node-0002?include=pod_counts".into(),
            Some(VIEWER),
            None,
            200,
        ),
        (
            "post",
            "/api/v1/nodes/{cluster}/{node}/labels",
            "/api/v1/nodes/c1/node-0003/labels".into(),
            Some(OPERATOR),
            Some(json!({"set": {"tier": "b"}})),
            200,
        ),
        (
            "post",
            "/api/v1/nodes/{cluster}/{node}/taints",
            "/api/v1/nodes/c1/node-0003/taints".into(),
            Some(OPERATOR),
            Some(json!({"add": [{"key": "k", "effect": "NoExecute"}], "dry_run": true})),
            200,
        ),
        (
            "post",
            "/api/v1/nodes/{cluster}/{node}/taints",
            "/api/v1/nodes/c1/node-0003/taints".into(),
            Some(OPERATOR),
            Some(json!({})),
            400,
        ),
        ("get", "/api/v1/audit", "/api/v1/audit?limit=5".into(), Some(OPERATOR), None, 200),
        ("get", "/api/v1/audit", "/api/v1/audit".into(), Some(VIEWER), None, 403),
        ("get", "/api/v1/plugins", "/api/v1/plugins".into(), Some(OPERATOR), None, 200),
        ("post", "/api/v1/plugins/reload", "/api/v1/plugins/reload".into(), Some(OPERATOR), None, 200),
        ("post", "/api/v1/plugins/reload", "/api/v1/plugins/reload".into(), Some(VIEWER), None, 403),
    ];
    let mut call = async |(method, documented, path, token, body, expected): Call| {
        let url = format!("{}{path}", nodecast.url);
        let mut request = nodecast.http.request(method.to_uppercase().parse().unwrap(), url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        assert_eq!(status, expected, "{method} {path}: {}", String::from_utf8_lossy(&bytes));
        contract.check(method, documented, status, &bytes);
        serde_json::from_slice::<Value>(&bytes).unwrap_or_default()
    };
    for each in calls {
        call(each).await;
    }

    // Drains, in dry run: the operation's id is only known once it has started.
    let dry_drain = json!({"dry_run": true, "force": true, "ignore_daemonsets": true});
    let drain = "/api/v1/nodes/{cluster}/{node}/drain";
    let started =
        call(("post", drain, "/api/v1/nodes/c1/node-0001/drain".into(), Some(OPERATOR), Some(dry_drain.clone()), 202))
            .await;
    let id = started["id"].as_str().unwrap().to_owned();
    call(("post", drain, "/api/v1/nodes/c1/ghost/drain".into(), Some(OPERATOR), Some(json!({})), 404)).await;
    let batch = json!({"cluster_name": "c1", "node_names": ["node-0002"], "concurrency": 2, "options": dry_drain});
    call(("post", "/api/v1/nodes/batch-drain", "/api/v1/nodes/batch-drain".into(), Some(OPERATOR), Some(batch), 202))
        .await;
    let too_many = json!({"cluster_name": "c1", "node_names": ["node-0002"], "concurrency": 0});
    call((
        "post",
        "/api/v1/nodes/batch-drain",
        "/api/v1/nodes/batch-drain".into(),
        Some(OPERATOR),
        Some(too_many),
        400,
    ))
    .await;
    call(("get", "/api/v1/operations", "/api/v1/operations".into(), Some(VIEWER), None, 200)).await;
    let operation = "/api/v1/operations/{id}";
    crate::support::eventually("the dry-run drain finishes", || async {
        let url = format!("{}/api/v1/operations/{id}", nodecast.url);
        let read: Value = nodecast.http.get(url).bearer_auth(VIEWER).send().await.unwrap().json().await.unwrap();
        (read["state"] != "running").then_some(())
    })
    .await;
    call(("get", operation, format!("/api/v1/operations/{id}"), Some(VIEWER), None, 200)).await;
    call(("get", operation, "/api/v1/operations/nope".into(), Some(VIEWER), None, 404)).await;
    call(("delete", operation, format!("/api/v1/operations/{id}"), Some(OPERATOR), None, 409)).await;

    let documented: BTreeSet<String> = contract.document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|operations| operations.as_object().unwrap().values())
        .map(|operation| operation["operationId"].as_str().unwrap().to_owned())
        .collect();
    let called: BTreeSet<String> =
        contract.exercised.iter().map(|checked| checked.split(' ').next().unwrap().to_owned()).collect();
    assert_eq!(called, documented, "every documented operation is called");
    nodecast.shutdown().await;
    sim.shutdown().await;
}
