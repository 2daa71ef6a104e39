//! Configuration: the settings of every module gathered in one tree, and how
//! they are layered. Built-in defaults < `config/nodecast.toml` (or `--config
//! FILE`) < environment variables `NODECAST_…` (nested keys joined by `__`, as in
//! `NODECAST_SIM__NODES=200`) < command-line flags.
//!
//! Unknown keys and values of the wrong type are errors that name the key and
//! the source that set it; values serde accepts but the program cannot use are
//! errors that name the key. This module owns loading only: each module owns the
//! meaning of its own section, and none of them imports this one; only the
//! server (and the binary) does.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::{api, app, hub, plugin, sim, source, telemetry};

/// The file read when no `--config` is given, if it exists.
pub const DEFAULT_FILE: &str = "config/nodecast.toml";
/// Prefix of the environment variables that set configuration keys.
pub const ENV_PREFIX: &str = "NODECAST_";

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Logging (`[log]`).
    pub log: telemetry::Config,
    /// The HTTP API: address, authentication (`[api]`).
    pub api: api::Config,
    /// Batching and buffering of the per-cluster pipelines (`[pipeline]`).
    pub pipeline: app::PipelineConfig,
    /// WebSocket broadcast: history, queues, heartbeats, limits (`[hub]`).
    pub hub: hub::Config,
    /// Clusters to watch (`[[clusters]]`); none means the embedded simulator.
    pub clusters: Vec<source::ClusterConfig>,
    /// The change-filter chain (`[[plugins]]`), applied in order before broadcast.
    pub plugins: Vec<plugin::PluginConfig>,
    /// The simulated Kubernetes API server (`[sim]`).
    pub sim: sim::Config,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A key that does not exist or a value of the wrong type; the message names
    /// the key and the file or variable that set it.
    #[error("configuration error: {0}")]
    Parse(String),
    #[error("configuration error: `{key}` {message}")]
    Invalid { key: String, message: String },
    #[error("configuration error: the file {0} given with --config does not exist")]
    MissingFile(PathBuf),
}

/// One setting from the command line, as a dotted key (`sim.nodes`) and its value.
pub type Override = (&'static str, figment::value::Value);

/// Where the configuration comes from: loaded at start, and again, the same
/// way, by a plugin reload.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// `--config`; without it, [`DEFAULT_FILE`] when it exists.
    pub file: Option<PathBuf>,
    /// The command-line flags that were given.
    pub overrides: Vec<Override>,
}

impl Layers {
    pub fn load(&self) -> Result<Config, Error> {
        load(self.file.as_deref(), &self.overrides)
    }
}

/// Loads the configuration from its layers; `file` is `--config`, `overrides` the
/// command-line flags that were given.
pub fn load(file: Option<&Path>, overrides: &[Override]) -> Result<Config, Error> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    match file {
        Some(file) if !file.exists() => return Err(Error::MissingFile(file.to_owned())),
        Some(file) => figment = figment.merge(Toml::file_exact(file)),
        None if Path::new(DEFAULT_FILE).exists() => figment = figment.merge(Toml::file_exact(DEFAULT_FILE)),
        None => {}
    }
    figment = figment.merge(Env::prefixed(ENV_PREFIX).split("__").map(|key| key.as_str().to_ascii_lowercase().into()));
    for (key, value) in overrides {
        figment = figment.merge(Serialized::default(key, value.clone()));
    }
    let config: Config = figment.extract().map_err(describe)?;
    config.validate()?;
    Ok(config)
}

/// Names the key in full and the exact file or environment variable that set
/// it, for each error figment found.
fn describe(errors: figment::Error) -> Error {
    let messages: Vec<String> = errors
        .into_iter()
        .map(|error| {
            let path = &error.path;
            let key = path.join(".");
            let source = match &error.metadata {
                Some(metadata) => match &metadata.source {
                    Some(figment::Source::File(file)) => format!(" in {}", file.display()),
                    _ if metadata.name.contains("environment") => {
                        let variable: Vec<String> = path.iter().map(|part| part.to_ascii_uppercase()).collect();
                        format!(" in environment variable {ENV_PREFIX}{}", variable.join("__"))
                    }
                    _ => format!(" in {}", metadata.name),
                },
                None => String::new(),
            };
            format!("`{key}`{source}: {}", error.kind)
        })
        .collect();
    Error::Parse(messages.join("; "))
}

