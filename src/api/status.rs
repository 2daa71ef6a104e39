//! Watch state, cache statistics, forced re-lists, health and readiness.

use std::collections::BTreeMap;

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::clusters::info;
use super::types::{CacheStats, ClusterStatus, Health, RealtimeStatus, RefreshAccepted, ResourceStats, WatchState};
use super::{Error, Tag, error::Result};
use crate::app::{self, App};
use crate::auth::Principal;

#[derive(ApiResponse)]
pub enum Refresh {
    /// The cluster's watcher is restarting with a complete list.
    #[oai(status = 202)]
    Accepted(Json<RefreshAccepted>),
}

#[derive(ApiResponse)]
pub enum Readiness {
    /// Every cluster has completed its first list.
    #[oai(status = 200)]
    Ready(Json<Health>),
    /// Some cluster has not; they are named.
    #[oai(status = 503)]
    NotReady(Json<Health>),
}

#[derive(Default)]
pub struct StatusApi;

#[OpenApi]
impl StatusApi {
    /// Watch state of every cluster
    #[oai(path = "/api/v1/realtime/status", method = "get", operation_id = "realtimeStatus", tag = "Tag::Realtime")]
    async fn realtime(&self, app: Data<&App>, principal: Data<&Principal>) -> Result<Json<RealtimeStatus>> {
        let clusters = super::visible_clusters(&app, &principal)
            .into_iter()
            .map(|cluster| {
                let snapshot = cluster.snapshot();
                let status = cluster.status();
                ClusterStatus {
                    cluster: info(&cluster, &snapshot),
                    last_event_time: snapshot.last_event,
                    watch_state: match status.state {
                        app::WatchState::Listing => WatchState::Listing,
                        app::WatchState::Watching => WatchState::Watching,
                        app::WatchState::Reconnecting => WatchState::Reconnecting,
                    },
                    watch_state_since: status.since,
                    reconnect_attempts: status.attempts,
                    last_contact_time: status.last_contact,
                    watcher_restarts: status.watcher_restarts,
                    relists: status.relists,
                    last_error: status.last_error,
                    last_error_time: status.last_error_at,
                    last_failure: status.last_failure,
                    last_failure_time: status.last_failure_at,
                    subscribers: cluster.subscribers() as u64,
                }
            })
            .collect();
        Ok(Json(RealtimeStatus { epoch: app.epoch().to_owned(), clusters }))
    }

    /// Force a re-list of one cluster (operator)
    #[oai(path = "/api/v1/cache/refresh", method = "post", operation_id = "refreshCache", tag = "Tag::Realtime")]
    async fn refresh(&self, app: Data<&App>, principal: Data<&Principal>, cluster: Query<String>) -> Result<Refresh> {
        principal.may_operate(Some(&cluster.0))?;
        let found = app.cluster(&cluster.0).ok_or_else(|| Error::unknown_cluster(&cluster.0))?;
        found.refresh();
        Ok(Refresh::Accepted(Json(RefreshAccepted { cluster: found.name.clone(), relists: found.status().relists })))
    }

    /// Cache statistics
    #[oai(path = "/api/cache/stats", method = "get", operation_id = "cacheStats", tag = "Tag::Realtime")]
    async fn stats(&self, app: Data<&App>, principal: Data<&Principal>) -> Result<Json<CacheStats>> {
        let mut resource_stats = BTreeMap::new();
        let mut last_update = None;
        for cluster in super::visible_clusters(&app, &principal) {
            let snapshot = cluster.snapshot();
            last_update = last_update.max(snapshot.last_event);
            resource_stats.insert(
                format!("{}/v1/nodes", cluster.name),
                ResourceStats {
                    object_count: snapshot.nodes.len() as u64,
                    namespace_count: 0,
                    last_sync: snapshot.last_list.map(|list| list.at),
                    sync_duration: snapshot.last_list.map(|list| format!("{:.3}s", list.took.as_secs_f64())),
                    ready: snapshot.ready,
                },
            );
        }
        Ok(Json(CacheStats {
            active_informers: resource_stats.len() as u64,
            total_objects: resource_stats.values().map(|s| s.object_count).sum(),
            resource_stats,
            last_update,
        }))
    }

    /// The live dashboard (a page, not part of the API)
    #[oai(path = "/", method = "get", hidden = true)]
    async fn dashboard(&self) -> poem_openapi::payload::Html<&'static str> {
        poem_openapi::payload::Html(crate::hub::DASHBOARD)
    }

    /// Liveness
    #[oai(path = "/healthz", method = "get", operation_id = "healthz", tag = "Tag::Operations")]
    async fn healthz(&self) -> Json<Health> {
        Json(Health { status: "ok".to_owned(), waiting_for: Vec::new() })
    }

    /// Readiness: every cluster has completed its first list
    #[oai(path = "/readyz", method = "get", operation_id = "readyz", tag = "Tag::Operations")]
    async fn readyz(&self, app: Data<&App>) -> Readiness {
        let waiting_for: Vec<String> =
            app.clusters().iter().filter(|c| !c.snapshot().ready).map(|c| c.name.clone()).collect();
        if waiting_for.is_empty() {
            Readiness::Ready(Json(Health { status: "ok".to_owned(), waiting_for }))
        } else {
            Readiness::NotReady(Json(Health { status: "not ready".to_owned(), waiting_for }))
        }
    }
}
