//! The `nodecast` command: parses the command line, loads the configuration,
//! sets up logs and hands over to the library.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use nodecast::config::{self, Override};

mod load;
mod trial;

#[derive(Parser)]
#[command(
    name = "nodecast",
    version,
    about = "Watches Kubernetes nodes and turns every meaningful change into a live event"
)]
struct Cli {
    /// Configuration file [default: config/nodecast.toml, when it exists].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log level or filter (log.level).
    #[arg(long, global = true, value_name = "LEVEL")]
    log_level: Option<String>,
    /// Log format, text or json (log.format).
    #[arg(long, global = true, value_name = "FORMAT")]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Runs nodecast (the default): watches the configured clusters, or an
    /// embedded simulated cluster when none is configured, and serves the API.
    Serve(ServeArgs),
    /// Runs the simulated Kubernetes API server alone, with churn, until Ctrl-C.
    Sim(SimArgs),
    /// Prints the effective configuration (all layers applied) as TOML.
    Config,
    /// Runs a filter plugin through a set of typical node changes and prints
    /// what it decided about each (exit status 1 when a call failed).
    TryPlugin(TryPluginArgs),
    /// Load test: the simulator, nodecast as a child process, and many WebSocket
    /// clients; reports propagation latency, deliveries, gaps and server memory.
    Load(LoadArgs),
}

#[derive(clap::Args, Default)]
struct ServeArgs {
    /// Address to serve the API on (api.listen).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Writes the embedded simulator's kubeconfig here, for kubectl (sim.kubeconfig).
    #[arg(long, value_name = "FILE")]
    sim_kubeconfig: Option<PathBuf>,
}

#[derive(clap::Args)]
struct TryPluginArgs {
    /// The component (`.wasm`).
    path: PathBuf,
    /// An entry of the plugin's `config` table, passed to its `init` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = key_value)]
    settings: Vec<(String, String)>,
    /// Deadline of one call, in milliseconds.
    #[arg(long, default_value_t = 50)]
    timeout_ms: u64,
    /// Memory cap of the instance, in MiB.
    #[arg(long, default_value_t = 16)]
    memory_mb: u64,
    /// Prints the outcomes as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn key_value(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').ok_or_else(|| format!("expected KEY=VALUE, got {text:?}"))?;
    Ok((key.to_owned(), value.to_owned()))
}

#[derive(clap::Args)]
struct LoadArgs {
    #[arg(long, default_value_t = 5000)]
    nodes: u32,
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Node changes per second.
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// Seconds of writing.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Seconds between two heartbeats of one node.
    #[arg(long, default_value_t = 10.0)]
    heartbeat_secs: f64,
    /// A TOML file of `[[plugins]]` tables: the server's filter chain (paths relative to here).
    #[arg(long, value_name = "FILE")]
    plugins: Option<PathBuf>,
}

#[derive(clap::Args)]
struct SimArgs {
    /// Nodes at start (sim.nodes).
    #[arg(long)]
    nodes: Option<u32>,
    /// Address to serve on, port 0 for any free port (sim.listen).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Writes a kubeconfig for kubectl and kube-rs here (sim.kubeconfig).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// Meaningful changes per second, 0 for none (sim.churn).
    #[arg(long, value_name = "RATE")]
    churn: Option<f64>,
    /// Seed of the churn generator (sim.seed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Seconds between two heartbeats of one node, 0 for none (sim.heartbeat_secs).
    #[arg(long, value_name = "SECS")]
    heartbeat_secs: Option<f64>,
    /// Events retained for watches before 410 Expired (sim.history).
    #[arg(long, value_name = "EVENTS")]
    history: Option<usize>,
    /// Bearer token required of every client (sim.token).
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
}

