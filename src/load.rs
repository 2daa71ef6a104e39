//! The load harness (`nodecast load`): the simulator in this process, nodecast
//! as a child process watching it, and M WebSocket clients as tasks here.
//!
//! A writer edits one node label per change at a set rate, stamping each with
//! a write id; every client notes when each change arrives. The report gives
//! propagation latency from the simulator's write to the client's receipt (p50,
//! p99, max), events delivered, gaps (an event whose `prev` is not the last seq
//! the client saw), and the server's resident memory. Everything runs on
//! loopback and stops by itself.
//!
//! A tool of the binary, not of the library: it drives nodecast from outside,
//! through its public API, as an operator's load generator would.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use nodecast::api::PluginInfo;
use nodecast::sim::{self, Resource, Simulator, Write};

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub nodes: u32,
    pub clients: usize,
    /// Changes per second.
    pub rate: f64,
    pub duration: Duration,
    /// Kubelet heartbeats per node, in seconds (they load the pipeline, not the clients).
    pub heartbeat_secs: f64,
    /// The nodecast binary to run as the server.
    pub server: PathBuf,
    /// A TOML file of `[[plugins]]` tables for the server's chain.
    pub plugins: Option<PathBuf>,
}

/// What was measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub nodes: u32,
    pub clients: usize,
    pub rate: f64,
    pub duration_secs: f64,
    pub writes: u64,
    pub expected_deliveries: u64,
    pub delivered: u64,
    pub gaps: u64,
    pub clients_connected: usize,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    pub latency_max_ms: f64,
    pub server_rss_mib: f64,
    pub server_peak_rss_mib: f64,
    /// A server watching a 50-node cluster, at ready.
    pub baseline_rss_mib: f64,
    /// (RSS − baseline) / (nodes − 50), once the first list has been broadcast.
    pub kib_per_node_at_ready: f64,
    /// The same at the end of the run, after its changes and heartbeats.
    pub kib_per_node_after_run: f64,
    /// Before four concurrent `view=full` lists of every node, and the highest
    /// resident memory seen while they were answered.
    pub idle_rss_before_full_lists_mib: f64,
    pub peak_rss_during_full_lists_mib: f64,
    /// The server's chain at the end of the run, as `GET /api/v1/plugins` gives it.
    pub plugins: Vec<PluginInfo>,
}

const WRITE_LABEL: &str = "nodecast.io/load-write";

/// Nodes of the baseline cluster whose server's memory is subtracted from the
/// measured server's, so that the per-node figure leaves out the process's own.
const BASELINE_NODES: u32 = 50;

/// Full-view lists requested at once after the run, to measure the peak they cause.
const CONCURRENT_FULL_LISTS: usize = 4;

/// A nodecast server process watching one simulator as the cluster `load`.
struct ServerProcess {
    child: tokio::process::Child,
    pid: u32,
    base: String,
}

async fn start_server(
    plan: &Plan,
    files: &std::path::Path,
    sim: &Simulator,
    name: &str,
    http: &reqwest::Client,
) -> anyhow::Result<ServerProcess> {
    let kubeconfig = files.join(format!("{name}.kubeconfig"));
    sim.write_kubeconfig(&kubeconfig)?;
    let port = free_port()?;
    let config = files.join(format!("{name}.toml"));
    let plugins = match &plan.plugins {
        Some(file) => std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?,
        None => String::new(),
    };
    std::fs::write(
        &config,
        format!(
            "[log]\nlevel = \"warn\"\n[api]\nlisten = \"127.0.0.1:{port}\"\n[hub]\nmax_connections = {}\n\
             max_messages_per_sec = 1000.0\n[[clusters]]\nname = \"load\"\nkubeconfig = {:?}\n{plugins}",
            plan.clients + 100,
            kubeconfig.display().to_string()
        ),
    )?;
    let child = tokio::process::Command::new(&plan.server)
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .env_remove("RUST_LOG")
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", plan.server.display()))?;
    let pid = child.id().context("the server exited at once")?;
    let base = format!("127.0.0.1:{port}");
    wait_ready(http, &base).await?;
    // The first list's burst of additions is still being filtered and broadcast.
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(ServerProcess { child, pid, base })
}

fn sim_config(plan: &Plan, nodes: u32) -> sim::Config {
    sim::Config {
        nodes,
        churn: 0.0,
        heartbeat_secs: plan.heartbeat_secs,
        pods_per_node: 0,
        history: 500_000,
        ..sim::Config::default()
    }
}

