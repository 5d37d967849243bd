//! Subcommands, one file each, and the configuration flags they share.

pub mod follow;
pub mod jobs;
pub mod progress;
pub mod remote;
pub mod serve;
pub mod submit;
pub mod summary;
pub mod table;
pub mod token;
pub mod watch;

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use jobcast_server::config::{Config, ConfigSources, RawConfig};

/// Configuration flags; each overrides its `JOBCAST_*` variable and the file.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigFlags {
    /// TOML configuration file (also JOBCAST_CONFIG).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<String>,
    /// Directory for the SQLite database and the generated secret [default: ./jobcast-data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://... [default: SQLite in the data directory].
    #[arg(long)]
    pub database_url: Option<String>,
    /// redis://... (unset: a single instance).
    #[arg(long)]
    pub redis_url: Option<String>,
    /// In-process worker count [default: the CPU count].
    #[arg(long)]
    pub workers: Option<usize>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct ServeFlags {
    #[command(flatten)]
    pub config: ConfigFlags,
}

pub use jobs::JobsArgs;
pub use submit::SubmitArgs;
pub use token::TokenArgs;
pub use watch::WatchArgs;

/// Loads the configuration (flags over environment over file), prints the
/// warnings, and reports every problem at once.
pub fn load_config(flags: &ConfigFlags) -> anyhow::Result<Config> {
    let raw = RawConfig {
        listen: flags.listen.clone(),
        data_dir: flags.data_dir.clone(),
        database_url: flags.database_url.clone(),
        redis_url: flags.redis_url.clone(),
        workers: flags.workers,
        ..RawConfig::default()
    };
    let loaded = Config::load(ConfigSources {
        file: flags.config.clone(),
        env: std::env::vars().collect(),
        flags: raw,
    })
    .context("invalid configuration")?;
    // Logging is not set up yet (the configuration chooses its filter).
    for warning in &loaded.warnings {
        eprintln!("jobcast: warning: {warning}");
    }
    Ok(loaded.config)
}
