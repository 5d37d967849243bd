//! The pool's life: start (recover, then spawn the bus dispatcher, the lease
//! sweeper and the worker loops), claim-and-run in each loop, and drain.
//! Loops only claim and delegate; what a run does is in `run` and `finish`.

use std::sync::Arc;
use std::time::Duration;

use jobcast_core::{Journal, Processors, Timestamp};
use tokio::task::JoinHandle;
use tokio::time::{interval_at, sleep, timeout_at, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::recovery::{self, Reason};
use crate::registry::Registry;
use crate::run::{millis, run_claimed};
use crate::{dispatch, PoolConfig, WorkerError};

/// What every task of one pool shares.
pub(crate) struct Shared {
    pub journal: Journal,
    pub processors: Processors,
    pub config: PoolConfig,
    pub registry: Arc<Registry>,
    /// Cancelled by `drain`: no more claims, and every running attempt (whose
    /// stop tokens are its children) is told to stop and hand its job back.
    pub draining: CancellationToken,
}

pub struct WorkerPool;

/// A running pool. Dropping it leaves the pool running until the runtime
/// shuts down; call `drain` to stop it and hand running jobs back.
pub struct PoolHandle {
    shared: Arc<Shared>,
    /// Stops the dispatcher and the sweeper, after the workers.
    shutdown: CancellationToken,
    workers: Vec<JoinHandle<()>>,
    background: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    pub async fn start(
        journal: Journal,
        processors: Processors,
        config: PoolConfig,
    ) -> Result<PoolHandle, WorkerError> {
        config.validate()?;
        // Subscribed before any job can run here, so nothing said about one is missed.
        let bus = journal.bus().subscribe();
        if !journal.store().is_shared() {
            // A single process owns this store: whatever is leased was left
            // running by a previous process.
            let recovered = recovery::recover(&journal, None, Reason::Restart)
                .await
                .map_err(WorkerError::Recovery)?;
            if recovered > 0 {
                tracing::info!(
                    recovered,
                    "recovered jobs left running by a previous process"
                );
            }
        }

        let shared = Arc::new(Shared {
            journal,
            processors,
            config,
            registry: Arc::new(Registry::default()),
            draining: CancellationToken::new(),
        });
        let shutdown = CancellationToken::new();
        let background = vec![
            tokio::spawn(dispatch::dispatch(
                bus,
                Arc::clone(&shared.registry),
                Arc::clone(shared.journal.store()),
                shutdown.clone(),
            )),
            tokio::spawn(sweep(
                shared.journal.clone(),
                shared.config.sweep_every(),
                shutdown.clone(),
            )),
        ];

        let kinds: Arc<[String]> = shared.processors.kinds().into();
        let workers = if kinds.is_empty() {
            tracing::info!("no processors registered; this pool runs no jobs");
            Vec::new()
        } else {
            (0..shared.config.workers)
                .map(|_| tokio::spawn(work(Arc::clone(&shared), Arc::clone(&kinds))))
                .collect()
        };
        tracing::info!(
            workers = workers.len(),
            instance_id = %shared.config.instance_id,
            kinds = ?kinds,
            "worker pool started"
        );
        Ok(PoolHandle {
            shared,
            shutdown,
            workers,
            background,
        })
    }
}

impl PoolHandle {
    /// Stops claiming, tells every running job to stop and waits (at most
    /// about one lease) for them to hand their jobs back, then stops the
    /// dispatcher and the sweeper. A job still running when the time is up is
    /// abandoned; its lease expires and it is recovered.
    pub async fn drain(mut self) {
        tracing::info!(running = self.running(), "draining the worker pool");
        self.shared.draining.cancel();
        let deadline = Instant::now() + self.shared.config.lease;
        for mut worker in std::mem::take(&mut self.workers) {
            if timeout_at(deadline, &mut worker).await.is_err() {
                tracing::warn!("a worker did not finish draining in time; abandoning its job");
                worker.abort();
            }
        }
        self.shutdown.cancel();
        let deadline = Instant::now() + Duration::from_secs(5);
        for mut task in std::mem::take(&mut self.background) {
            if timeout_at(deadline, &mut task).await.is_err() {
                task.abort();
            }
        }
        tracing::info!("worker pool drained");
    }

    /// How many jobs this pool is running now.
    pub fn running(&self) -> usize {
        self.shared.registry.len()
    }
}

/// One worker: claim a job, run it, repeat; when there is none, wait for a
/// wake-up, the poll interval or the drain, whichever comes first.
async fn work(shared: Arc<Shared>, kinds: Arc<[String]>) {
    let config = &shared.config;
    while !shared.draining.is_cancelled() {
        // Registered before the claim, so a wake-up during the claim counts.
        let notified = shared.journal.work_available().notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let lease_until = Timestamp::now().plus_millis(millis(config.lease));
        match shared
            .journal
            .claim(&kinds, &config.instance_id, lease_until)
            .await
        {
            Ok(Some((job, started))) => run_claimed(&shared, job, started).await,
            Ok(None) => {
                tokio::select! {
                    _ = &mut notified => {}
                    _ = sleep(config.poll_interval) => {}
                    _ = shared.draining.cancelled() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "could not claim a job; will try again");
                tokio::select! {
                    _ = sleep(config.poll_interval) => {}
                    _ = shared.draining.cancelled() => {}
                }
            }
        }
    }
}

/// Every half lease: recover the jobs whose lease expired.
async fn sweep(journal: Journal, every: Duration, shutdown: CancellationToken) {
    let mut tick = interval_at(Instant::now() + every, every);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        match recovery::recover(&journal, Some(Timestamp::now()), Reason::LeaseExpired).await {
            Ok(0) => {}
            Ok(recovered) => tracing::info!(recovered, "recovered jobs whose lease expired"),
            Err(error) => tracing::warn!(%error, "could not look for expired leases"),
        }
    }
}
