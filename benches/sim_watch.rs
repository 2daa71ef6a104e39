//! How many watch events per second the simulator delivers to one kube-rs
//! watcher while its churn generator runs flat out (heartbeats included).
//! The floor is 20,000 events/s in a release build, so that the simulator is
//! never the bottleneck of nodecast's own load tests. On realistic 10 KB nodes
//! it is not met (about 8,800/s here): every write clones the object's
//! `serde_json::Value` tree, about 60 KiB spread over hundreds of allocations,
//! and with a thousand such nodes that clone runs from main memory, not cache.
//!
//! `cargo bench --bench sim_watch`; criterion reports the rate as elem/s.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Node;
use kube::api::Api;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::watcher;
use nodecast::sim::{Config, Simulator};

fn watch_events(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let config = Config {
        nodes: 1000,
        // More than one thread can make: the generator runs as fast as it can.
        churn: 200_000.0,
        heartbeat_secs: 1.0,
        pods_per_node: 1,
        ..Config::default()
    };
    let sim = runtime.block_on(Simulator::start(config)).unwrap();
    let mut events = runtime.block_on(async {
        let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig()).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap();
        let nodes: Api<Node> = Api::all(kube::Client::try_from(config).unwrap());
        let mut events = watcher(nodes, watcher::Config::default()).boxed();
        while !matches!(events.next().await, Some(Ok(watcher::Event::InitDone))) {}
        events
    });

    let mut group = c.benchmark_group("sim_watch");
    group
        .throughput(Throughput::Elements(1))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(8))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("events_to_one_kube_watcher", |b| {
        b.iter_custom(|count| {
            runtime.block_on(async {
                let started = Instant::now();
                let mut received = 0;
                while received < count {
                    match events.next().await {
                        Some(Ok(watcher::Event::Apply(_) | watcher::Event::Delete(_))) => received += 1,
                        Some(Ok(_)) => {}
                        Some(Err(error)) => panic!("the watcher failed: {error}"),
                        None => panic!("the watch stream ended"),
                    }
                }
                started.elapsed()
            })
        })
    });
    group.finish();
    runtime.block_on(sim.shutdown());
}

criterion_group!(benches, watch_events);
criterion_main!(benches);
