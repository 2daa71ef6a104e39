//! Logs: tracing, human-readable by default or one JSON object per line.
//! `RUST_LOG`, when set, takes precedence over the configured level.

use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;

/// Settings of the logs (`[log]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `text` for people, `json` for log collectors.
    pub format: Format,
    /// A level (`info`) or a filter directive (`nodecast=debug,kube=warn`).
    pub level: String,
}

impl Default for Config {
    fn default() -> Self {
        Self { format: Format::Text, level: "info".to_owned() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Json,
}

impl Config {
    pub fn validate(&self) -> Result<(), (String, String)> {
        const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
        let invalid = |why: String| {
            (
                "log.level".to_owned(),
                format!("is not a level ({}) or a filter like `nodecast=debug`: {why}", LEVELS.join(", ")),
            )
        };
        for directive in self.level.split(',').map(str::trim) {
            let level = directive.rsplit_once('=').map_or(directive, |(_, level)| level);
            if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
                return Err(invalid(format!("{level:?} is not a level")));
            }
        }
        EnvFilter::try_new(&self.level).map(drop).map_err(|e| invalid(e.to_string()))
    }
}

/// Installs the global subscriber; later calls (as in tests) leave the first one in place.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match config.format {
        Format::Text => builder.try_init(),
        Format::Json => builder.json().try_init(),
    };
}
