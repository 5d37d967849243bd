//! Loading, precedence, validation and secrecy of the configuration:
//! `sources.rs` how the sources are read and merged and how problems are
//! reported, `values.rs` the checks of single settings, `keys.rs` the JWT
//! keys and every secret.

use std::path::Path;

use super::*;

pub(super) const RSA_PUBLIC: &str = include_str!("../../../tests/fixtures/rsa-public.pem");
pub(super) const RSA_PRIVATE: &str = include_str!("../../../tests/fixtures/rsa-private.pem");
pub(super) const EC_PUBLIC: &str = include_str!("../../../tests/fixtures/ec-public.pem");
pub(super) const EC384_PUBLIC: &str = include_str!("../../../tests/fixtures/ec384-public.pem");

mod keys;
mod sources;
mod values;

pub(super) fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub(super) fn load_env(pairs: &[(&str, &str)]) -> Result<Loaded, ConfigErrors> {
    Config::load(ConfigSources {
        env: env(pairs),
        ..ConfigSources::default()
    })
}

pub(super) fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}
