//! The HS256 secret jobcast generates when no key is configured, kept in
//! `<data_dir>/jwt-secret`: read when it exists, else made — 32 random
//! bytes, hex-encoded, readable by the owner only, written so that a crash
//! never leaves half a secret and two instances starting together agree.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rand::RngCore;

use super::AuthError;
use crate::config::Secret;

/// Reads the generated secret at `path`, or makes it.
pub(super) fn load_or_create_secret(path: &Path) -> Result<Secret, AuthError> {
    match std::fs::read_to_string(path) {
        Ok(text) => secret_from_file(path, &text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => create_secret(path),
        Err(e) => Err(AuthError::secret_file(
            path,
            format!("cannot read it: {e}"),
            Some(e),
        )),
    }
}

fn secret_from_file(path: &Path, text: &str) -> Result<Secret, AuthError> {
    let secret = text.trim();
    if secret.is_empty() {
        return Err(AuthError::secret_file(
            path,
            "is empty; delete it and jobcast makes a new secret (tokens signed with the old one stop working)",
            None,
        ));
    }
    warn_if_shared(path);
    Ok(Secret::new(secret))
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(metadata) = std::fs::metadata(path) {
        if metadata.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                "the JWT secret file can be read by other users; `chmod 600` it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

/// Writes a new secret to a private temporary file, then links it into
/// place, so that a crash never leaves a half-written secret and two
/// instances starting together agree on one secret.
fn create_secret(path: &Path) -> Result<Secret, AuthError> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            AuthError::secret_file(
                path,
                format!("cannot create {}: {e}", dir.display()),
                Some(e),
            )
        })?;
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);

    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp-{}", hex::encode(rand::random::<[u8; 6]>())));
    let temporary = PathBuf::from(temporary);
    let written = write_private(&temporary, format!("{secret}\n").as_bytes());
    let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
    // The temporary file goes in every case; a failure to remove it is harmless.
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(Secret::new(secret)),
        // Another instance made it first: use theirs.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match std::fs::read_to_string(path) {
            Ok(text) => secret_from_file(path, &text),
            Err(e) => Err(AuthError::secret_file(
                path,
                format!("cannot read it: {e}"),
                Some(e),
            )),
        },
        Err(e) => Err(AuthError::secret_file(
            path,
            format!("cannot write it: {e}"),
            Some(e),
        )),
    }
}

fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}
