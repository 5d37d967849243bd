//! Per-user connection accounting that cannot leak: a place is a
//! [`ConnectionPermit`], given back by its `Drop`. The permit lives in the
//! socket's own extensions (see `connect`), so it goes when socketioxide
//! drops the socket, on every path: a disconnect, a transport that closed
//! while the connect middleware ran (socketioxide then drops the socket
//! without calling any disconnect handler), a refusal, a panic.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Open connections per user.
#[derive(Default)]
pub struct ConnectionCounts {
    by_user: Mutex<HashMap<String, usize>>,
}

impl ConnectionCounts {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, usize>> {
        self.by_user
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A place for one more connection of `user`, or `None` at `max`.
    pub fn admit(self: &Arc<Self>, user: &str, max: usize) -> Option<ConnectionPermit> {
        let mut counts = self.lock();
        let count = counts.entry(user.to_owned()).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(ConnectionPermit {
            counts: self.clone(),
            user: user.to_owned(),
        })
    }

    /// Connections `user` holds now.
    pub fn of(&self, user: &str) -> usize {
        self.lock().get(user).copied().unwrap_or(0)
    }
}

/// One counted connection; dropping it gives the place back.
pub struct ConnectionPermit {
    counts: Arc<ConnectionCounts>,
    user: String,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        let mut counts = self.counts.lock();
        if let Some(count) = counts.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_comes_back_when_its_permit_is_dropped() {
        let counts = Arc::new(ConnectionCounts::default());
        let first = counts.admit("alice", 2).expect("first");
        let second = counts.admit("alice", 2).expect("second");
        assert!(counts.admit("alice", 2).is_none(), "over the cap");
        assert!(counts.admit("bob", 2).is_some(), "per user");
        drop(first);
        assert_eq!(counts.of("alice"), 1);
        let third = counts.admit("alice", 2).expect("freed place");
        drop((second, third));
        assert_eq!(counts.of("alice"), 0);
        assert!(counts.lock().is_empty(), "no entry left behind");
    }

    #[test]
    fn a_permit_dropped_by_a_panic_is_given_back() {
        let counts = Arc::new(ConnectionCounts::default());
        let held = counts.clone();
        let outcome = std::thread::spawn(move || {
            let _permit = held.admit("alice", 1).expect("admitted");
            panic!("the connection's task failed");
        })
        .join();
        assert!(outcome.is_err());
        assert_eq!(counts.of("alice"), 0);
    }
}
