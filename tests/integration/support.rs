//! What the tests share: a quiet simulator, a kube-rs client for it, and
//! helpers to read the API's error `Status`.

use kube::config::{KubeConfigOptions, Kubeconfig};
use nodecast::sim::{Config, Simulator};

/// A simulator with no churn and no heartbeats, so that tests decide every change.
pub fn quiet(nodes: u32) -> Config {
    Config { nodes, churn: 0.0, heartbeat_secs: 0.0, pods_per_node: 3, ..Config::default() }
}

/// A kube-rs client reaching `sim` through the kubeconfig it writes. Its
/// automatic retries are off: tests must see a 429 as the API answered it, not
/// wait out fifteen backed-off retries.
pub async fn client(sim: &Simulator) -> kube::Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig()).expect("the simulator's kubeconfig parses");
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("the simulator's kubeconfig is usable");
    config.default_retry = false;
    kube::Client::try_from(config).expect("a client builds")
}

/// The API `Status` of a failed call: (code, reason).
pub fn status<T: std::fmt::Debug>(result: kube::Result<T>) -> (u16, String) {
    match result {
        Err(kube::Error::Api(status)) => (status.code, status.reason.clone()),
        other => panic!("expected an API error Status, got {other:?}"),
    }
}