impl Cli {
    /// The flags that were given, as configuration keys.
    fn overrides(&self) -> Vec<Override> {
        let mut overrides: Vec<Override> = Vec::new();
        let mut set = |key, value: Option<figment::value::Value>| {
            if let Some(value) = value {
                overrides.push((key, value));
            }
        };
        set("log.level", self.log_level.clone().map(Into::into));
        set("log.format", self.log_format.clone().map(Into::into));
        if let Some(Command::Serve(serve)) = &self.command {
            set("api.listen", serve.listen.map(|a| a.to_string().into()));
            set("sim.kubeconfig", serve.sim_kubeconfig.as_ref().map(|p| p.display().to_string().into()));
        }
        if let Some(Command::Sim(sim)) = &self.command {
            set("sim.nodes", sim.nodes.map(Into::into));
            set("sim.listen", sim.listen.map(|a| a.to_string().into()));
            set("sim.kubeconfig", sim.kubeconfig.as_ref().map(|p| p.display().to_string().into()));
            set("sim.churn", sim.churn.map(Into::into));
            set("sim.seed", sim.seed.map(Into::into));
            set("sim.heartbeat_secs", sim.heartbeat_secs.map(Into::into));
            set("sim.history", sim.history.map(|h| (h as u64).into()));
            set("sim.token", sim.token.clone().map(Into::into));
        }
        overrides
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let layers = config::Layers { file: cli.config.clone(), overrides: cli.overrides() };
    let config = match layers.load() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("nodecast: {error}");
            std::process::exit(2);
        }
    };
    if let Some(Command::Config) = cli.command {
        print!("{}", config.to_toml());
        return Ok(());
    }
    if let Some(Command::TryPlugin(args)) = cli.command {
        return try_plugin(args);
    }
    nodecast::telemetry::init(&config.log);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    match cli.command {
        Some(Command::Sim(_)) => runtime.block_on(run_sim(config.sim)),
        Some(Command::Load(args)) => runtime.block_on(load(args)),
        _ => runtime.block_on(serve(config, layers)),
    }
}

fn try_plugin(args: TryPluginArgs) -> anyhow::Result<()> {
    let config = args.settings.into_iter().map(|(key, value)| (key, serde_json::Value::String(value))).collect();
    let trial = match trial::run(&args.path, config, args.timeout_ms, args.memory_mb) {
        Ok(trial) => trial,
        Err(error) => {
            eprintln!("nodecast: {error}");
            std::process::exit(1);
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&trial)?);
    } else {
        print!("{}", trial.table());
    }
    if trial.outcomes.iter().any(|outcome| outcome.error.is_some()) {
        std::process::exit(1);
    }
    Ok(())
}

async fn load(args: LoadArgs) -> anyhow::Result<()> {
    let plan = load::Plan {
        nodes: args.nodes,
        clients: args.clients,
        rate: args.rate,
        duration: std::time::Duration::from_secs(args.duration),
        heartbeat_secs: args.heartbeat_secs,
        server: std::env::current_exe().context("cannot find the nodecast binary")?,
        plugins: args.plugins,
    };
    let report = load::run(plan).await?;
    println!(
        "{} clients, {} nodes, {} changes/s for {} s: {} writes, delivered {}/{} ({} gaps), {} clients stayed connected\n\
         latency write->client: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; server RSS {:.0} MiB (peak {:.0} MiB)\n\
         memory per cached node over a 50-node server ({:.0} MiB): {:.1} KiB at ready, {:.1} KiB after the run\n\
         four concurrent full lists: RSS {:.0} MiB idle, {:.0} MiB at peak ({:.2}x)",
        report.clients,
        report.nodes,
        report.rate,
        report.duration_secs,
        report.writes,
        report.delivered,
        report.expected_deliveries,
        report.gaps,
        report.clients_connected,
        report.latency_p50_ms,
        report.latency_p99_ms,
        report.latency_max_ms,
        report.server_rss_mib,
        report.server_peak_rss_mib,
        report.baseline_rss_mib,
        report.kib_per_node_at_ready,
        report.kib_per_node_after_run,
        report.idle_rss_before_full_lists_mib,
        report.peak_rss_during_full_lists_mib,
        report.peak_rss_during_full_lists_mib / report.idle_rss_before_full_lists_mib,
    );
    for plugin in &report.plugins {
        println!(
            "plugin {}: {} calls ({} kept, {} dropped, {} failed), mean {:.1} µs, p99 under {:.1} µs",
            plugin.name,
            plugin.calls,
            plugin.keeps,
            plugin.drops,
            plugin.errors,
            plugin.mean_call_us,
            plugin.p99_call_us
        );
    }
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

async fn serve(config: nodecast::Config, layers: config::Layers) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.api.listen)
        .await
        .with_context(|| format!("cannot listen on {} (api.listen)", config.api.listen))?;
    let stop = tokio_util::sync::CancellationToken::new();
    let signal = stop.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        signal.cancel();
    });
    if config.clusters.is_empty() {
        println!(
            "nodecast on http://{} (API docs at /docs), watching an embedded simulated cluster",
            config.api.listen
        );
    }
    nodecast::server::run(config, layers, listener, stop).await
}

async fn run_sim(config: nodecast::sim::Config) -> anyhow::Result<()> {
    let simulator = nodecast::sim::Simulator::start(config.clone()).await?;
    match &config.kubeconfig {
        Some(path) => println!("simulator at {}; kubeconfig written to {}", simulator.url(), path.display()),
        None => println!("simulator at {}; kubeconfig:\n{}", simulator.url(), simulator.kubeconfig()),
    }
    shutdown_signal().await;
    tracing::info!("stopping the simulator");
    simulator.shutdown().await;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler installs");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
