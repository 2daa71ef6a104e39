//! The filter stage: each cluster's committed changes go through the plugin
//! chain on a thread of their own, and come out as [`Event`]s carrying the tags
//! the chain gave them.
//!
//! A plugin call may run until its deadline (up to a second). On a thread of
//! its own it holds only its cluster's stream: the async runtime's workers, and
//! with them HTTP, WebSocket sessions and every other cluster, never wait for
//! a plugin. It reads the chain in force (swapped whole on reload) and the
//! committed changes; it never touches the cache, and knows nothing of who
//! consumes its events.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use arc_swap::ArcSwap;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::cache::Change;
use crate::plugin::{Chain, Runner};

/// A committed change the chain decided to broadcast.
#[derive(Debug, Clone)]
pub struct Event {
    pub change: Arc<Change>,
    /// Tags the plugin chain added, in chain order.
    pub tags: Vec<(String, String)>,
}

/// What the stage hands downstream.
#[derive(Debug, Clone)]
pub enum Output {
    Event(Event),
    /// The stage fell this many changes behind the pipeline and lost them:
    /// consumers must start over from a snapshot.
    Lost(u64),
}

/// What one cluster's filter stage did with its committed changes.
#[derive(Debug, Default)]
pub struct Flow {
    pub committed: AtomicU64,
    pub broadcast: AtomicU64,
    /// Dropped by a plugin decision (or an `on_error = "drop"` failure).
    pub dropped: AtomicU64,
}

/// [`Flow`]'s counters, read at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowCounts {
    pub committed: u64,
    pub broadcast: u64,
    pub dropped: u64,
}

impl Flow {
    pub fn counts(&self) -> FlowCounts {
        FlowCounts {
            committed: self.committed.load(Ordering::Relaxed),
            broadcast: self.broadcast.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }
}

/// The running stage of one cluster; it stops when dropped.
pub struct Stage {
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Stage {
    /// Starts filtering `changes` through the chain in force in `chain`, on a
    /// thread named after the cluster; `deliver` gets every outcome, in order,
    /// on that thread. `observe` gets the time each change spent in the chain.
    pub fn spawn(
        cluster: &str,
        mut changes: broadcast::Receiver<Arc<Change>>,
        chain: Arc<ArcSwap<Chain>>,
        flow: Arc<Flow>,
        observe: impl Fn(std::time::Duration) + Send + 'static,
        mut deliver: impl FnMut(Output) + Send + 'static,
    ) -> std::io::Result<Self> {
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let name = cluster.to_owned();
        // A current-thread runtime only waits for the next change; the calls
        // themselves run synchronously on this thread.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
        let thread = std::thread::Builder::new().name(format!("filter-{cluster}")).spawn(move || {
            let mut runner = Runner::new(&name);
            runtime.block_on(async {
                loop {
                    let received = tokio::select! {
                        () = stopped.cancelled() => return,
                        received = changes.recv() => received,
                    };
                    match received {
                        Ok(change) => {
                            flow.committed.fetch_add(1, Ordering::Relaxed);
                            let started = Instant::now();
                            runner.sync(&chain.load());
                            let verdict = runner.decide(&change);
                            observe(started.elapsed());
                            if verdict.keep {
                                flow.broadcast.fetch_add(1, Ordering::Relaxed);
                                deliver(Output::Event(Event { change, tags: verdict.tags }));
                            } else {
                                flow.dropped.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(missed)) => {
                            tracing::warn!(cluster = %name, missed, "the filter stage fell behind the pipeline");
                            deliver(Output::Lost(missed));
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    }
                }
            });
        })?;
        Ok(Self { stop, thread: Some(thread) })
    }
}

impl Drop for Stage {
    /// Waits for a call in progress to end: it cannot outlive its deadline.
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn change(seq: u64) -> Arc<Change> {
        Change::deleted_at(seq)
    }

    #[test]
    fn an_empty_chain_passes_every_change_in_order() {
        let (sender, receiver) = broadcast::channel(16);
        let (out, outputs) = mpsc::channel();
        let flow = Arc::new(Flow::default());
        let chain = Arc::new(ArcSwap::from_pointee(Chain::default()));
        let stage = Stage::spawn(
            "c",
            receiver,
            chain,
            flow.clone(),
            |_| {},
            move |output| {
                out.send(output).unwrap();
            },
        )
        .unwrap();
        for seq in 1..=3 {
            sender.send(change(seq)).unwrap();
        }
        let seqs: Vec<u64> = (0..3)
            .map(|_| match outputs.recv_timeout(std::time::Duration::from_secs(10)).unwrap() {
                Output::Event(event) => event.change.seq,
                Output::Lost(missed) => panic!("lost {missed}"),
            })
            .collect();
        assert_eq!(seqs, [1, 2, 3]);
        drop(stage);
        assert_eq!(flow.committed.load(Ordering::Relaxed), 3);
        assert_eq!(flow.broadcast.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn a_stage_that_falls_behind_says_how_much_it_lost() {
        let (sender, receiver) = broadcast::channel(2);
        for seq in 1..=5 {
            sender.send(change(seq)).unwrap();
        }
        let (out, outputs) = mpsc::channel();
        let chain = Arc::new(ArcSwap::from_pointee(Chain::default()));
        let _stage = Stage::spawn(
            "c",
            receiver,
            chain,
            Arc::default(),
            |_| {},
            move |output| {
                let _ = out.send(output);
            },
        )
        .unwrap();
        assert!(matches!(outputs.recv_timeout(std::time::Duration::from_secs(10)).unwrap(), Output::Lost(3)));
    }
}
