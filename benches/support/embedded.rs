//! nodecast on its embedded simulator, for the benches that go through the routes.

use std::time::{Duration, Instant};

use nodecast::server::Server;
use nodecast::{Config, sim};

/// The server on a simulated cluster of `nodes` with no churn, heartbeats or
/// pods, once it has listed them all.
pub fn quiet_server(runtime: &tokio::runtime::Runtime, nodes: u32) -> Server {
    let config = Config {
        sim: sim::Config { nodes, churn: 0.0, heartbeat_secs: 0.0, pods_per_node: 0, ..Default::default() },
        ..Config::default()
    };
    runtime.block_on(async {
        let server = Server::start(config, None).await.expect("the app starts on the embedded simulator");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !server.app().ready() {
            assert!(Instant::now() < deadline, "the first list of {nodes} nodes took over 60 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    })
}
