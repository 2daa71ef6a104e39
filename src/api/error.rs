//! The API's one error type, mapped once to an HTTP status and a JSON body
//! `{"code": "...", "message": "..."}`.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::{app, auth};

/// The body of every error response.
#[derive(Debug, Clone, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ErrorBody {
    /// Stable, machine-readable: `bad_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `conflict`, `cluster_not_ready`, `timeout`, `failed`.
    pub code: String,
    /// What went wrong, for people: it names the parameter, cluster or node.
    pub message: String,
}

#[derive(Debug, ApiResponse)]
pub enum Error {
    /// A parameter, selector or body is invalid; the message names it.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No valid bearer token.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The token's role or cluster patterns do not allow this.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such cluster or node.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The cluster already exists, or the node changed while it was being written.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The request has a body that is not `application/json`, or none at all.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// The cluster's API server failed the call.
    #[oai(status = 502)]
    BadGateway(Json<ErrorBody>),
    /// The cluster's API server did not answer in time.
    #[oai(status = 504)]
    GatewayTimeout(Json<ErrorBody>),
    /// Not now: the cluster has not completed its first list yet, or the server
    /// is at its connection limit; retry after the given seconds.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>, #[oai(header = "Retry-After")] u32),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn body(code: &str, message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody { code: code.to_owned(), message: message.into() })
}

impl Error {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::BadRequest(body("bad_request", message))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Error::Unauthorized(body("unauthorized", message))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(body("forbidden", message))
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict(body("conflict", message))
    }

    pub fn bad_gateway(message: impl Into<String>) -> Self {
        Error::BadGateway(body("failed", message))
    }

    pub fn gateway_timeout(message: impl Into<String>) -> Self {
        Error::GatewayTimeout(body("timeout", message))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Error::NotFound(body("not_found", message))
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Error::UnsupportedMediaType(body("unsupported_media_type", message))
    }

    pub fn unknown_cluster(name: &str) -> Self {
        Self::not_found(format!("no cluster named {name:?}"))
    }

    pub fn unknown_node(cluster: &str, node: &str) -> Self {
        Self::not_found(format!("no node {node:?} in cluster {cluster:?}"))
    }

    pub fn not_ready(cluster: &str) -> Self {
        Error::Unavailable(
            body("cluster_not_ready", format!("cluster {cluster:?} has not completed its first list yet")),
            1,
        )
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Error::Unavailable(body("unavailable", message), 5)
    }

    /// The message of the error body.
    pub fn message(&self) -> String {
        match self {
            Error::BadRequest(body)
            | Error::Unauthorized(body)
            | Error::Forbidden(body)
            | Error::NotFound(body)
            | Error::Conflict(body)
            | Error::UnsupportedMediaType(body)
            | Error::BadGateway(body)
            | Error::GatewayTimeout(body)
            | Error::Unavailable(body, _) => body.message.clone(),
        }
    }
}

impl From<app::Error> for Error {
    fn from(error: app::Error) -> Self {
        let message = std::iter::successors(Some(&error as &dyn std::error::Error), |e| e.source())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": ");
        match error {
            app::Error::AlreadyRegistered(_) => Error::conflict(message),
            app::Error::UnknownCluster(_) => Error::not_found(message),
            app::Error::InvalidName(_)
            | app::Error::Source { .. }
            | app::Error::Plugins(_)
            | app::Error::Reconfigure(_) => Error::bad_request(message),
            app::Error::FilterStage { .. } => Error::unavailable(message),
        }
    }
}

impl From<crate::cache::query::InvalidParameter> for Error {
    fn from(invalid: crate::cache::query::InvalidParameter) -> Self {
        Error::bad_request(invalid.to_string())
    }
}

impl From<auth::Denied> for Error {
    fn from(denied: auth::Denied) -> Self {
        match denied {
            auth::Denied::Unauthenticated(message) => Error::unauthorized(message),
            auth::Denied::Forbidden(message) => Error::forbidden(message),
        }
    }
}

/// Errors poem-openapi raises before a handler runs (a query parameter of the
/// wrong type, a malformed JSON body), in the same JSON shape.
pub fn from_framework(error: poem::Error) -> poem::Response {
    if error.is_from_response() {
        return error.into_response();
    }
    let status = error.status();
    let message = error.to_string();
    let documented = match status.as_u16() {
        400 => Error::bad_request(message),
        401 => Error::unauthorized(message),
        404 => Error::not_found(message),
        415 => Error::unsupported_media_type(message),
        other => {
            let code = match other {
                405 => "method_not_allowed",
                413 => "payload_too_large",
                _ => "error",
            };
            let body =
                serde_json::to_vec(&ErrorBody { code: code.to_owned(), message }).expect("an error body serializes");
            return poem::Response::builder().status(status).content_type("application/json; charset=utf-8").body(body);
        }
    };
    poem::IntoResponse::into_response(documented)
}
