//! Who is calling: verifies the bearer tokens (JWT) of REST requests and
//! Socket.IO connections, and mints tokens when jobcast holds the secret.
//!
//! The algorithm is pinned by configuration, never taken from the token:
//! HS256 with a shared secret (configured, or generated once and kept in
//! `<data_dir>/jwt-secret`), or RS256/ES256 with a public key, which can
//! verify but never mint. That closes the classic holes — `alg: none`, and
//! HS256 tokens "signed" with the public key as an HMAC secret. Every token
//! must carry `exp` and a non-empty `sub`; `role` is optional (`user`) and
//! an unknown role refuses the token rather than guessing.
//!
//! Nothing here may show key material: `AuthError` messages and `Debug`
//! output name the problem, never the key or the secret.
//!
//! `tokens.rs` verifies and mints; `claims.rs` is what a token says (its
//! subject and [`Role`]); `secret_file.rs` keeps the generated secret;
//! `caller.rs` is the verified caller handlers and sockets act for.

mod caller;
mod claims;
mod error;
mod secret_file;
mod tokens;

#[cfg(test)]
mod tests;

pub use caller::Caller;
pub use claims::{Claims, Role};
pub use error::AuthError;
pub use tokens::{Authenticator, DEV_TOKEN_TTL, DEV_USER, LEEWAY_SECS};
