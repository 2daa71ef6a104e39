//! The real `kubectl` binary against the simulator: what an operator types
//! must work as it does against a cluster.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nodecast::sim::{Resource, Simulator};
use serde_json::Value;

use crate::support::quiet;

/// kubectl pointed at `sim`, with a discovery cache of its own.
pub(crate) struct Kubectl {
    dir: tempfile::TempDir,
}

impl Kubectl {
    pub(crate) fn new(sim: &Simulator) -> Self {
        let dir = tempfile::tempdir().unwrap();
        sim.write_kubeconfig(&dir.path().join("kubeconfig")).unwrap();
        Self { dir }
    }

    /// Writes `content` to a file kubectl can read (`-f`; with `--validate=false`,
    /// since the simulator serves no OpenAPI schema for client-side validation).
    pub(crate) fn file(&self, name: &str, content: &Value) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content.to_string()).unwrap();
        path.to_string_lossy().into_owned()
    }

    /// Runs kubectl, successful or not: (exit success, stdout, stderr).
    async fn try_run(&self, args: &[&str]) -> (bool, String, String) {
        let mut command = self.command(args);
        let output: Output =
            tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("kubectl runs");
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        (output.status.success(), text(&output.stdout), text(&output.stderr))
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
    pub(crate) async fn run(&self, args: &[&str]) -> String {
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
    sim.shutdown().await;
}

fn columns(line: &str) -> Vec<&str> {
    line.split("  ").map(str::trim).filter(|cell| !cell.is_empty()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_nodes_wide_shows_the_columns_and_statuses_of_a_real_cluster() {
    let sim = Simulator::start(quiet(4)).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    kubectl.run(&["cordon", "node-0003"]).await;
    let not_ready = r#"{"status":{"conditions":[{"type":"Ready","status":"False","reason":"KubeletNotReady"}]}}"#;
    kubectl.run(&["patch", "node", "node-0002", "--subresource=status", "--type=strategic", "-p", not_ready]).await;
    let bare = kubectl
        .file("bare.json", &serde_json::json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "bare"}}));
    kubectl.run(&["create", "--validate=false", "-f", &bare]).await;

    let wide = kubectl.run(&["get", "nodes", "-o", "wide"]).await;
    let lines: Vec<&str> = wide.lines().collect();
    assert_eq!(
        columns(lines[0]),
        [
            "NAME",
            "STATUS",
            "ROLES",
            "AGE",
            "VERSION",
            "INTERNAL-IP",
            "EXTERNAL-IP",
            "OS-IMAGE",
            "KERNEL-VERSION",
            "CONTAINER-RUNTIME"
        ]
    );
    let row = |name: &str| columns(lines.iter().find(|line| line.starts_with(name)).unwrap()).to_vec();
    let stored = node(&sim, "node-0001");
    let internal_ip = stored["status"]["addresses"][0]["address"].as_str().unwrap();
    let first = row("node-0001");
    assert_eq!(first[..3], ["node-0001", "Ready", "control-plane"]);
    assert_eq!(
        first[4..],
        [
            "v1.33.1",
            internal_ip,
            "<none>",
            "Debian GNU/Linux 12 (bookworm)",
            "6.1.0-28-cloud-amd64",
            "containerd://1.7.24"
        ]
    );
    assert_eq!(row("node-0002")[1], "NotReady");
    assert_eq!(row("node-0003")[1], "Ready,SchedulingDisabled");
    let bare = row("bare");
    assert_eq!(bare[..3], ["bare", "Unknown", "<none>"]);
    assert_eq!(bare[bare.len() - 5..], ["<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_pods_wide_counts_containers_and_shows_pending_and_terminating_pods() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    let bare = kubectl
        .file("bare.json", &serde_json::json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "bare"}}));
    kubectl.run(&["create", "--validate=false", "-f", &bare]).await;
    let two = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "two", "namespace": "demo"},
        "spec": {"nodeName": "bare", "containers": [{"name": "a", "image": "busybox"}, {"name": "b", "image": "busybox"}]}});
    kubectl.run(&["create", "--validate=false", "-f", &kubectl.file("two.json", &two)]).await;
    kubectl.run(&["run", "waiting", "--image=busybox", "-n", "demo"]).await;

    let wide = kubectl.run(&["get", "pods", "-n", "demo", "-o", "wide"]).await;
    let lines: Vec<&str> = wide.lines().collect();
    assert_eq!(
        columns(lines[0]),
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    );
    let row = |output: &str, name: &str| {
        columns(output.lines().find(|line| line.starts_with(name)).unwrap())
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
    };
    let two = row(&wide, "two ");
    assert_eq!([&two[1], &two[2], &two[3]], ["0/2", "Pending", "0"]);
    assert_eq!(two[5..], ["<none>", "bare", "<none>", "<none>"]);
    let waiting = row(&wide, "waiting");
    assert_eq!(waiting[5..], ["<none>", "<none>", "<none>", "<none>"]);

    // `two` sits on a node no kubelet runs: deleting it leaves it Terminating until forced.
    kubectl.run(&["delete", "pod", "two", "-n", "demo", "--wait=false"]).await;
    assert_eq!(row(&kubectl.run(&["get", "pods", "-n", "demo"]).await, "two ")[2], "Terminating");
    kubectl.run(&["delete", "pod", "two", "-n", "demo", "--grace-period=0", "--force"]).await;
    let (found, _, stderr) = kubectl.try_run(&["get", "pod", "two", "-n", "demo"]).await;
    assert!(!found && stderr.contains("pods \"two\" not found"), "{stderr}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_waits_for_a_budget_created_with_kubectl_and_finishes_once_it_allows() {
    let sim = Simulator::start(nodecast::sim::Config { pods_per_node: 0, ..quiet(4) }).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    let run_db = |name: &'static str, node: &'static str| {
        let overrides = format!(r#"{{"spec":{{"nodeName":"{node}"}}}}"#);
        let kubectl = &kubectl;
        async move {
            kubectl
                .run(&["run", name, "--image=busybox", "-l", "app=db", "-n", "demo", "--overrides", &overrides])
                .await
        }
    };
    run_db("db-0", "node-0002").await;
    run_db("db-1", "node-0003").await;
    kubectl.run(&["create", "pdb", "db", "--selector=app=db", "--min-available=2", "-n", "demo"]).await;
    crate::support::eventually("both pods running and counted", || async {
        let budget = sim.store().get(Resource::PodDisruptionBudgets, "demo/db")?;
        (budget["status"]["currentHealthy"] == 2).then_some(())
    })
    .await;
    let budget = kubectl.run(&["get", "pdb", "db", "-n", "demo", "--no-headers"]).await;
    assert_eq!(budget.split_whitespace().take(4).collect::<Vec<_>>(), ["db", "2", "N/A", "0"]);

    let mut drain = kubectl
        .command(&["drain", "node-0002", "--ignore-daemonsets", "--force", "--timeout=60s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = drain.stderr.take().unwrap();
    let refusals = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let refused = line.contains("Cannot evict pod as it would violate the pod's disruption budget.");
            lines.push(line);
            if refused {
                break;
            }
        }
        lines
    });
    let refusals = tokio::task::spawn_blocking(move || refusals.join().unwrap()).await.unwrap();
    assert!(
        refusals.last().unwrap().contains(r#"error when evicting pods/"db-0" -n "demo" (will retry after 5s)"#),
        "{refusals:?}"
    );
    assert!(sim.store().get(Resource::Pods, "demo/db-0").is_some(), "the budget keeps the pod");

    // A third replica elsewhere lets the budget spare one.
    run_db("db-2", "node-0004").await;
    let output = tokio::task::spawn_blocking(move || drain.wait_with_output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("pod/db-0 evicted") && stdout.contains("node/node-0002 drained"), "{stdout}");
    assert!(sim.store().get(Resource::Pods, "demo/db-0").is_none(), "drain waited for the pod to be gone");
    sim.shutdown().await;
}

/// kubectl (client-go) sends bearer tokens only over TLS and the simulator
/// serves plain HTTP, so kubectl always comes as `system:anonymous`: open when
/// no token is configured, refused as a cluster refuses anonymous users when one is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_can_i_and_whoami_answer_as_a_cluster_does_for_kubectls_anonymous_user() {
    let open = Simulator::start(quiet(2)).await.unwrap();
    let kubectl = Kubectl::new(&open);
    let (allowed, stdout, _) = kubectl.try_run(&["auth", "can-i", "patch", "nodes"]).await;
    assert_eq!((allowed, stdout.trim()), (true, "yes"));
    let rules = kubectl.run(&["auth", "can-i", "--list"]).await;
    assert!(rules.lines().nth(1).is_some_and(|line| columns(line) == ["*.*", "[]", "[]", "[*]"]), "{rules}");
    let whoami = kubectl.run(&["auth", "whoami"]).await;
    assert!(whoami.contains("system:anonymous") && whoami.contains("system:unauthenticated"), "{whoami}");
    open.shutdown().await;

    let config = nodecast::sim::Config { token: Some("admin-token".into()), ..quiet(2) };
    let guarded = Simulator::start(config).await.unwrap();
    let kubectl = Kubectl::new(&guarded);
    let (allowed, _, stderr) = kubectl.try_run(&["auth", "can-i", "list", "nodes"]).await;
    assert!(!allowed);
    assert!(
        stderr.contains(
            r#"selfsubjectaccessreviews.authorization.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope"#
        ),
        "{stderr}"
    );
    let (listed, _, stderr) = kubectl.try_run(&["get", "--raw", "/api/v1/nodes"]).await;
    assert!(!listed);
    assert!(
        stderr.contains(r#"nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope"#),
        "{stderr}"
    );
    assert!(kubectl.run(&["get", "--raw", "/version"]).await.contains("v1.33.1"), "the version stays public");
    guarded.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_raw_reads_status_subresources_pages_and_leases() {
    let config = nodecast::sim::Config {
        heartbeat_style: nodecast::sim::HeartbeatStyle::Lease,
        heartbeat_secs: 0.5,
        ..quiet(5)
    };
    let sim = Simulator::start(config).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    let status: Value =
        serde_json::from_str(&kubectl.run(&["get", "--raw", "/api/v1/nodes/node-0002/status"]).await).unwrap();
    assert_eq!(status["kind"], "Node");
    assert_eq!(status["status"]["conditions"].as_array().unwrap().len(), 5);
    let page: Value = serde_json::from_str(&kubectl.run(&["get", "--raw", "/api/v1/nodes?limit=2"]).await).unwrap();
    assert_eq!(page["metadata"]["remainingItemCount"], 3);
    let leases = kubectl.run(&["get", "leases", "-n", "kube-node-lease", "--no-headers"]).await;
    assert_eq!(leases.lines().count(), 5);
    assert!(
        leases.lines().all(|line| {
            let cells = columns(line);
            cells[0] == cells[1]
        }),
        "each lease is held by its node: {leases}"
    );
    let (created, _, stderr) = kubectl.try_run(&["create", "namespace", "Not_Valid"]).await;
    assert!(
        !created
            && stderr.contains(r#"The Namespace "Not_Valid" is invalid: metadata.name: Invalid value: "Not_Valid""#),
        "{stderr}"
    );
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
async fn server_dry_runs_answer_as_the_write_would_and_change_nothing() {
    let sim = Simulator::start(quiet(4)).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    let version = sim.store().resource_version();
    let before = node(&sim, "node-0002");

    let cordoned = kubectl.run(&["cordon", "node-0002", "--dry-run=server"]).await;
    assert!(cordoned.contains("cordoned (server dry run)"), "{cordoned}");
    let labelled = kubectl.run(&["label", "node", "node-0002", "team=db", "--dry-run=server", "-o", "json"]).await;
    let answered: Value = serde_json::from_str(&labelled).unwrap();
    assert_eq!(answered["metadata"]["labels"]["team"], "db", "the answer is the object as it would be stored");
    assert_eq!(answered["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"]);
    kubectl.run(&["create", "namespace", "ghost", "--dry-run=server"]).await;
    let (_, pods) = sim.store().list(Resource::Pods);
    let pod = pods.values().find(|pod| pod["status"]["phase"] == "Running").unwrap();
    let (namespace, name) = (pod["metadata"]["namespace"].as_str().unwrap(), pod["metadata"]["name"].as_str().unwrap());
    kubectl.run(&["delete", "pod", "-n", namespace, name, "--dry-run=server"]).await;
    let drained = kubectl.run(&["drain", "node-0003", "--force", "--ignore-daemonsets", "--dry-run=server"]).await;
    assert!(drained.contains("(server dry run)"), "{drained}");

    assert_eq!(sim.store().resource_version(), version, "no dry run wrote anything");
    assert_eq!(node(&sim, "node-0002"), before);
    assert!(kubectl.run(&["get", "node", "node-0002"]).await.contains(" Ready "));
    assert!(sim.store().get(Resource::Namespaces, "ghost").is_none());
    assert!(sim.store().get(Resource::Pods, &format!("{namespace}/{name}")).is_some());
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_namespace_shows_it_terminating_and_waits_until_its_pods_are_gone() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    kubectl.run(&["create", "namespace", "doomed"]).await;
    kubectl
        .run(&[
            "run",
            "worker",
            "--image=busybox",
            "-n",
            "doomed",
            "--overrides",
            r#"{"spec":{"nodeName":"node-0002"}}"#,
        ])
        .await;
    kubectl.run(&["delete", "namespace", "doomed", "--wait=false"]).await;
    let listed = kubectl.run(&["get", "namespace", "doomed", "--no-headers"]).await;
    assert_eq!(columns(listed.lines().next().unwrap())[..2], ["doomed", "Terminating"]);
    let (created, _, stderr) = kubectl.try_run(&["run", "late", "--image=busybox", "-n", "doomed"]).await;
    assert!(!created && stderr.contains("because it is being terminated"), "{stderr}");
    kubectl.run(&["delete", "namespace", "doomed", "--timeout=30s"]).await;
    let (found, _, stderr) = kubectl.try_run(&["get", "namespace", "doomed"]).await;
    assert!(!found && stderr.contains(r#"namespaces "doomed" not found"#), "{stderr}");
    sim.shutdown().await;
}

/// The seeds' test 4: a batch cordon of three nodes with a reason, one
/// `node_update` with `Schedulable` per node on the WebSocket, and kubectl
/// showing them `SchedulingDisabled`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_cordon_arrives_live_once_per_node_and_kubectl_shows_scheduling_disabled() {
    let sim = Simulator::start(quiet(5)).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    let nodecast = crate::support::Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let url = format!("{}/api/v1/ws/nodes?cluster=c1", nodecast.url.replace("http", "ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    while crate::support::next(&mut socket).await["type"] != "subscribed" {}

    let cordoned = ["node-0002", "node-0003", "node-0004"];
    let body = serde_json::json!({"cluster_name": "c1", "node_names": cordoned, "reason": "seeds test 4"});
    let response = nodecast.post("/api/v1/nodes/batch-cordon").json(&body).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut updated = Vec::new();
    while updated.len() < cordoned.len() {
        let message = crate::support::next(&mut socket).await;
        if message["type"] == "node_update" {
            assert!(message["changes"].as_array().unwrap().contains(&"Schedulable".into()), "{message}");
            assert_eq!(message["data"]["schedulable"], false, "{message}");
            updated.push(message["node_name"].as_str().unwrap().to_owned());
        }
    }
    updated.sort();
    assert_eq!(updated, cordoned, "one update per cordoned node");

    let listed = kubectl.run(&["get", "nodes", "--no-headers"]).await;
    for line in listed.lines() {
        let cells = columns(line);
        let expected = if cordoned.contains(&cells[0]) { "Ready,SchedulingDisabled" } else { "Ready" };
        assert_eq!(cells[1], expected, "{line}");
    }
    nodecast.shutdown().await;
    sim.shutdown().await;
}

/// Every node operation's `dry_run` asks the API server to check the change
/// and keep nothing: the answers are per node as usual, kubectl shows no change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_operations_in_dry_run_change_nothing_that_kubectl_sees() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let kubectl = Kubectl::new(&sim);
    let nodecast = crate::support::Nodecast::watching(&[("c1", &sim)], |_| {}).await;
    let before = kubectl.run(&["get", "nodes", "-o", "json"]).await;
    let version = sim.store().resource_version();

    let nodes = ["node-0001", "node-0002", "node-9999"];
    for (path, body) in [
        ("/api/v1/nodes/batch-cordon", serde_json::json!({"reason": "check"})),
        ("/api/v1/nodes/batch-labels", serde_json::json!({"set": {"team": "db"}})),
        ("/api/v1/nodes/batch-taints", serde_json::json!({"add": [{"key": "dedicated", "effect": "NoSchedule"}]})),
    ] {
        let mut body = body;
        body["node_names"] = serde_json::json!(nodes);
        body["dry_run"] = true.into();
        let response = nodecast.post(path).json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let batch: Value = response.json().await.unwrap();
        assert_eq!(batch["dry_run"], true);
        let ok: Vec<bool> = batch["results"].as_array().unwrap().iter().map(|r| r["ok"].as_bool().unwrap()).collect();
        assert_eq!(ok, [true, true, false], "{path}: a dry run still finds what would fail: {batch}");
        assert_eq!(batch["results"][2]["code"], "not_found");
    }
    let single = nodecast.post("/api/v1/nodes/c1/node-0003/cordon?dry_run=true").send().await.unwrap();
    assert_eq!(single.status().as_u16(), 200);

    assert_eq!(sim.store().resource_version(), version, "the simulator stored nothing");
    let after = kubectl.run(&["get", "nodes", "-o", "json"]).await;
    let items = |json: &str| serde_json::from_str::<Value>(json).unwrap()["items"].clone();
    assert_eq!(items(&after), items(&before));
    assert!(!kubectl.run(&["get", "nodes"]).await.contains("SchedulingDisabled"));
    nodecast.shutdown().await;
    sim.shutdown().await;
}
