//! The OpenAPI document is an artifact: the committed copy must be what the code generates.

use std::path::Path;

#[test]
fn committed_openapi_document_matches_the_code() {
    let generated = nodecast::api::spec();
    assert_eq!(generated, nodecast::api::spec(), "generation is deterministic");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/nodecast.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/nodecast.json differs from the generated document; rewrite it with \
         `UPDATE_OPENAPI=1 cargo test --test integration openapi` and review the diff"
    );
}

#[test]
fn the_seeds_paths_are_all_documented() {
    let spec: serde_json::Value = serde_json::from_str(&nodecast::api::spec()).unwrap();
    for path in [
        "/api/v1/nodes",
        "/api/v1/nodes/{cluster}/{node}",
        "/api/v1/nodes/{node}",
        "/api/v1/clusters",
        "/api/v1/clusters/{name}",
        "/api/v1/realtime/status",
        "/api/v1/cache/refresh",
        "/api/cache/stats",
        "/healthz",
        "/readyz",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} is not in the OpenAPI document");
    }
}
