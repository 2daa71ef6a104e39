//! Draining a node as `kubectl drain` does it: cordon, list the node's pods,
//! refuse (before evicting anything) when a pod cannot go under the options
//! given, evict the rest through `policy/v1` Eviction, asking again after a
//! backoff while a disruption budget says no (429), and wait until each is
//! gone. A cancel stops the evictions and leaves the node cordoned.

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, EvictParams, PostParams};
use tokio::time::Instant;

use super::operation::{DrainOptions, NodeState, PodProgress, PodState, Tracked};
use super::{Audit, FailureKind, Write, pods, set_cordon, timed};

/// Pods evicted at once, per node.
const EVICTION_CONCURRENCY: usize = 16;
/// The first wait after a budget refused an eviction; it doubles up to [`BLOCKED_BACKOFF_MAX`].
const BLOCKED_BACKOFF_FIRST: Duration = Duration::from_millis(500);
/// kubectl asks again every 5 s; nodecast never waits longer than that.
const BLOCKED_BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How often an evicted pod is looked for until it is gone (kubectl's interval).
const GONE_POLL: Duration = Duration::from_secs(1);

/// What the options say about one pod before anything is evicted.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Evict,
    Skip(&'static str),
    Refuse(&'static str),
}

/// kubectl's filters, in kubectl's order, with its messages. A DaemonSet pod
/// is taken to belong to a live DaemonSet: kubectl also looks the DaemonSet up
/// and, with `force`, deletes the pods of one that is gone.
fn verdict(pod: &Pod, options: &DrainOptions) -> Verdict {
    let finished = pod
        .status
        .as_ref()
        .and_then(|status| status.phase.as_deref())
        .is_some_and(|phase| phase == "Succeeded" || phase == "Failed");
    let controller = pods::controller(pod);
    if controller.is_some_and(|owner| owner.kind == "DaemonSet") && !finished {
        if !options.ignore_daemonsets {
            return Verdict::Refuse("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)");
        }
        return Verdict::Skip("ignoring DaemonSet-managed Pods");
    }
    if pod
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|annotations| annotations.contains_key("kubernetes.io/config.mirror"))
    {
        return Verdict::Skip("a mirror pod: its kubelet runs it from a file");
    }
    let local_storage = pod
        .spec
        .as_ref()
        .and_then(|spec| spec.volumes.as_ref())
        .is_some_and(|volumes| volumes.iter().any(|volume| volume.empty_dir.is_some()));
    if local_storage && !finished && !options.delete_emptydir_data {
        return Verdict::Refuse("cannot delete Pods with local storage (use --delete-emptydir-data to override)");
    }
    if controller.is_none() && !finished && !options.force {
        return Verdict::Refuse("cannot delete Pods that declare no controller (use --force to override)");
    }
    Verdict::Evict
}

/// Drains node `index` of the operation `tracked`. Returns the node's end
/// state; the node's and its pods' progress is kept in `tracked` as it goes.
pub async fn drain_node(client: &kube::Client, tracked: &Tracked, index: usize, audit: &Audit) -> NodeState {
    let operation = tracked.get();
    let (node, options) = (operation.nodes[index].node.clone(), operation.options);
    let write = Write::from_dry_run(options.dry_run);
    let deadline = (options.timeout_seconds > 0).then(|| Instant::now() + Duration::from_secs(options.timeout_seconds));
    let set_node = |state: NodeState, message: Option<String>| {
        tracked.update(|operation| {
            let progress = &mut operation.nodes[index];
            progress.state = state;
            progress.message = message;
        })
    };
    set_node(NodeState::Cordoning, None);
    if let Err(failure) = set_cordon(client, &node, Some(audit), write).await {
        set_node(NodeState::Failed, Some(format!("cordon failed: {failure}")));
        return NodeState::Failed;
    }
    let pods = match pods::node_pods(client, &node).await {
        Ok(pods) => pods,
        Err(failure) => {
            set_node(NodeState::Failed, Some(format!("listing its pods failed: {failure}")));
            return NodeState::Failed;
        }
    };
    let verdicts: Vec<(Pod, Verdict)> = pods
        .into_iter()
        .map(|pod| {
            let verdict = verdict(&pod, &options);
            (pod, verdict)
        })
        .collect();
    let refused: Vec<String> = verdicts
        .iter()
        .filter_map(|(pod, verdict)| match verdict {
            Verdict::Refuse(why) => Some(format!("{why}: {}", pod_key(pod))),
            _ => None,
        })
        .collect();
    tracked.update(|operation| {
        operation.nodes[index].pods = verdicts
            .iter()
            .map(|(pod, verdict)| PodProgress {
                namespace: pod.metadata.namespace.clone().unwrap_or_default(),
                name: pod.metadata.name.clone().unwrap_or_default(),
                state: match verdict {
                    Verdict::Evict => PodState::Pending,
                    Verdict::Skip(_) => PodState::Skipped,
                    Verdict::Refuse(_) => PodState::Failed,
                },
                message: match verdict {
                    Verdict::Evict => None,
                    Verdict::Skip(why) | Verdict::Refuse(why) => Some((*why).to_owned()),
                },
                attempts: 0,
            })
            .collect();
    });
    if !refused.is_empty() {
        // As kubectl does: nothing is evicted while any pod cannot be.
        set_node(NodeState::Failed, Some(refused.join("; ")));
        return NodeState::Failed;
    }
    set_node(NodeState::Evicting, None);
    // Collected first: a lazy iterator of futures borrowing `verdicts` would not be `Send`.
    let evictions: Vec<_> = verdicts
        .iter()
        .enumerate()
        .filter(|(_, (_, verdict))| *verdict == Verdict::Evict)
        .map(|(pod_index, (pod, _))| evict(client, tracked, index, pod_index, pod, &options, deadline))
        .collect();
    let outcomes: Vec<PodState> =
        futures::stream::iter(evictions).buffer_unordered(EVICTION_CONCURRENCY).collect().await;
    let left = outcomes.iter().filter(|state| !matches!(state, PodState::Gone | PodState::WouldEvict)).count();
    let (state, message) = if tracked.cancellation().is_cancelled() {
        (NodeState::Cancelled, Some(format!("cancelled with {left} pods left; the node stays cordoned")))
    } else if left > 0 {
        (NodeState::Failed, Some(format!("{left} of {} pods did not leave", outcomes.len())))
    } else {
        (NodeState::Drained, None)
    };
    set_node(state, message);
    state
}

fn pod_key(pod: &Pod) -> String {
    format!(
        "{}/{}",
        pod.metadata.namespace.as_deref().unwrap_or_default(),
        pod.metadata.name.as_deref().unwrap_or_default()
    )
}

/// Evicts one pod, asking again while a budget refuses, then waits until it is
/// gone; returns the pod's end state.
async fn evict(
    client: &kube::Client,
    tracked: &Tracked,
    node: usize,
    pod_index: usize,
    pod: &Pod,
    options: &DrainOptions,
    deadline: Option<Instant>,
) -> PodState {
    let set = |state: PodState, message: Option<String>, attempted: bool| {
        tracked.update(|operation| {
            let progress = &mut operation.nodes[node].pods[pod_index];
            progress.state = state;
            progress.message = message;
            progress.attempts += u32::from(attempted);
        });
        state
    };
    let name = pod.metadata.name.clone().unwrap_or_default();
    let subject = format!("pod {:?}", pod_key(pod));
    let api: Api<Pod> = Api::namespaced(client.clone(), pod.metadata.namespace.as_deref().unwrap_or_default());
    let params = EvictParams {
        delete_options: options
            .grace_period_seconds
            .map(|grace| DeleteParams { grace_period_seconds: Some(grace), ..DeleteParams::default() }),
        post_options: PostParams { dry_run: options.dry_run, ..PostParams::default() },
    };
    let cancel = tracked.cancellation();
    let mut backoff = BLOCKED_BACKOFF_FIRST;
    loop {
        if cancel.is_cancelled() {
            return set(PodState::Pending, Some("not evicted: the drain was cancelled".into()), false);
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return set(PodState::Failed, Some(format!("timed out after {} s", options.timeout_seconds)), false);
        }
        set(PodState::Evicting, None, false);
        match timed(&subject, api.evict(&name, &params)).await {
            Ok(_) if options.dry_run => return set(PodState::WouldEvict, None, true),
            Ok(_) => break,
            Err(failure) if failure.kind == FailureKind::NotFound => return set(PodState::Gone, None, true),
            Err(failure) if failure.kind == FailureKind::Blocked => {
                set(PodState::Blocked, Some(failure.message), true);
                let wake = Instant::now() + backoff;
                let wake = deadline.map_or(wake, |deadline| wake.min(deadline));
                tokio::select! {
                    () = tokio::time::sleep_until(wake) => {}
                    () = cancel.cancelled() => {}
                }
                backoff = (backoff * 2).min(BLOCKED_BACKOFF_MAX);
            }
            Err(failure) => return set(PodState::Failed, Some(failure.message), true),
        }
    }
    set(PodState::Terminating, None, true);
    let uid = pod.metadata.uid.clone();
    loop {
        // A pod of the same name with another uid is a new pod, not the evicted one.
        match timed(&subject, api.get_opt(&name)).await {
            Ok(None) => return set(PodState::Gone, None, false),
            Ok(Some(current)) if current.metadata.uid != uid => return set(PodState::Gone, None, false),
            Ok(Some(_)) | Err(_) => {}
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return set(
                PodState::Failed,
                Some(format!("still terminating after {} s", options.timeout_seconds)),
                false,
            );
        }
        tokio::time::sleep(GONE_POLL).await;
    }
}
