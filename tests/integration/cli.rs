//! The `nodecast` binary's configuration handling, run as a user runs it.

use std::process::Command;

fn nodecast() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nodecast"));
    command.current_dir(env!("CARGO_MANIFEST_DIR")).env_remove("RUST_LOG");
    command
}

#[test]
fn config_prints_every_layer_applied() {
    let output = nodecast()
        .args(["config", "--log-format", "json"])
        .env("NODECAST_SIM__NODES", "321")
        .env("NODECAST_SIM__SEED", "9")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed: toml::Value = toml::from_str(&String::from_utf8(output.stdout).unwrap()).unwrap();
    assert_eq!(printed["sim"]["nodes"].as_integer(), Some(321), "environment beats the file");
    assert_eq!(printed["sim"]["seed"].as_integer(), Some(9));
    assert_eq!(printed["log"]["format"].as_str(), Some("json"), "flags beat the file");
    assert_eq!(printed["sim"]["disruption_budgets"][0]["name"].as_str(), Some("web"), "config/nodecast.toml is read");
}

#[test]
fn bad_environment_value_names_the_variable_and_key() {
    let output = nodecast().arg("config").env("NODECAST_SIM__NODES", "lots").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("`sim.nodes`") && stderr.contains("NODECAST_SIM__NODES"), "{stderr}");
}

#[test]
fn unknown_environment_key_is_refused() {
    let output = nodecast().arg("config").env("NODECAST_SIM__NODEZ", "3").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("`sim.nodez`") && stderr.contains("NODECAST_SIM__NODEZ"), "{stderr}");
}

#[test]
fn serving_without_auth_on_a_public_address_is_refused() {
    let output = nodecast().args(["serve", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("`api.auth.enabled`") && stderr.contains("allow_unauthenticated_remote"), "{stderr}");
}

#[test]
fn load_harness_measures_through_a_plugin_chain() {
    let files = tempfile::tempdir().unwrap();
    let chain = files.path().join("chain.toml");
    std::fs::write(
        &chain,
        "[[plugins]]\nname = \"quiet-labels\"\npath = \"plugins/dist/label-prefix-filter.wasm\"\n\
         config = { prefixes = [\"example.com/\"] }\n\
         [[plugins]]\nname = \"severity\"\npath = \"plugins/dist/severity-tagger.wasm\"\n",
    )
    .unwrap();
    let output = nodecast()
        .args(["load", "--clients", "3", "--nodes", "20", "--rate", "20", "--duration", "2", "--plugins"])
        .arg(&chain)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert!(report["writes"].as_u64().unwrap() >= 20, "{report}");
    assert_eq!(report["delivered"], report["expected_deliveries"], "{report}");
    assert_eq!((report["gaps"].as_u64(), report["clients_connected"].as_u64()), (Some(0), Some(3)), "{report}");
    let idle = report["idle_rss_before_full_lists_mib"].as_f64().unwrap();
    assert!(idle > 0.0 && report["peak_rss_during_full_lists_mib"].as_f64().unwrap() >= idle, "{report}");
    assert!(report["baseline_rss_mib"].as_f64().unwrap() > 0.0, "{report}");
    let changes = report["writes"].as_u64().unwrap() + 20; // the first list adds every node
    for (index, name) in ["quiet-labels", "severity"].into_iter().enumerate() {
        let plugin = &report["plugins"][index];
        assert_eq!(plugin["name"], name, "{report}");
        assert_eq!((plugin["calls"].as_u64(), plugin["keeps"].as_u64()), (Some(changes), Some(changes)), "{report}");
    }
}

#[test]
fn try_plugin_shows_each_decision_and_fails_on_a_failed_call() {
    let output = nodecast().args(["try-plugin", "plugins/dist/severity-tagger.wasm", "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let trial: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let tagged: Vec<(&str, &str)> = trial["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| Some((o["scenario"].as_str()?, o["tags"]["severity"].as_str()?)))
        .collect();
    assert_eq!(
        tagged,
        [
            ("cordoned", "warning"),
            ("Ready became False", "critical"),
            ("Ready became Unknown", "critical"),
            ("NoExecute taint added", "critical")
        ]
    );
    assert!(trial["outcomes"].as_array().unwrap().iter().all(|o| o["decision"] == "keep"), "{trial}");

    let output = nodecast()
        .args(["try-plugin", "plugins/dist/label-prefix-filter.wasm", "--set", "prefixes=nodecast.io/"])
        .output()
        .unwrap();
    let table = String::from_utf8(output.stdout).unwrap();
    let decision = |scenario: &str| {
        let line = table.lines().find(|line| line.starts_with(scenario)).unwrap_or_else(|| panic!("{table}"));
        line[scenario.len()..].split_whitespace().next().unwrap().to_owned()
    };
    assert_eq!(decision("label value changed (nodecast.io/pool)"), "drop", "{table}");
    assert_eq!(decision("label added (team)"), "keep", "{table}");

    let output = nodecast().args(["try-plugin", "plugins/dist/label-prefix-filter.wasm"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("config key `prefixes` is missing"));
}

#[tokio::test]
async fn sighup_reloads_the_plugin_chain_and_a_bad_one_is_refused() {
    let files = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = files.path().join("nodecast.toml");
    let plugin = |name: &str| {
        let path = crate::support::component(name);
        format!("[[plugins]]\nname = \"{name}\"\npath = {:?}\n", path.display().to_string())
    };
    let base = format!("[api]\nlisten = \"127.0.0.1:{port}\"\n[sim]\nnodes = 5\nchurn = 0.0\n");
    std::fs::write(&config, format!("{base}{}", plugin("severity-tagger"))).unwrap();
    let server = Server(nodecast().arg("serve").arg("--config").arg(&config).spawn().unwrap());
    let chain = || async {
        let url = format!("http://127.0.0.1:{port}/api/v1/plugins");
        let chain: serde_json::Value = reqwest::get(url).await.ok()?.json().await.ok()?;
        let names: Vec<String> =
            chain["plugins"].as_array()?.iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect();
        Some((chain["generation"].as_u64()?, names))
    };
    let hangup = |server: &Server| {
        let status = Command::new("kill").args(["-HUP", &server.0.id().to_string()]).status().unwrap();
        assert!(status.success());
    };
    crate::support::eventually("the server to answer", || async { chain().await.filter(|(g, _)| *g == 1) }).await;

    std::fs::write(&config, format!("{base}{}{}", plugin("severity-tagger"), plugin("transitions-only"))).unwrap();
    hangup(&server);
    let (_, names) =
        crate::support::eventually("the reloaded chain", || async { chain().await.filter(|(g, _)| *g == 2) }).await;
    assert_eq!(names, ["severity-tagger", "transitions-only"]);

    std::fs::write(&config, format!("{base}{}", plugin("no-such-plugin"))).unwrap();
    hangup(&server);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(chain().await, Some((2, names)), "a chain that fails to load leaves the old one running");
}

/// A server process, killed when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