impl Config {
    /// Checks the values serde accepted but the program cannot use.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |(key, message): (String, String)| Error::Invalid { key, message };
        self.log.validate().map_err(invalid)?;
        self.api.validate().map_err(invalid)?;
        self.hub.validate().map_err(invalid)?;
        for (index, plugin) in self.plugins.iter().enumerate() {
            plugin.validate(&format!("plugins[{index}]")).map_err(invalid)?;
        }
        if self.hub.queue < self.pipeline.batch_size.get() {
            // A batch is broadcast at once: a smaller queue would lag every client on every full batch.
            return Err(invalid((
                "hub.queue".into(),
                format!("({}) must be at least pipeline.batch_size ({})", self.hub.queue, self.pipeline.batch_size),
            )));
        }
        self.sim.validate().map_err(invalid)?;
        Ok(())
    }

    /// The configuration as TOML, as `nodecast config` prints it.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("the configuration always serializes to TOML")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn file_then_flags_override_the_defaults() {
        let file = write("[sim]\nnodes = 7\nchurn = 3.5\n");
        let config = load(Some(file.path()), &[("sim.nodes", 9.into())]).unwrap();
        assert_eq!((config.sim.nodes, config.sim.churn), (9, 3.5));
        assert_eq!(config.sim.seed, sim::Config::default().seed);
    }

    #[test]
    fn unknown_key_is_named_with_its_file() {
        let file = write("[sim]\nnodez = 7\n");
        let message = load(Some(file.path()), &[]).unwrap_err().to_string();
        assert!(message.contains("`sim.nodez`"), "{message}");
        assert!(message.contains(&file.path().display().to_string()), "{message}");
    }

    #[test]
    fn wrong_type_is_named_with_its_key() {
        let file = write("[sim]\nnodes = \"many\"\n");
        let message = load(Some(file.path()), &[]).unwrap_err().to_string();
        assert!(message.contains("sim.nodes"), "{message}");
    }

    #[test]
    fn unusable_value_is_named_with_its_key() {
        let file = write("[sim]\nchurn = -1.0\n");
        let message = load(Some(file.path()), &[]).unwrap_err().to_string();
        assert!(message.contains("`sim.churn`"), "{message}");
        let file = write("[log]\nlevel = \"loud\"\n");
        let message = load(Some(file.path()), &[]).unwrap_err().to_string();
        assert!(message.contains("`log.level`"), "{message}");
    }

    #[test]
    fn plugin_settings_are_named_with_their_index() {
        let plugin = "[[plugins]]\nname = \"a\"\npath = \"a.wasm\"\n";
        let file = write(&format!("{plugin}{plugin}timeout_ms = 5000\n"));
        let message = load(Some(file.path()), &[]).unwrap_err().to_string();
        assert!(message.contains("`plugins[1].timeout_ms`") && message.contains("5000"), "{message}");
        let file = write(&format!("{plugin}on_error = \"ignore\"\n"));
        let message = load(Some(file.path()), &[]).unwrap_err().to_string();
        assert!(message.contains("on_error") && message.contains("ignore"), "{message}");
    }

    #[test]
    fn missing_config_file_is_an_error() {
        let message = load(Some(Path::new("/nonexistent/nodecast.toml")), &[]).unwrap_err().to_string();
        assert!(message.contains("/nonexistent/nodecast.toml"), "{message}");
    }

    #[test]
    fn printed_configuration_loads_back_unchanged() {
        let config = Config {
            sim: sim::Config { nodes: 42, token: Some("t".into()), ..Default::default() },
            ..Default::default()
        };
        let file = write(&config.to_toml());
        assert_eq!(load(Some(file.path()), &[]).unwrap(), config);
    }

    #[test]
    fn every_shipped_config_file_is_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                load(Some(&path), &[]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                checked += 1;
            }
        }
        assert!(checked > 0, "no config files found in {}", dir.display());
    }
}
