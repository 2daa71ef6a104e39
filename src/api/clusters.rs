//! Registering, listing and unregistering clusters.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::types::{ClusterInfo, RegisterCluster};
use super::{Principal, Tag, error::Result};
use crate::app::{App, Cluster, Origin};
use crate::cache::Snapshot;
use crate::source;

#[derive(ApiResponse)]
pub enum Registered {
    /// Registered; the first list runs in the background (`ready` turns true when it completes).
    #[oai(status = 201)]
    Created(Json<ClusterInfo>),
}

#[derive(ApiResponse)]
pub enum Unregistered {
    /// The watcher is stopped and the cluster's data dropped.
    #[oai(status = 204)]
    Gone,
}

pub struct ClustersApi;

#[OpenApi(tag = "Tag::Clusters")]
impl ClustersApi {
    /// List the watched clusters
    #[oai(path = "/api/v1/clusters", method = "get", operation_id = "listClusters")]
    async fn list(&self, app: Data<&App>, principal: Data<&Principal>) -> Json<Vec<ClusterInfo>> {
        Json(principal.visible_clusters(&app).iter().map(|c| info(c, &c.snapshot())).collect())
    }

    /// Register a cluster (operator)
    ///
    /// The kubeconfig travels in the body. It must not make the server run
    /// anything: exec plugins and auth providers are refused with a 400 unless
    /// the server allows them (`api.allow_exec_credentials`), and so are
    /// references to files on the server.
    #[oai(path = "/api/v1/clusters", method = "post", operation_id = "registerCluster")]
    async fn register(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        body: Json<RegisterCluster>,
    ) -> Result<Registered> {
        principal.may_operate(None)?;
        let allow_exec = app.config().api.allow_exec_credentials;
        let client = source::client_from_content(&body.kubeconfig, body.context.as_deref(), allow_exec)
            .await
            .map_err(|error| crate::app::Error::Source { name: body.name.clone(), source: error })?;
        let cluster = app.register(&body.name, Origin::Api, client)?;
        Ok(Registered::Created(Json(info(&cluster, &cluster.snapshot()))))
    }

    /// Unregister a cluster (operator)
    #[oai(path = "/api/v1/clusters/:name", method = "delete", operation_id = "unregisterCluster")]
    async fn unregister(
        &self,
        app: Data<&App>,
        principal: Data<&Principal>,
        name: Path<String>,
    ) -> Result<Unregistered> {
        principal.may_operate(Some(&name.0))?;
        app.unregister(&name.0).await?;
        Ok(Unregistered::Gone)
    }
}

fn origin_name(origin: Origin) -> String {
    match origin {
        Origin::Config => "config",
        Origin::Api => "api",
        Origin::Simulator => "simulator",
    }
    .to_owned()
}

pub(super) fn info(cluster: &Cluster, snapshot: &Snapshot) -> ClusterInfo {
    ClusterInfo {
        name: cluster.name.clone(),
        origin: origin_name(cluster.origin),
        ready: snapshot.ready,
        nodes: snapshot.nodes.len() as u64,
        seq: snapshot.seq,
    }
}
