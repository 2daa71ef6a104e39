//! The dashboard in headless Chromium, driven by Playwright. `tests/browser/dashboard.mjs`:
//! open the page, cordon a node with kubectl on the simulator, see its row change
//! with the tag the severity-tagger plugin gave the event, survive a dropped
//! socket. `tests/browser/actions.mjs`: cordon, uncordon and drain nodes from the
//! page as an operator, list a node's pods, and see a viewer's cordon refused.
//! The screenshots land in `target/dashboard.png` and `target/dashboard-actions.png`.

use std::path::{Path, PathBuf};
use std::process::Command;

use nodecast::auth::{Role, TokenConfig};
use nodecast::sim::Simulator;

use crate::support::{Nodecast, plugin, quiet};

const CHROMIUM: &str = "/usr/bin/chromium";

/// `tests/browser`, or None when the browser or Playwright is missing (outside CI).
fn browser_dir() -> Option<PathBuf> {
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let missing: Vec<&str> = [
        (!Path::new(CHROMIUM).exists()).then_some("Debian's chromium (apt-get install chromium)"),
        (!browser.join("node_modules/playwright-core").exists())
            .then_some("playwright-core (cd tests/browser && npm ci)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if missing.is_empty() {
        return Some(browser);
    }
    // CI installs both (.ci/run); elsewhere the test says what to install instead of failing.
    assert!(std::env::var_os("CI").is_none(), "the browser test needs {}", missing.join(" and "));
    eprintln!("skipping the browser test: install {}", missing.join(" and "));
    None
}

/// Runs `script` against nodecast at `url` watching `sim`, and fails with its
/// output unless it passed and saved its screenshot as `target/<screenshot>`.
async fn run_script(browser: &Path, script: &str, url: &str, sim: &Simulator, screenshot: &str, env: &[(&str, &str)]) {
    let files = tempfile::tempdir().unwrap();
    let kubeconfig = files.path().join("sim.kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let screenshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join(screenshot);
    let _ = std::fs::remove_file(&screenshot);
    let mut command = Command::new("node");
    command
        .arg(browser.join(script))
        .current_dir(browser)
        .env("NODECAST_URL", url)
        .env("SIM_KUBECONFIG", &kubeconfig)
        .env("SCREENSHOT", &screenshot)
        .env("CHROMIUM", CHROMIUM)
        .env("HOME", files.path())
        .envs(env.iter().copied());
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("node runs");
    assert!(
        output.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(screenshot.exists(), "{script} saved a screenshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_shows_a_cordon_as_it_happens() {
    let Some(browser) = browser_dir() else { return };
    let sim = Simulator::start(quiet(60)).await.unwrap();
    let nodecast =
        Nodecast::watching(&[("demo", &sim)], |config| config.plugins = vec![plugin("severity-tagger")]).await;
    run_script(&browser, "dashboard.mjs", &nodecast.url, &sim, "dashboard.png", &[("EXPECT_SEVERITY_TAG", "1")]).await;
    nodecast.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_cordons_drains_and_lists_pods() {
    let Some(browser) = browser_dir() else { return };
    const OPERATOR: &str = "operator-token-0123456789";
    const VIEWER: &str = "viewer-token-0123456789";
    let token = |name: &str, token: &str, role| TokenConfig {
        name: name.to_owned(),
        token: token.to_owned(),
        role,
        clusters: vec!["*".to_owned()],
    };
    let sim = Simulator::start(quiet(12)).await.unwrap();
    let nodecast = Nodecast::watching(&[("demo", &sim)], |config| {
        config.api.auth.enabled = true;
        config.api.auth.tokens =
            vec![token("operator", OPERATOR, Role::Operator), token("viewer", VIEWER, Role::Viewer)];
    })
    .await;
    let env = [("OPERATOR_TOKEN", OPERATOR), ("VIEWER_TOKEN", VIEWER)];
    run_script(&browser, "actions.mjs", &nodecast.url, &sim, "dashboard-actions.png", &env).await;
    nodecast.shutdown().await;
    sim.shutdown().await;
}
