//! Stage one: each setting exactly as one source gave it.
//!
//! A [`RawConfig`] (its fields are listed once, in `settings.rs`) is what
//! the TOML file, the `JOBCAST_*` variables or the command line said —
//! every field optional, nothing defaulted, only the kind of value checked
//! (a number is a number). Sources are merged with [`RawConfig::merge`] and
//! only then validated, so that problems in several sources are all
//! reported together. Unknown keys and variables are collected as non-fatal
//! problems (usually typos worth a warning). Nothing here reads the process
//! environment: the caller passes the variables.

use std::path::Path;

use super::input::Input;
use super::problem::{env_name, ConfigProblem, Origin};
use super::settings::{RawConfig, KEYS};

/// `JOBCAST_*` variables that belong to other parts (the CLI client, tests)
/// and are not settings of the server.
fn is_foreign_variable(rest: &str) -> bool {
    matches!(rest, "CONFIG" | "SERVER" | "TOKEN") || rest.starts_with("TEST_")
}

impl RawConfig {
    /// Reads the `JOBCAST_<KEY>` variables among `vars` (lists are
    /// comma-separated; an empty value counts as unset). Unknown `JOBCAST_*`
    /// variables come back as non-fatal problems; values of the wrong kind
    /// (`JOBCAST_WORKERS=many`) as fatal ones.
    pub fn from_env(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> (RawConfig, Vec<ConfigProblem>) {
        let mut raw = RawConfig::default();
        let mut problems = Vec::new();
        for (name, value) in vars {
            let Some(rest) = name.strip_prefix("JOBCAST_") else {
                continue;
            };
            if is_foreign_variable(rest) {
                continue;
            }
            let key = rest.to_ascii_lowercase();
            if !KEYS.contains(&key.as_str()) || rest != key.to_ascii_uppercase() {
                problems.push(ConfigProblem::Unknown {
                    suggestion: closest_key(&key).map(env_name),
                    name,
                    origin: Origin::Env,
                });
                continue;
            }
            if value.trim().is_empty() {
                continue;
            }
            if let Err(message) = raw.set(&key, &Input::Env(&value)) {
                problems.push(ConfigProblem::invalid(name, message));
            }
        }
        (raw, problems)
    }

    /// Reads a TOML document of `key = value` lines. Every bad value and
    /// every unknown key is reported, not just the first; a syntax error
    /// makes the whole file one fatal problem.
    pub fn from_toml_str(text: &str, path: &Path) -> (RawConfig, Vec<ConfigProblem>) {
        let origin = Origin::File(path.to_path_buf());
        let table: toml::Table = match text.parse() {
            Ok(table) => table,
            Err(e) => {
                let message = format!("not valid TOML: {}", e.message());
                return (
                    RawConfig::default(),
                    vec![ConfigProblem::invalid(
                        format!("configuration file {}", path.display()),
                        message,
                    )],
                );
            }
        };
        let mut raw = RawConfig::default();
        let mut problems = Vec::new();
        for (key, value) in &table {
            if !KEYS.contains(&key.as_str()) {
                let hint = if value.is_table() {
                    Some("a [section]: jobcast's settings are top-level keys".to_owned())
                } else {
                    None
                };
                problems.push(ConfigProblem::Unknown {
                    suggestion: closest_key(key).map(|k| format!("`{k}`")).or(hint),
                    name: key.clone(),
                    origin: origin.clone(),
                });
                continue;
            }
            if let Err(message) = raw.set(key, &Input::Toml(value)) {
                problems.push(ConfigProblem::invalid(origin.name(key), message));
            }
        }
        (raw, problems)
    }

    /// Reads the TOML file at `path`; an unreadable file is a fatal problem.
    pub fn from_toml_file(path: impl AsRef<Path>) -> (RawConfig, Vec<ConfigProblem>) {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(text) => RawConfig::from_toml_str(&text, path),
            Err(e) => (
                RawConfig::default(),
                vec![ConfigProblem::invalid(
                    format!("configuration file {}", path.display()),
                    format!("cannot read it: {e}"),
                )],
            ),
        }
    }
}

/// The known key an unknown one was probably meant to be.
fn closest_key(unknown: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|key| (edit_distance(unknown, key), *key))
        .filter(|(distance, key)| *distance <= 2 && *distance < key.len() / 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, key)| key)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            let insertion = current[j] + 1;
            let deletion = previous[j + 1] + 1;
            current.push(substitution.min(insertion).min(deletion));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_suggestions() {
        assert_eq!(closest_key("worker"), Some("workers"));
        assert_eq!(closest_key("data_dirs"), Some("data_dir"));
        assert_eq!(closest_key("completely_else"), None);
        assert_eq!(closest_key("lo"), None);
    }

    #[test]
    fn merge_prefers_the_later_source() {
        let base = RawConfig {
            workers: Some(2),
            listen: Some("127.0.0.1:1".into()),
            ..RawConfig::default()
        };
        let over = RawConfig {
            workers: Some(8),
            ..RawConfig::default()
        };
        let merged = base.merge(over);
        assert_eq!(merged.workers, Some(8));
        assert_eq!(merged.listen.as_deref(), Some("127.0.0.1:1"));
    }
}