/// Runs the plan and measures it.
pub async fn run(plan: Plan) -> anyhow::Result<Report> {
    let files = tempfile::Builder::new().prefix("nodecast-load-").tempdir()?;
    let http = reqwest::Client::builder()
        // Only loopback is spoken to: a proxy from the environment must not come between.
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()?;
    let baseline_sim = Simulator::start(sim_config(&plan, BASELINE_NODES)).await?;
    let mut baseline = start_server(&plan, files.path(), &baseline_sim, "baseline", &http).await?;
    let (baseline_rss, _) = rss_mib(baseline.pid);
    let _ = baseline.child.kill().await;
    baseline_sim.shutdown().await;

    let sim = Simulator::start(sim_config(&plan, plan.nodes)).await?;
    let mut server = start_server(&plan, files.path(), &sim, "load", &http).await?;
    let (server_pid, base) = (server.pid, server.base.clone());
    let per_node_kib =
        |rss_mib: f64| (rss_mib - baseline_rss) * 1024.0 / f64::from(plan.nodes.saturating_sub(BASELINE_NODES).max(1));
    let (ready_rss, _) = rss_mib(server_pid);
    eprintln!("load: server ready; connecting {} clients", plan.clients);

    let capacity = (plan.rate * plan.duration.as_secs_f64() * 1.2) as usize + 16;
    let started = Instant::now();
    let write_times: Arc<Vec<AtomicU64>> = Arc::new((0..capacity).map(|_| AtomicU64::new(0)).collect());
    let stop = tokio_util::sync::CancellationToken::new();
    let delivered = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::with_capacity(plan.clients);
    for _ in 0..plan.clients {
        let url = format!("ws://{base}/api/v1/ws/nodes?cluster=load");
        let (socket, _) = tokio_tungstenite::connect_async(url).await.context("a client could not connect")?;
        clients.push(tokio::spawn(client(socket, started, write_times.clone(), delivered.clone(), stop.clone())));
    }
    eprintln!("load: {} clients connected; writing {} changes/s for {:?}", plan.clients, plan.rate, plan.duration);

    let writes = write(&sim, &plan, started, &write_times, capacity).await;
    settle(&delivered, writes * plan.clients as u64).await;
    stop.cancel();
    let (rss, peak) = rss_mib(server_pid);
    let plugins = plugin_counters(&http, &base).await?;
    let full_lists_peak = full_lists_peak(&http, &base, server_pid).await?;
    let mut latencies = Vec::new();
    let (mut gaps, mut connected) = (0, 0);
    for client in clients {
        let seen = client.await?;
        gaps += seen.gaps;
        connected += usize::from(seen.stayed_connected);
        latencies.extend(seen.latencies_us);
    }
    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    let report = Report {
        nodes: plan.nodes,
        clients: plan.clients,
        rate: plan.rate,
        duration_secs: plan.duration.as_secs_f64(),
        writes,
        expected_deliveries: writes * plan.clients as u64,
        delivered: delivered.load(Ordering::Relaxed),
        gaps,
        clients_connected: connected,
        latency_p50_ms: percentile(0.50),
        latency_p99_ms: percentile(0.99),
        latency_max_ms: latencies.last().copied().unwrap_or(0) as f64 / 1000.0,
        server_rss_mib: rss,
        server_peak_rss_mib: peak,
        baseline_rss_mib: baseline_rss,
        kib_per_node_at_ready: per_node_kib(ready_rss),
        kib_per_node_after_run: per_node_kib(rss),
        idle_rss_before_full_lists_mib: full_lists_peak.0,
        peak_rss_during_full_lists_mib: full_lists_peak.1,
        plugins,
    };
    let _ = server.child.kill().await;
    sim.shutdown().await;
    Ok(report)
}

/// The server's resident memory before, and at its highest while, it answers
/// [`CONCURRENT_FULL_LISTS`] full-view lists of every node at once.
async fn full_lists_peak(http: &reqwest::Client, base: &str, pid: u32) -> anyhow::Result<(f64, f64)> {
    let (idle, _) = rss_mib(pid);
    let url = format!("http://{base}/api/v1/nodes?cluster_name=load&view=full");
    let lists = futures::future::join_all((0..CONCURRENT_FULL_LISTS).map(|_| async {
        let response = http.get(&url).send().await?.error_for_status()?;
        anyhow::Ok(response.bytes().await?.len())
    }));
    tokio::pin!(lists);
    let mut peak = idle;
    loop {
        tokio::select! {
            bodies = &mut lists => {
                for body in bodies {
                    body.context("a full list failed")?;
                }
                return Ok((idle, peak));
            }
            _ = tokio::time::sleep(Duration::from_millis(2)) => peak = peak.max(rss_mib(pid).0),
        }
    }
}

