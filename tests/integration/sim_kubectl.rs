//! The real `kubectl` binary against the simulator: what an operator types
//! must work as it does against a cluster.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nodecast::sim::{Resource, Simulator};
use serde_json::Value;

use crate::support::quiet;

/// kubectl pointed at `sim`, with a discovery cache of its own.
struct Kubectl {
    dir: tempfile::TempDir,
}

impl Kubectl {
    fn new(sim: &Simulator) -> Self {
        let dir = tempfile::tempdir().unwrap();
        sim.write_kubeconfig(&dir.path().join("kubeconfig")).unwrap();
        Self { dir }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("kubectl");
        command
            .arg("--kubeconfig")
            .arg(self.dir.path().join("kubeconfig"))
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env("HOME", self.dir.path());
        command
    }

    /// Runs kubectl off the async runtime's threads, which must keep serving it.
    async fn run(&self, args: &[&str]) -> String {
        let mut command = self.command(args);
        let output: Output =
            tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("kubectl runs");
        let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "kubectl {args:?} failed:\n{stdout}\n{stderr}");
        stdout.into_owned()
    }
}

fn node(sim: &Simulator, name: &str) -> Value {
    (*sim.store().get(Resource::Nodes, name).unwrap()).clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_nodes_lists_every_node() {
    let sim = Simulator::start(quiet(200)).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    let output = kubectl.run(&["get", "nodes", "--no-headers"]).await;
    assert_eq!(output.lines().count(), 200);
    assert!(output.lines().all(|line| line.contains(" Ready ")), "{output}");
    let wide = kubectl.run(&["get", "nodes", "-o", "wide"]).await;
    assert!(wide.starts_with("NAME") && wide.contains("INTERNAL-IP") && wide.contains("containerd://"), "{wide}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cordon_label_taint_and_uncordon_change_the_node() {
    let sim = Simulator::start(quiet(5)).await.unwrap();
    let kubectl = Kubectl::new(&sim);

    kubectl.run(&["cordon", "node-0004"]).await;
    assert_eq!(node(&sim, "node-0004")["spec"]["unschedulable"], true);
    assert!(kubectl.run(&["get", "node", "node-0004"]).await.contains("Ready,SchedulingDisabled"));

    kubectl.run(&["label", "node", "node-0004", "team=storage"]).await;
    assert_eq!(node(&sim, "node-0004")["metadata"]["labels"]["team"], "storage");
    kubectl.run(&["label", "node", "node-0004", "team-"]).await;
    assert!(node(&sim, "node-0004")["metadata"]["labels"].get("team").is_none());

    kubectl.run(&["taint", "node", "node-0004", "dedicated=db:NoExecute"]).await;
    let taints = node(&sim, "node-0004")["spec"]["taints"].clone();
    assert!(
        taints
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["key"] == "dedicated" && t["value"] == "db" && t["effect"] == "NoExecute"),
        "{taints}"
    );
    kubectl.run(&["taint", "node", "node-0004", "dedicated=db:NoExecute-"]).await;
    assert!(!node(&sim, "node-0004")["spec"]["taints"].to_string().contains("dedicated"));

    kubectl.run(&["uncordon", "node-0004"]).await;
    assert!(node(&sim, "node-0004")["spec"].get("unschedulable").is_none());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_nodes_watch_shows_each_change_as_it_happens() {
    let sim = Simulator::start(quiet(5)).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    let mut watch = kubectl.command(&["get", "nodes", "-w", "--no-headers"]).stdout(Stdio::piped()).spawn().unwrap();
    let stdout = watch.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            seen.push(line);
            let changed =
                seen.iter().filter(|l| l.starts_with("node-0003") && l.contains("SchedulingDisabled")).count();
            if changed > 0 && seen.len() >= 6 || Instant::now() > deadline {
                break;
            }
        }
        seen
    });
    // The initial list (five lines) comes first; then the cordon must appear.
    tokio::time::sleep(Duration::from_secs(2)).await;
    kubectl.run(&["cordon", "node-0003"]).await;
    let seen = tokio::task::spawn_blocking(move || lines.join().unwrap()).await.unwrap();
    watch.kill().unwrap();
    let _ = watch.wait();
    assert_eq!(seen.iter().take(5).filter(|line| line.contains(" Ready ")).count(), 5, "{seen:?}");
    assert!(
        seen[5..].iter().any(|line| line.starts_with("node-0003") && line.contains("Ready,SchedulingDisabled")),
        "{seen:?}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_by_node_and_drain_through_evictions() {
    let sim = Simulator::start(quiet(6)).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    let (_, pods) = sim.store().list(Resource::Pods);
    let target = pods
        .values()
        .filter_map(|pod| pod["spec"]["nodeName"].as_str())
        .find(|n| *n != "node-0001")
        .unwrap()
        .to_owned();
    let expected: Vec<String> = pods
        .values()
        .filter(|pod| pod["spec"]["nodeName"] == target.as_str())
        .map(|pod| pod["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();

    let selector = format!("spec.nodeName={target}");
    let listed = kubectl.run(&["get", "pods", "-A", "--no-headers", "--field-selector", &selector]).await;
    let mut names: Vec<String> =
        listed.lines().map(|line| line.split_whitespace().nth(1).unwrap().to_owned()).collect();
    names.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(names, expected_sorted);

    let drained = kubectl.run(&["drain", &target, "--force", "--ignore-daemonsets", "--timeout=60s"]).await;
    assert!(drained.contains("drained"), "{drained}");
    for name in &expected {
        assert!(drained.contains(&format!("pod/{name} evicted")), "{drained}");
    }
    assert_eq!(node(&sim, &target)["spec"]["unschedulable"], true);
    let (_, pods) = sim.store().list(Resource::Pods);
    assert!(pods.values().all(|pod| pod["spec"]["nodeName"] != target.as_str()), "every pod left the drained node");
    sim.shutdown().await;
}
