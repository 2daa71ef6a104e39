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
