//! The audit log: one structured event per mutating call, written to the
//! logs (target `nodecast::audit`) and kept, the newest [`AUDIT_KEPT`], for
//! `GET /api/v1/audit`. In memory only, as operations are: the logs are the
//! record that outlives a restart.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use poem_openapi::Object;
use serde::Serialize;

/// Events kept for reading.
pub const AUDIT_KEPT: usize = 1000;

/// One mutating call and what came of it.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    /// The token's name, `anonymous` with auth off, `unauthenticated` when none was valid.
    pub principal: String,
    /// The API operation, as the OpenAPI document names it (`batchCordon`), or the method and path.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// What it acted on: nodes, a cluster, an operation.
    pub targets: Vec<String>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// It did all it was asked to.
    pub ok: bool,
    /// What happened: the error, how many nodes succeeded, the operation started.
    pub result: String,
}

#[derive(Default)]
pub struct AuditLog {
    events: Mutex<VecDeque<AuditEvent>>,
}

impl AuditLog {
    pub fn record(&self, event: AuditEvent) {
        tracing::info!(
            target: "nodecast::audit",
            principal = %event.principal,
            action = %event.action,
            cluster = event.cluster.as_deref().unwrap_or_default(),
            targets = %event.targets.join(","),
            status = event.status,
            ok = event.ok,
            result = %event.result,
            "audit"
        );
        let mut events = self.events.lock();
        if events.len() == AUDIT_KEPT {
            events.pop_front();
        }
        events.push_back(event);
    }

    /// The newest `limit` events, newest first.
    pub fn recent(&self, limit: usize) -> Vec<AuditEvent> {
        self.events.lock().iter().rev().take(limit).cloned().collect()
    }
}
