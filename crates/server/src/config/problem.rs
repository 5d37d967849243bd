//! What can be wrong with a configuration, said so that the operator knows
//! which setting, in which source, to change. Problems are collected, never
//! returned one at a time; messages never contain a secret's value.

use std::fmt;
use std::path::PathBuf;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The TOML file at this path.
    File(PathBuf),
    /// A `JOBCAST_*` environment variable.
    Env,
    /// The command line.
    Flags,
    /// Nobody set it: the default.
    Default,
}

impl Origin {
    /// How an operator would find `key` in this source: `JOBCAST_WORKERS`,
    /// `` `workers` in jobcast.toml ``, `--workers`.
    pub fn name(&self, key: &str) -> String {
        match self {
            Origin::File(path) => format!("`{key}` in {}", path.display()),
            Origin::Env => env_name(key),
            Origin::Flags => format!("--{}", key.replace('_', "-")),
            Origin::Default => format!("{key} (default)"),
        }
    }
}

/// `JOBCAST_<KEY>`.
pub(super) fn env_name(key: &str) -> String {
    format!("JOBCAST_{}", key.to_ascii_uppercase())
}

/// One thing wrong, or odd, about the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigProblem {
    /// A key or variable jobcast does not know. Ignored, worth a warning
    /// (usually a typo).
    Unknown {
        /// The variable (`JOBCAST_WORKER`) or the key (`worker`).
        name: String,
        origin: Origin,
        /// The known name it most resembles, spelled for the same source.
        suggestion: Option<String>,
    },
    /// A value that cannot be used: loading fails.
    Invalid {
        /// The setting as the operator wrote it (see [`Origin::name`]).
        setting: String,
        message: String,
    },
    /// A value that works but probably should not be used as is.
    Warning { setting: String, message: String },
}

impl ConfigProblem {
    pub(super) fn invalid(setting: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigProblem::Invalid {
            setting: setting.into(),
            message: message.into(),
        }
    }

    /// Whether the configuration cannot be used because of this problem.
    pub fn is_fatal(&self) -> bool {
        matches!(self, ConfigProblem::Invalid { .. })
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigProblem::Unknown {
                name,
                origin,
                suggestion,
            } => {
                match origin {
                    Origin::Env => write!(f, "unknown environment variable {name} is ignored")?,
                    Origin::File(path) => {
                        write!(f, "unknown key `{name}` in {} is ignored", path.display())?;
                    }
                    Origin::Flags | Origin::Default => {
                        write!(f, "unknown setting {name} is ignored")?
                    }
                }
                if let Some(suggestion) = suggestion {
                    write!(f, " (did you mean {suggestion}?)")?;
                }
                Ok(())
            }
            ConfigProblem::Invalid { setting, message }
            | ConfigProblem::Warning { setting, message } => {
                write!(f, "{setting}: {message}")
            }
        }
    }
}

/// Why the configuration could not be loaded: every fatal problem found,
/// plus the warnings gathered on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    pub problems: Vec<ConfigProblem>,
    pub warnings: Vec<String>,
}

impl fmt::Display for ConfigErrors {
    /// One problem: its message. Several: how many, then one per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{one}"),
            problems => {
                write!(f, "{} problems:", problems.len())?;
                for problem in problems {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConfigErrors {}
