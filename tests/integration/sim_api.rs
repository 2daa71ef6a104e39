//! The simulator through the real kube-rs client and `kube::runtime::watcher`:
//! list, watch, bookmarks, 410 and re-list, conflicts, evictions, selectors, and
//! bad requests answered with the API's `Status` and no change to the store.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, EvictParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::runtime::watcher;
use nodecast::sim::{self, DisruptionBudget, Resource, Simulator, Write};
use serde_json::json;

use crate::support::{client, eventually, quiet, status};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn list_pages_through_every_node_exactly_once_while_nodes_change() {
    let sim = Simulator::start(quiet(45)).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let mut seen = Vec::new();
    let mut params = ListParams::default().limit(10);
    let mut page = nodes.list(&params).await.unwrap();
    let first_version = page.metadata.resource_version.clone();
    for deleted in (1..).map(|pages| 46 - pages) {
        seen.extend(page.items.iter().map(|node| node.metadata.name.clone().unwrap()));
        // Writes between pages must not leak into a paged list: it is one consistent view.
        sim.store().delete(Resource::Nodes, &format!("node-{deleted:04}"), None, Write::Commit).unwrap();
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => {
                params = params.continue_token(&token);
                page = nodes.list(&params).await.unwrap();
                assert_eq!(
                    page.metadata.resource_version, first_version,
                    "every page is served at the first page's version"
                );
            }
            _ => break,
        }
    }
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!((seen.len(), unique.len()), (45, 45));
    assert!(seen.windows(2).all(|pair| pair[0] < pair[1]), "lists come back sorted by name");
    sim.shutdown().await;
}

