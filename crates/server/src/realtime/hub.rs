//! The hub: which sockets watch which jobs, and the fan-out task that carries
//! every event from the `EventBus` to them. The bus is the seam a cluster
//! replaces (events from other instances arrive on it); the handlers never
//! talk to the bus themselves.
//!
//! Rooms are kept here rather than in socketioxide's adapter because
//! delivery is per socket and per job (see `subscriber`): a socket in both
//! `job:<id>` and `user:<owner>` is one target, and each socket's floor
//! decides what it still needs.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jobcast_core::{BusMessage, EventBus, JobId, Store};
use socketioxide::socket::Sid;
use tokio::sync::broadcast::error::RecvError;

use super::subscriber::{Offered, Subscriber};

pub struct Hub {
    store: Arc<dyn Store>,
    stall_timeout: Duration,
    /// Events per catch-up round: half a socket's buffer.
    catch_up_round: usize,
    sockets: RwLock<HashMap<Sid, Arc<Subscriber>>>,
    by_job: RwLock<HashMap<JobId, HashSet<Sid>>>,
    by_user: RwLock<HashMap<String, HashSet<Sid>>>,
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Hub {
    pub fn new(store: Arc<dyn Store>, stall_timeout: Duration, buffer: usize) -> Arc<Hub> {
        Arc::new(Hub {
            store,
            stall_timeout,
            catch_up_round: (buffer / 2).max(1),
            sockets: RwLock::default(),
            by_job: RwLock::default(),
            by_user: RwLock::default(),
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn add(&self, subscriber: Arc<Subscriber>) {
        write(&self.sockets).insert(subscriber.socket.id, subscriber);
    }

    pub fn get(&self, sid: Sid) -> Option<Arc<Subscriber>> {
        read(&self.sockets).get(&sid).cloned()
    }

    /// Forgets a socket that is gone (called on its disconnect and when
    /// socketioxide drops it, whichever comes first).
    pub fn remove(&self, sid: Sid) {
        let Some(subscriber) = write(&self.sockets).remove(&sid) else {
            return;
        };
        subscriber.close();
        {
            let mut by_job = write(&self.by_job);
            for job in subscriber.joined_jobs() {
                unindex(&mut by_job, &job, sid);
            }
        }
        unindex(&mut write(&self.by_user), &subscriber.user, sid);
    }

    pub fn index_job(&self, job: JobId, sid: Sid) {
        write(&self.by_job).entry(job).or_default().insert(sid);
    }

    pub fn unindex_job(&self, job: JobId, sid: Sid) {
        unindex(&mut write(&self.by_job), &job, sid);
    }

    pub fn index_user(&self, user: &str, sid: Sid) {
        write(&self.by_user)
            .entry(user.to_string())
            .or_default()
            .insert(sid);
    }

    /// Starts the subscriber's catch-up task if `offered` asks for it. A
    /// socket stays in the hub until it is really gone (its disconnect, or
    /// socketioxide dropping it: `connect::Lease`), so nothing here removes
    /// one: a socket that stalled is closed, and leaves when it has.
    pub fn follow_up(self: &Arc<Self>, subscriber: &Arc<Subscriber>, offered: Offered) {
        match offered {
            Offered::Done | Offered::Gone => {}
            Offered::CatchUp => {
                let hub = self.clone();
                let subscriber = subscriber.clone();
                tokio::spawn(async move {
                    subscriber
                        .catch_up(hub.store.clone(), hub.stall_timeout, hub.catch_up_round)
                        .await;
                });
            }
        }
    }

    /// Sends one stored event to every socket watching its job, each once.
    fn dispatch(self: &Arc<Self>, message: &BusMessage) {
        let event = &message.event;
        let wire = match serde_json::value::to_raw_value(event) {
            Ok(wire) => wire,
            Err(error) => {
                // Not expected (an event is plain data); its watchers catch
                // up from the store if it ever happens.
                tracing::error!(%error, job_id = %event.job_id, "an event could not be serialized");
                return self.resync_all();
            }
        };
        let targets: Vec<(Arc<Subscriber>, bool)> = {
            let mut sids: HashSet<Sid> = HashSet::new();
            if let Some(watchers) = read(&self.by_job).get(&event.job_id) {
                sids.extend(watchers.iter().copied());
            }
            if let Some(watchers) = read(&self.by_user).get(&message.owner) {
                sids.extend(watchers.iter().copied());
            }
            let sockets = read(&self.sockets);
            sids.iter()
                .filter_map(|sid| sockets.get(sid))
                .map(|s| (s.clone(), s.user == message.owner))
                .collect()
        };
        for (subscriber, own) in targets {
            let offered = subscriber.offer(event, &wire, own);
            self.follow_up(&subscriber, offered);
        }
    }

    /// The bus dropped messages: every feed catches up from the store.
    fn resync_all(self: &Arc<Self>) {
        let all: Vec<Arc<Subscriber>> = read(&self.sockets).values().cloned().collect();
        for subscriber in all {
            let offered = subscriber.fall_behind();
            self.follow_up(&subscriber, offered);
        }
    }

    /// Runs the fan-out until the bus closes.
    pub fn spawn_fanout(self: &Arc<Self>, bus: &Arc<dyn EventBus>) -> tokio::task::JoinHandle<()> {
        let hub = self.clone();
        let mut receiver = bus.subscribe();
        tokio::spawn(async move {
            loop {
                match receiver.recv().await {
                    Ok(message) => hub.dispatch(&message),
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(
                            missed,
                            "fan-out fell behind the bus; catching up from the store"
                        );
                        hub.resync_all();
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        })
    }
}

fn unindex<K: std::hash::Hash + Eq>(index: &mut HashMap<K, HashSet<Sid>>, key: &K, sid: Sid) {
    if let Some(set) = index.get_mut(key) {
        set.remove(&sid);
        if set.is_empty() {
            index.remove(key);
        }
    }
}
