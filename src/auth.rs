//! Who may do what: bearer tokens, their roles and cluster patterns, and the
//! [`Principal`] a request acts as. A leaf: it knows nothing of HTTP; the
//! server reads the token off the request and the API turns a [`Denied`] into
//! its 401 or 403.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;

/// Bearer-token authentication (`[api.auth]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Off only when said so; off is refused on a non-loopback address unless
    /// `allow_unauthenticated_remote` says so too.
    pub enabled: bool,
    pub allow_unauthenticated_remote: bool,
    pub tokens: Vec<TokenConfig>,
}

/// A bearer token (`[[api.auth.tokens]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Who holds it, for logs.
    pub name: String,
    pub token: String,
    pub role: Role,
    /// Cluster name patterns it may see (`*` matches any run of characters).
    #[serde(default = "every_cluster")]
    pub clusters: Vec<String>,
}

fn every_cluster() -> Vec<String> {
    vec!["*".to_owned()]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads nodes, clusters and status.
    Viewer,
    /// Also registers and unregisters clusters, forces re-lists, and manages plugins.
    Operator,
}

/// Why a request may not go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// No token, or one this server does not know (HTTP 401).
    #[error("{0}")]
    Unauthenticated(String),
    /// A known token outside its role or clusters (HTTP 403).
    #[error("{0}")]
    Forbidden(String),
}

impl Config {
    /// Checks what serde cannot; the error names the key.
    pub fn validate(&self, listen: std::net::SocketAddr) -> Result<(), (String, String)> {
        if self.enabled && self.tokens.is_empty() {
            return Err((
                "api.auth.tokens".into(),
                "is empty, but api.auth.enabled = true: no one could call the API".into(),
            ));
        }
        if !self.enabled && !listen.ip().is_loopback() && !self.allow_unauthenticated_remote {
            return Err((
                "api.auth.enabled".into(),
                format!(
                    "is false while api.listen ({listen}) is not a loopback address; enable auth with tokens, \
                     or set api.auth.allow_unauthenticated_remote = true to serve everyone on purpose"
                ),
            ));
        }
        for (index, token) in self.tokens.iter().enumerate() {
            if token.token.len() < 16 {
                return Err((format!("api.auth.tokens[{index}].token"), "must be at least 16 characters".into()));
            }
        }
        Ok(())
    }

    /// The principal a request acts as, given the bearer token it presented.
    pub fn authenticate(&self, presented: Option<&str>) -> Result<Principal, Denied> {
        if !self.enabled {
            return Ok(Principal::Anyone);
        }
        let presented = presented.ok_or_else(|| Denied::Unauthenticated("missing bearer token".into()))?;
        // Every configured token is compared, in constant time, so the answer's
        // timing tells nothing about how close a guess came.
        let mut found = None;
        for token in &self.tokens {
            if bool::from(token.token.as_bytes().ct_eq(presented.as_bytes())) {
                found = Some(token);
            }
        }
        found
            .map(|token| Principal::Token {
                name: token.name.clone(),
                role: token.role,
                clusters: token.clusters.clone(),
            })
            .ok_or_else(|| Denied::Unauthenticated("unknown bearer token".into()))
    }
}

/// Who is calling, as authentication established it.
#[derive(Debug, Clone)]
pub enum Principal {
    /// Auth is off: everything is allowed.
    Anyone,
    Token {
        name: String,
        role: Role,
        clusters: Vec<String>,
    },
}

impl Principal {
    /// Who acts, as node operations record it: the token's name, or `anonymous` with auth off.
    pub fn name(&self) -> &str {
        match self {
            Principal::Anyone => "anonymous",
            Principal::Token { name, .. } => name,
        }
    }

    /// May read `cluster`.
    pub fn may_view(&self, cluster: &str) -> Result<(), Denied> {
        match self {
            Principal::Anyone => Ok(()),
            Principal::Token { clusters, .. } if clusters.iter().any(|pattern| glob_match(pattern, cluster)) => Ok(()),
            Principal::Token { name, .. } => {
                Err(Denied::Forbidden(format!("token {name:?} may not access cluster {cluster:?}")))
            }
        }
    }

    /// May change `cluster` (or, with `None`, the set of clusters).
    pub fn may_operate(&self, cluster: Option<&str>) -> Result<(), Denied> {
        if let Principal::Token { name, role: Role::Viewer, .. } = self {
            return Err(Denied::Forbidden(format!("token {name:?} has the viewer role; this needs operator")));
        }
        match cluster {
            Some(cluster) => self.may_view(cluster),
            None => match self {
                Principal::Token { name, clusters, .. } if !clusters.iter().any(|c| c == "*") => {
                    Err(Denied::Forbidden(format!("token {name:?} is limited to some clusters; this needs all")))
                }
                _ => Ok(()),
            },
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((prefix, rest)) => {
            text.starts_with(prefix)
                && (0..=text.len() - prefix.len())
                    .filter(|&skip| text.is_char_boundary(prefix.len() + skip))
                    .any(|skip| glob_match(rest, &text[prefix.len() + skip..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_stars_anywhere() {
        for (pattern, text, expected) in [
            ("*", "prod", true),
            ("prod-*", "prod-eu", true),
            ("prod-*", "staging", false),
            ("*-eu", "prod-eu", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("exact", "exact", true),
            ("exact", "exactly", false),
        ] {
            assert_eq!(glob_match(pattern, text), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn auth_off_on_a_public_address_is_refused_unless_said_twice() {
        let mut config = Config::default();
        let public = "0.0.0.0:8080".parse().unwrap();
        let (key, _) = config.validate(public).unwrap_err();
        assert_eq!(key, "api.auth.enabled");
        config.allow_unauthenticated_remote = true;
        assert!(config.validate(public).is_ok());
    }

    #[test]
    fn viewer_cannot_operate_and_patterns_limit_clusters() {
        let viewer = Principal::Token { name: "v".into(), role: Role::Viewer, clusters: vec!["prod-*".into()] };
        assert!(viewer.may_view("prod-eu").is_ok());
        assert!(viewer.may_view("staging").is_err());
        assert!(viewer.may_operate(Some("prod-eu")).is_err());
        let operator = Principal::Token { name: "o".into(), role: Role::Operator, clusters: vec!["prod-*".into()] };
        assert!(operator.may_operate(Some("prod-eu")).is_ok());
        assert!(operator.may_operate(None).is_err(), "registering clusters needs every cluster");
    }

    #[test]
    fn only_a_configured_token_authenticates() {
        let token = TokenConfig {
            name: "ops".into(),
            token: "0123456789abcdef".into(),
            role: Role::Operator,
            clusters: every_cluster(),
        };
        let config = Config { enabled: true, tokens: vec![token], ..Config::default() };
        assert!(matches!(
            config.authenticate(Some("0123456789abcdef")),
            Ok(Principal::Token { role: Role::Operator, .. })
        ));
        assert!(matches!(config.authenticate(Some("0123456789abcdeX")), Err(Denied::Unauthenticated(_))));
        assert!(matches!(config.authenticate(Some("0123")), Err(Denied::Unauthenticated(_))));
        assert!(matches!(config.authenticate(None), Err(Denied::Unauthenticated(_))));
        assert!(matches!(Config::default().authenticate(None), Ok(Principal::Anyone)));
    }
}
