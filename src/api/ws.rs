//! The WebSocket hub's REST side: statistics, a health check, and a test push.

use std::collections::BTreeMap;

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{Error, Tag, error::Result};
use crate::app::App;
use crate::auth::Principal;
use crate::hub::messages;

/// Connection and traffic counters of the WebSocket hub.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WsStats {
    pub connections: u64,
    pub connections_total: u64,
    /// Upgrades refused (auth, origin, limits, bad parameters).
    pub refused: u64,
    /// Sessions per cluster.
    pub subscribers: BTreeMap<String, u64>,
    pub messages_sent: u64,
    pub bytes_sent: u64,
    pub resyncs: u64,
    /// Sessions closed for being too slow.
    pub slow_client_drops: u64,
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WsPing {
    pub status: String,
    pub epoch: String,
    pub connections: u64,
}

/// A message to push to one cluster's subscribers.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WsTestMessage {
    pub message: String,
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WsTestResult {
    pub cluster: String,
    /// Sessions it was queued for.
    pub delivered_to: u64,
}

#[derive(ApiResponse)]
pub enum Pushed {
    #[oai(status = 200)]
    Ok(Json<WsTestResult>),
}

#[derive(Default)]
pub struct WsApi;

#[OpenApi(tag = "Tag::Realtime")]
impl WsApi {
    /// WebSocket statistics
    #[oai(path = "/api/v1/ws/stats", method = "get", operation_id = "wsStats")]
    async fn stats(&self, app: Data<&App>, principal: Data<&Principal>) -> Result<Json<WsStats>> {
        let hub = app.hub();
        let stats = hub.stats.counts();
        let subscribers = hub
            .rooms()
            .iter()
            .filter(|room| principal.may_view(&room.name).is_ok())
            .map(|room| (room.name.to_string(), room.subscribers() as u64))
            .collect();
        Ok(Json(WsStats {
            connections: stats.connections,
            connections_total: stats.connections_total,
            refused: stats.refused,
            subscribers,
            messages_sent: stats.messages_sent,
            bytes_sent: stats.bytes_sent,
            resyncs: stats.resyncs,
            slow_client_drops: stats.slow_client_drops,
        }))
    }

    /// WebSocket hub health
    #[oai(path = "/api/v1/ws/ping", method = "get", operation_id = "wsPing")]
    async fn ping(&self, app: Data<&App>) -> Result<Json<WsPing>> {
        Ok(Json(WsPing {
            status: "ok".to_owned(),
            epoch: app.epoch().to_owned(),
            connections: app.hub().stats.counts().connections,
        }))
    }

    /// Push a test message to one cluster's subscribers (operator)
    #[oai(path = "/api/v1/ws/test", method = "post", operation_id = "wsTest")]
    async fn test(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        cluster: Query<String>,
        body: Json<WsTestMessage>,
    ) -> Result<Pushed> {
        principal.may_operate(Some(&cluster.0))?;
        let delivered = app
            .hub()
            .notify(&cluster.0, messages::test(&cluster.0, &body.message))
            .ok_or_else(|| Error::unknown_cluster(&cluster.0))?;
        Ok(Pushed::Ok(Json(WsTestResult { cluster: cluster.0.clone(), delivered_to: delivered as u64 })))
    }
}
