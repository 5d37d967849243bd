//! What a verified token says: whose it is, until when, and what it lets
//! its bearer do.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a token lets its bearer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees and acts on their own jobs.
    #[default]
    User,
    /// Sees every job.
    Admin,
    /// May use `/api/worker`.
    Worker,
}

impl Role {
    /// `user`, `admin` or `worker`.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "user" => Some(Role::User),
            "admin" => Some(Role::Admin),
            "worker" => Some(Role::Worker),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
            Role::Worker => "worker",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verified contents of a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id: the owner of the jobs this token creates.
    pub sub: String,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: u64,
    pub role: Role,
}
