//! The authenticated user of a request or a connection, from its verified
//! token: who, in which role, and until when. REST reads it from the bearer
//! token (`http::extract`), Socket.IO from the `auth` payload
//! (`realtime::connect`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Claims, Role, LEEWAY_SECS};

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: String,
    pub role: Role,
    /// The token's `exp` (seconds since the Unix epoch): a live connection
    /// opened with it ends when REST starts refusing it.
    pub exp: u64,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The first instant the token is refused: `verify` tolerates
    /// [`LEEWAY_SECS`] past `exp`, in whole seconds.
    pub fn expires_at(&self) -> SystemTime {
        let secs = self.exp.saturating_add(LEEWAY_SECS).saturating_add(1);
        UNIX_EPOCH
            .checked_add(Duration::from_secs(secs))
            .unwrap_or(UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX)))
    }

    pub fn is_expired(&self) -> bool {
        SystemTime::now() >= self.expires_at()
    }

    /// How long the token has left (zero once expired).
    pub fn time_left(&self) -> Duration {
        self.expires_at()
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }
}

impl From<Claims> for Caller {
    fn from(claims: Claims) -> Self {
        Caller {
            user: claims.sub,
            role: claims.role,
            exp: claims.exp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(exp: u64) -> Caller {
        Caller {
            user: "alice".into(),
            role: Role::User,
            exp,
        }
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    #[test]
    fn a_caller_expires_when_verify_starts_refusing_its_token() {
        // Accepted by `verify` up to LEEWAY_SECS past exp.
        assert!(!caller(now()).is_expired());
        assert!(!caller(now() - LEEWAY_SECS + 1).is_expired());
        assert!(caller(now() - LEEWAY_SECS - 1).is_expired());
        assert_eq!(caller(now() - 3600).time_left(), Duration::ZERO);
        let left = caller(now() + 60).time_left();
        assert!(left > Duration::from_secs(60) && left <= Duration::from_secs(67));
        // Hostile exp values do not overflow.
        assert!(!caller(u64::MAX).is_expired());
        assert!(caller(0).is_expired());
    }
}
