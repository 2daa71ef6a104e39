//! Registering, listing and unregistering clusters.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::types::{ClusterInfo, ClusterOrigin, RegisterCluster};
use super::{Tag, error::Result};
use crate::app::{App, Cluster, Origin};
use crate::auth::Principal;
use crate::cache::Snapshot;

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

#[derive(Default)]
pub struct ClustersApi;

#[OpenApi(tag = "Tag::Clusters")]
impl ClustersApi {
    /// List the watched clusters
    #[oai(path = "/api/v1/clusters", method = "get", operation_id = "listClusters")]
    async fn list(&self, app: Data<&App>, principal: Data<&Principal>) -> Result<Json<Vec<ClusterInfo>>> {
        Ok(Json(super::visible_clusters(&app, &principal).iter().map(|c| info(c, &c.snapshot())).collect()))
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
        let cluster =
            app.register_kubeconfig(&body.name, &body.kubeconfig, body.context.as_deref(), Origin::Api).await?;
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

pub(super) fn info(cluster: &Cluster, snapshot: &Snapshot) -> ClusterInfo {
    ClusterInfo {
        name: cluster.name.clone(),
        origin: match cluster.origin {
            Origin::Config => ClusterOrigin::Config,
            Origin::Api => ClusterOrigin::Api,
            Origin::Simulator => ClusterOrigin::Simulator,
        },
        ready: snapshot.ready,
        stale: snapshot.stale,
        nodes: snapshot.nodes.len() as u64,
        seq: snapshot.seq,
    }
}