#[tokio::test]
async fn watch_delivers_edits_and_bookmarks() {
    let sim = Simulator::start(sim::Config { bookmark_secs: 0.2, ..quiet(5) }).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let version = nodes.list(&ListParams::default()).await.unwrap().metadata.resource_version.unwrap();
    let mut stream = nodes.watch(&WatchParams::default().timeout(30), &version).await.unwrap().boxed();
    let patch = json!({"metadata": {"labels": {"team": "storage"}}});
    nodes.patch("node-0003", &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
    let (mut modified, mut bookmarks) = (None, 0);
    while modified.is_none() || bookmarks == 0 {
        match tokio::time::timeout(WAIT, stream.next()).await.expect("watch event in time").unwrap().unwrap() {
            WatchEvent::Modified(node) => modified = Some(node),
            WatchEvent::Bookmark(bookmark) => {
                assert!(bookmark.metadata.resource_version.parse::<u64>().unwrap() >= version.parse().unwrap());
                bookmarks += 1;
            }
            other => panic!("unexpected event {other:?}"),
        }
    }
    let node = modified.unwrap();
    assert_eq!(node.metadata.name.as_deref(), Some("node-0003"));
    assert_eq!(node.metadata.labels.unwrap()["team"], "storage");
    sim.shutdown().await;
}

#[tokio::test]
async fn watch_with_a_selector_sees_objects_enter_and_leave_it() {
    let sim = Simulator::start(quiet(5)).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let version = nodes.list(&ListParams::default()).await.unwrap().metadata.resource_version.unwrap();
    let params = WatchParams::default().fields("spec.unschedulable=true").timeout(30);
    let mut stream = nodes.watch(&params, &version).await.unwrap().boxed();
    let cordon = |on: bool| json!({"spec": {"unschedulable": on}});
    nodes.patch("node-0002", &PatchParams::default(), &Patch::Strategic(cordon(true))).await.unwrap();
    nodes.patch("node-0002", &PatchParams::default(), &Patch::Strategic(cordon(false))).await.unwrap();
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        match tokio::time::timeout(WAIT, stream.next()).await.unwrap().unwrap().unwrap() {
            WatchEvent::Added(_) => kinds.push("added"),
            WatchEvent::Deleted(_) => kinds.push("deleted"),
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(kinds, ["added", "deleted"]);
    sim.shutdown().await;
}

/// In a current-thread runtime the simulator's watch task cannot run while the
/// test writes, so a burst larger than the history reliably outruns it.
#[tokio::test]
async fn expired_watch_makes_the_watcher_relist_and_see_deletions() {
    let sim = Simulator::start(sim::Config { history: 20, ..quiet(10) }).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let mut events = watcher(nodes, watcher::Config::default()).boxed();
    let mut next = async || tokio::time::timeout(WAIT, events.next()).await.expect("watcher event in time").unwrap();

    let mut listed = BTreeSet::new();
    loop {
        match next().await.unwrap() {
            watcher::Event::InitApply(node) => {
                listed.insert(node.metadata.name.unwrap());
            }
            watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(listed.len(), 10);

    // Let the watch connect before outrunning it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    sim.store().delete(Resource::Nodes, "node-0004", None, Write::Commit).unwrap();
    for round in 0..30 {
        sim.store()
            .update(Resource::Nodes, "node-0001", None, Write::Commit, |mut node| {
                node["metadata"]["labels"]["round"] = json!(round.to_string());
                Ok(node)
            })
            .unwrap();
    }

    let (mut expired, mut relisted) = (false, BTreeSet::new());
    loop {
        match next().await {
            Err(watcher::Error::WatchError(status)) if status.code == 410 => expired = true,
            Err(other) => panic!("unexpected watcher error {other}"),
            Ok(watcher::Event::Init) => relisted.clear(),
            Ok(watcher::Event::InitApply(node)) => {
                relisted.insert(node.metadata.name.unwrap());
            }
            Ok(watcher::Event::InitDone) => break,
            Ok(_) => {}
        }
    }
    assert!(expired, "the watch ended with 410 Gone");
    assert_eq!(relisted.len(), 9);
    assert!(!relisted.contains("node-0004"), "the re-list no longer has the node deleted while the watch was behind");
    sim.shutdown().await;
}

#[tokio::test]
async fn stale_update_is_a_conflict_and_changes_nothing() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let mut node = nodes.get("node-0002").await.unwrap();
    let stale = node.clone();
    node.metadata.labels.get_or_insert_default().insert("pool".into(), "a".into());
    nodes.replace("node-0002", &PostParams::default(), &node).await.unwrap();

    let before = sim.store().resource_version();
    assert_eq!(status(nodes.replace("node-0002", &PostParams::default(), &stale).await), (409, "Conflict".into()));
    assert_eq!(sim.store().resource_version(), before);
    assert_eq!(nodes.get("node-0002").await.unwrap().metadata.labels.unwrap()["pool"], "a");
    sim.shutdown().await;
}

#[tokio::test]
async fn pods_are_listed_by_node_and_evicted_within_their_budget() {
    let budget =
        DisruptionBudget { name: "web".into(), namespace: "demo".into(), selector: "app=web".into(), min_available: 1 };
    let sim =
        Simulator::start(sim::Config { disruption_budgets: vec![budget], pods_per_node: 6, ..quiet(4) }).await.unwrap();
    let client = client(&sim).await;
    let all: Api<Pod> = Api::all(client.clone());
    let on_node = all.list(&ListParams::default().fields("spec.nodeName=node-0002")).await.unwrap();
    let (_, stored) = sim.store().list(Resource::Pods);
    let expected = stored.values().filter(|pod| pod["spec"]["nodeName"] == "node-0002").count();
    assert_eq!(on_node.items.len(), expected);
    assert!(on_node.items.iter().all(|pod| pod.spec.as_ref().unwrap().node_name.as_deref() == Some("node-0002")));

    let demo: Api<Pod> = Api::namespaced(client, "demo");
    let web = demo.list(&ListParams::default().labels("app=web")).await.unwrap().items;
    assert!(web.len() >= 2, "the seed places several web pods");
    for pod in &web[..web.len() - 1] {
        demo.evict(pod.metadata.name.as_deref().unwrap(), &EvictParams::default()).await.unwrap();
    }
    let last = web.last().unwrap().metadata.name.as_deref().unwrap();
    assert_eq!(status(demo.evict(last, &EvictParams::default()).await), (429, "TooManyRequests".into()));
    let listed = demo.list(&ListParams::default().labels("app=web")).await.unwrap().items;
    let terminating = listed.iter().filter(|pod| pod.metadata.deletion_timestamp.is_some()).count();
    assert_eq!(terminating, listed.len() - 1, "evicted pods terminate gracefully; the last one stays");
    eventually("the kubelets finish the evicted pods", || async {
        (demo.list(&ListParams::default().labels("app=web")).await.unwrap().items.len() == 1).then_some(())
    })
    .await;
    assert_eq!(status(demo.evict("no-such-pod", &EvictParams::default()).await), (404, "NotFound".into()));
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_a_status_and_leave_the_store_alone() {
    let sim = Simulator::start(quiet(3)).await.unwrap();
    let client = client(&sim).await;
    let nodes: Api<Node> = Api::all(client.clone());
    let before = sim.store().list(Resource::Nodes);

    let raw_patch = |content_type: &str, body: &str| {
        http::Request::patch("/api/v1/nodes/node-0001")
            .header("content-type", content_type)
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    let cases = [
        (raw_patch("application/merge-patch+json", "{not json"), 400, "BadRequest"),
        (raw_patch("application/strategic-merge-patch+json", r#"{"spec":{"unschedulable":"very"}}"#), 422, "Invalid"),
        (raw_patch("application/json-patch+json", r#"[{"op":"remove","path":"/spec/nothing"}]"#), 422, "Invalid"),
        (raw_patch("text/plain", "{}"), 415, "UnsupportedMediaType"),
        (http::Request::get("/api/v1/widgets").body(vec![]).unwrap(), 404, "NotFound"),
        (http::Request::get("/api/v1/nodes?labelSelector=a%20in%20(b").body(vec![]).unwrap(), 400, "BadRequest"),
        (http::Request::get("/api/v1/nodes?fieldSelector=spec.nodeName%3Dx").body(vec![]).unwrap(), 400, "BadRequest"),
        (http::Request::get("/api/v1/nodes?limit=2&continue=Zm9v").body(vec![]).unwrap(), 400, "BadRequest"),
    ];
    for (request, code, reason) in cases {
        let what = format!("{} {}", request.method(), request.uri());
        let (got_code, got_reason) = status(client.request::<serde_json::Value>(request).await);
        assert_eq!((got_code, got_reason.as_str()), (code, reason), "{what}");
    }
    assert_eq!(status(nodes.get("node-9999").await), (404, "NotFound".into()));
    assert_eq!(sim.store().list(Resource::Nodes), before, "no bad request changed the store");
    sim.shutdown().await;
}

#[tokio::test]
async fn anonymous_requests_are_forbidden_bad_tokens_unauthorized_and_the_viewer_only_reads() {
    let config = sim::Config { token: Some("s3cret".into()), read_only_token: Some("peek".into()), ..quiet(2) };
    let sim = Simulator::start(config).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    assert_eq!(nodes.list(&ListParams::default()).await.unwrap().items.len(), 2, "the kubeconfig carries the token");

    let with_token = |token: Option<&str>| {
        let mut config = kube::Config::new(sim.url().parse().unwrap());
        config.auth_info.token = token.map(|token| token.to_owned().into());
        Api::<Node>::all(kube::Client::try_from(config).unwrap())
    };
    let forbidden = |result: kube::Result<_>| match result {
        Err(kube::Error::Api(status)) => (status.code, status.message),
        other => panic!("expected a Status, got {other:?}"),
    };
    assert_eq!(
        forbidden(with_token(None).list(&ListParams::default()).await.map(drop)),
        (
            403,
            "nodes is forbidden: User \"system:anonymous\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
                .to_owned()
        )
    );
    assert_eq!(status(with_token(Some("guess")).list(&ListParams::default()).await), (401, "Unauthorized".into()));

    let viewer = with_token(Some("peek"));
    assert_eq!(viewer.list(&ListParams::default()).await.unwrap().items.len(), 2);
    let cordon = Patch::Merge(json!({"spec": {"unschedulable": true}}));
    assert_eq!(
        forbidden(viewer.patch("node-0001", &PatchParams::default(), &cordon).await.map(drop)),
        (
            403,
            "nodes \"node-0001\" is forbidden: User \"viewer\" cannot patch resource \"nodes\" in API group \"\" at the cluster scope"
                .to_owned()
        )
    );
    assert!(sim.store().get(Resource::Nodes, "node-0001").unwrap()["spec"].get("unschedulable").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn watcher_follows_churn_without_errors() {
    let config = sim::Config { churn: 200.0, heartbeat_secs: 1.0, ..quiet(20) };
    let sim = Simulator::start(config).await.unwrap();
    let nodes: Api<Node> = Api::all(client(&sim).await);
    let changes = watcher(nodes, watcher::Config::default())
        .try_filter(|event| std::future::ready(matches!(event, watcher::Event::Apply(_) | watcher::Event::Delete(_))))
        .take(100)
        .try_collect::<Vec<_>>();
    let changes = tokio::time::timeout(WAIT, changes).await.expect("100 changes in time").unwrap();
    assert_eq!(changes.len(), 100);
    sim.shutdown().await;
}
