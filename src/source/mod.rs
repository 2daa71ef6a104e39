//! Sources: where node deltas come from. One kube-rs watcher per cluster, with
//! backoff, turned into [`Delta`]s with `managedFields` stripped (they are the
//! largest part of a node and nobody downstream reads them).
//!
//! It also owns how a cluster is reached: a kubeconfig file and context, the
//! in-cluster service account, or kubeconfig content sent through the API, which
//! is checked so that it can never make the server run a program or read its files.

use std::path::PathBuf;

use futures::{Stream, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Node;
use kube::config::{AuthInfo, KubeConfigOptions, Kubeconfig};
use kube::runtime::{WatchStreamExt, watcher};
use serde::{Deserialize, Serialize};

/// One node delta, as the pipeline consumes it.
#[derive(Debug, Clone)]
pub enum Delta {
    Apply(Node),
    Delete(Node),
    /// A (re)list starts: the nodes that follow as `InitApply` replace what was known.
    Init,
    InitApply(Node),
    /// The (re)list is complete.
    InitDone,
}

impl From<watcher::Event<Node>> for Delta {
    fn from(event: watcher::Event<Node>) -> Self {
        let strip = |mut node: Node| {
            node.metadata.managed_fields = None;
            node
        };
        match event {
            watcher::Event::Apply(node) => Delta::Apply(strip(node)),
            watcher::Event::Delete(node) => Delta::Delete(strip(node)),
            watcher::Event::Init => Delta::Init,
            watcher::Event::InitApply(node) => Delta::InitApply(strip(node)),
            watcher::Event::InitDone => Delta::InitDone,
        }
    }
}

/// A cluster to watch (`[[clusters]]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// The name clients use (`cluster_name`); letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// A kubeconfig file; with neither this nor `in_cluster`, the usual
    /// `KUBECONFIG` / `~/.kube/config` lookup applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<PathBuf>,
    /// The context to use in the kubeconfig (default: its current context).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Use the pod's service account (nodecast running inside the cluster).
    #[serde(default)]
    pub in_cluster: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the kubeconfig is not valid: {0}")]
    InvalidKubeconfig(String),
    #[error(
        "the kubeconfig's user {user:?} uses {what}, which would run a program on the nodecast server; \
         refused for clusters registered through the API (set api.allow_exec_credentials = true to allow)"
    )]
    RunsProgram { user: String, what: &'static str },
    #[error(
        "the kubeconfig's {owner} refers to the file {path:?} ({field}); a kubeconfig sent through the API \
         must carry its credentials inline (use {field}-data or token)"
    )]
    ReadsServerFile { owner: String, field: &'static str, path: String },
    #[error("cannot build a client for the cluster")]
    Client(#[source] kube::Error),
    #[error("cannot read the cluster's configuration")]
    Config(#[source] kube::config::KubeconfigError),
    #[error("cannot use the in-cluster service account")]
    InCluster(#[source] kube::config::InClusterError),
}

/// The two clients of one cluster, with the same credentials. The watch's
/// retries transient failures (429, 503, 504) itself, as kube-rs does by
/// default. Node operations' does not: a disruption budget's 429 is an answer
/// a drain must see and report, and each call has a time limit of its own.
#[derive(Clone)]
pub struct Clients {
    pub watch: kube::Client,
    pub calls: kube::Client,
}

impl Clients {
    pub fn new(config: kube::Config) -> Result<Self, Error> {
        let mut calls_config = config.clone();
        calls_config.default_retry = false;
        let calls = kube::Client::try_from(calls_config);
        Ok(Self { watch: kube::Client::try_from(config).map_err(Error::Client)?, calls: calls.map_err(Error::Client)? })
    }
}

/// The clients of a configured cluster.
pub async fn client_for(cluster: &ClusterConfig) -> Result<Clients, Error> {
    let options = KubeConfigOptions { context: cluster.context.clone(), ..Default::default() };
    let config = if cluster.in_cluster {
        kube::Config::incluster().map_err(Error::InCluster)?
    } else if let Some(path) = &cluster.kubeconfig {
        let kubeconfig = Kubeconfig::read_from(path).map_err(Error::Config)?;
        kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.map_err(Error::Config)?
    } else {
        kube::Config::from_kubeconfig(&options).await.map_err(Error::Config)?
    };
    Clients::new(config)
}

/// The clients for kubeconfig content sent through the API, after checking that it
/// neither runs programs (unless `allow_exec`) nor reads files on the server.
pub async fn client_from_content(text: &str, context: Option<&str>, allow_exec: bool) -> Result<Clients, Error> {
    let kubeconfig = Kubeconfig::from_yaml(text).map_err(|e| Error::InvalidKubeconfig(e.to_string()))?;
    check_inline(&kubeconfig, allow_exec)?;
    let options = KubeConfigOptions { context: context.map(str::to_owned), ..Default::default() };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| Error::InvalidKubeconfig(e.to_string()))?;
    Clients::new(config)
}

fn check_inline(kubeconfig: &Kubeconfig, allow_exec: bool) -> Result<(), Error> {
    for named in &kubeconfig.auth_infos {
        let Some(user) = &named.auth_info else { continue };
        let AuthInfo { exec, auth_provider, token_file, client_certificate, client_key, .. } = user;
        if !allow_exec {
            if exec.is_some() {
                return Err(Error::RunsProgram { user: named.name.clone(), what: "an exec credential plugin" });
            }
            if auth_provider.is_some() {
                return Err(Error::RunsProgram { user: named.name.clone(), what: "an auth-provider" });
            }
        }
        for (field, path) in
            [("tokenFile", token_file), ("client-certificate", client_certificate), ("client-key", client_key)]
        {
            if let Some(path) = path {
                let owner = format!("user {:?}", named.name);
                return Err(Error::ReadsServerFile { owner, field, path: path.clone() });
            }
        }
    }
    for named in &kubeconfig.clusters {
        if let Some(path) = named.cluster.as_ref().and_then(|c| c.certificate_authority.as_ref()) {
            let owner = format!("cluster {:?}", named.name);
            return Err(Error::ReadsServerFile { owner, field: "certificate-authority", path: path.clone() });
        }
    }
    Ok(())
}

/// The node deltas of a cluster, forever: the watcher lists, watches, re-lists
/// after a 410 or a reconnect, and backs off between failures (which it yields).
pub fn watch(client: kube::Client) -> impl Stream<Item = Result<Delta, watcher::Error>> + Send {
    let nodes: kube::Api<Node> = kube::Api::all(client);
    watcher(nodes, watcher::Config::default()).default_backoff().map_ok(Delta::from).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLUSTER: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n\
                           contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n";

    fn user(body: &str) -> String {
        format!("{CLUSTER}users:\n- name: u\n  user:\n{body}")
    }

    #[tokio::test]
    async fn exec_credentials_are_refused_unless_allowed() {
        let text = user("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/sh\n");
        let error = client_from_content(&text, None, false).await.err().unwrap().to_string();
        assert!(error.contains("exec credential plugin") && error.contains("\"u\""), "{error}");
        let kubeconfig = Kubeconfig::from_yaml(&text).unwrap();
        assert!(check_inline(&kubeconfig, true).is_ok());
    }

    #[tokio::test]
    async fn file_references_are_refused() {
        let text = user("    tokenFile: /etc/shadow\n");
        let error = client_from_content(&text, None, true).await.err().unwrap().to_string();
        assert!(error.contains("/etc/shadow") && error.contains("tokenFile"), "{error}");
    }

    #[tokio::test]
    async fn inline_token_is_accepted() {
        assert!(client_from_content(&user("    token: abc\n"), None, false).await.is_ok());
    }

    #[tokio::test]
    async fn garbage_is_an_invalid_kubeconfig() {
        let error = client_from_content("clusters: 7", None, false).await.err().unwrap();
        assert!(matches!(error, Error::InvalidKubeconfig(_)), "{error}");
    }
}
