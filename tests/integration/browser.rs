//! The dashboard in headless Chromium, driven by Playwright
//! (`tests/browser/dashboard.mjs`): open the page, cordon a node with kubectl
//! on the simulator, see its row change with the tag the severity-tagger
//! plugin gave the event, survive a dropped socket. The
//! screenshot lands in `target/dashboard.png`.

use std::path::Path;
use std::process::Command;

use nodecast::sim::Simulator;

use crate::support::{Nodecast, plugin, quiet};

const CHROMIUM: &str = "/usr/bin/chromium";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_shows_a_cordon_as_it_happens() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser = root.join("tests/browser");
    let missing: Vec<&str> = [
        (!Path::new(CHROMIUM).exists()).then_some("Debian's chromium (apt-get install chromium)"),
        (!browser.join("node_modules/playwright-core").exists())
            .then_some("playwright-core (cd tests/browser && npm ci)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        // CI installs both (.ci/run); elsewhere the test says what to install instead of failing.
        assert!(std::env::var_os("CI").is_none(), "the browser test needs {}", missing.join(" and "));
        eprintln!("skipping the browser test: install {}", missing.join(" and "));
        return;
    }
    let sim = Simulator::start(quiet(60)).await.unwrap();
    let nodecast =
        Nodecast::watching(&[("demo", &sim)], |config| config.plugins = vec![plugin("severity-tagger")]).await;
    let files = tempfile::tempdir().unwrap();
    let kubeconfig = files.path().join("sim.kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let screenshot = root.join("target/dashboard.png");
    let _ = std::fs::remove_file(&screenshot);
    let mut command = Command::new("node");
    command
        .arg(browser.join("dashboard.mjs"))
        .current_dir(&browser)
        .env("NODECAST_URL", &nodecast.url)
        .env("SIM_KUBECONFIG", &kubeconfig)
        .env("SCREENSHOT", &screenshot)
        .env("CHROMIUM", CHROMIUM)
        .env("EXPECT_SEVERITY_TAG", "1")
        .env("HOME", files.path());
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("node runs");
    assert!(
        output.status.success(),
        "the dashboard test failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(screenshot.exists(), "the test saved a screenshot");
    nodecast.shutdown().await;
    sim.shutdown().await;
}
