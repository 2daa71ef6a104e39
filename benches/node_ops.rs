//! What a batch node operation costs end to end: `POST /api/v1/nodes/batch-cordon`
//! of 500 nodes, then `batch-uncordon` of the same, through the full routes
//! (`poem::test::TestClient`, no socket) to an embedded simulator over HTTP,
//! as a real cluster would be reached. Before timing, once, the bench prints
//! the Kubernetes writes per node, read off the simulator's resourceVersion,
//! which moves once per write: one PATCH per node is expected, and no reads.
//!
//! `cargo bench --bench node_ops`; criterion reports the time of one batch
//! (cordon or uncordon, alternating) and nodes per second as elem/s.

#[path = "support/embedded.rs"]
mod embedded;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nodecast::server;
use poem::test::TestClient;
use serde_json::{Value, json};

const NODES: u32 = 500;

fn batch_cordon(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = embedded::quiet_server(&runtime, NODES);
    let app = server.app().clone();
    let store = server.simulator().expect("the embedded simulator runs").store().clone();
    let client = TestClient::new(server::routes(app.clone(), Default::default()));
    let names: Vec<String> = (1..=NODES).map(|index| format!("node-{index:04}")).collect();
    let run = |operation: &'static str| {
        let body = json!({"cluster_name": "demo", "node_names": names, "reason": "bench"});
        let request = client.post(format!("/api/v1/nodes/{operation}")).body_json(&body);
        async move {
            let response = request.send().await;
            response.assert_status_is_ok();
            let result: Value = response.json().await.value().deserialize();
            let failed = result["results"].as_array().unwrap().iter().filter(|r| r["ok"] != true).count();
            assert_eq!(failed, 0, "{result}");
        }
    };

    let before = store.resource_version();
    runtime.block_on(run("batch-cordon"));
    let writes = store.resource_version() - before;
    println!(
        "node_ops: {:.2} Kubernetes writes per node for a batch cordon of {NODES}",
        writes as f64 / f64::from(NODES)
    );
    runtime.block_on(run("batch-uncordon"));

    let mut group = c.benchmark_group("node_ops");
    group.throughput(Throughput::Elements(u64::from(NODES))).sample_size(10);
    let mut cordon = true;
    group.bench_function("batch_cordon_500", |b| {
        b.to_async(&runtime).iter(|| {
            cordon = !cordon;
            run(if cordon { "batch-uncordon" } else { "batch-cordon" })
        })
    });
    group.finish();
    runtime.block_on(app.shutdown());
}

criterion_group!(benches, batch_cordon);
criterion_main!(benches);