/// Waits until every delivery arrived, or until none has for two seconds.
async fn settle(delivered: &AtomicU64, expected: u64) {
    let mut last = (delivered.load(Ordering::Relaxed), Instant::now());
    while last.0 < expected && last.1.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = delivered.load(Ordering::Relaxed);
        if now != last.0 {
            last = (now, Instant::now());
        }
    }
}

/// Edits one node per tick, spread over the nodes, and notes when each write committed.
async fn write(sim: &Simulator, plan: &Plan, started: Instant, write_times: &[AtomicU64], capacity: usize) -> u64 {
    let period = Duration::from_secs_f64(1.0 / plan.rate);
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let deadline = Instant::now() + plan.duration;
    let mut id = 0u64;
    while Instant::now() < deadline && (id as usize) < capacity {
        ticks.tick().await;
        let node = format!("node-{:04}", id % u64::from(plan.nodes) + 1);
        let written = sim.store().update(Resource::Nodes, &node, None, Write::Commit, |mut object| {
            object["metadata"]["labels"][WRITE_LABEL] = json!(id.to_string());
            Ok(object)
        });
        if written.is_ok() {
            write_times[id as usize].store(started.elapsed().as_nanos() as u64, Ordering::Release);
        }
        id += 1;
    }
    id
}

struct Seen {
    latencies_us: Vec<u32>,
    gaps: u64,
    stayed_connected: bool,
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Reads events until stopped, parsing only the few fields it needs.
async fn client(
    mut socket: Socket,
    started: Instant,
    write_times: Arc<Vec<AtomicU64>>,
    delivered: Arc<AtomicU64>,
    stop: tokio_util::sync::CancellationToken,
) -> Seen {
    let mut seen = Seen { latencies_us: Vec::new(), gaps: 0, stayed_connected: true };
    let mut last_seq = None;
    let pattern = format!("\"{WRITE_LABEL}\":\"");
    loop {
        let message = tokio::select! {
            () = stop.cancelled() => return seen,
            message = socket.next() => message,
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => {
                seen.stayed_connected = false;
                return seen;
            }
        };
        let received = started.elapsed().as_nanos() as u64;
        if !text.starts_with("{\"type\":\"node_update\"") {
            continue;
        }
        let (Some(seq), Some(prev)) = (number_after(&text, "\"seq\":"), number_after(&text, "\"prev\":")) else {
            continue;
        };
        if last_seq.is_some_and(|last| last != prev) {
            seen.gaps += 1;
        }
        last_seq = Some(seq);
        let write_id =
            text.find(&pattern).and_then(|at| text[at + pattern.len()..].split('"').next()?.parse::<usize>().ok());
        let written = write_id.and_then(|id| write_times.get(id)).map(|t| t.load(Ordering::Acquire));
        delivered.fetch_add(1, Ordering::Relaxed);
        if let Some(written) = written.filter(|written| *written > 0) {
            seen.latencies_us.push((received.saturating_sub(written) / 1000).min(u64::from(u32::MAX)) as u32);
        }
    }
}

/// The number after the last occurrence of `key` (top-level fields follow `data`).
fn number_after(text: &str, key: &str) -> Option<u64> {
    let at = text.rfind(key)? + key.len();
    let digits: String = text[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

async fn wait_ready(http: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let ready = http.get(format!("http://{base}/readyz")).send().await;
        if ready.is_ok_and(|response| response.status() == reqwest::StatusCode::OK) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!("the server at {base} did not become ready in 120 s")
}

/// What the server's chain did during the run, plugin by plugin.
async fn plugin_counters(http: &reqwest::Client, base: &str) -> anyhow::Result<Vec<PluginInfo>> {
    #[derive(serde::Deserialize)]
    struct Chain {
        plugins: Vec<PluginInfo>,
    }
    let response = http.get(format!("http://{base}/api/v1/plugins")).send().await?;
    let status = response.status();
    if !status.is_success() {
        bail!("GET /api/v1/plugins answered {status}: {}", response.text().await?);
    }
    Ok(response.json::<Chain>().await.context("GET /api/v1/plugins")?.plugins)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Current and peak resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> (f64, f64) {
    let (now, peak) = nodecast::telemetry::resident_memory(Some(pid));
    (now as f64 / 1048576.0, peak as f64 / 1048576.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_numbers_are_read_after_the_data() {
        let text = r#"{"type":"node_update","data":{"seq":3,"labels":{"nodecast.io/load-write":"41"}},"seq":17,"epoch":"e","prev":12,"tags":{}}"#;
        assert_eq!((number_after(text, "\"seq\":"), number_after(text, "\"prev\":")), (Some(17), Some(12)));
    }
}
