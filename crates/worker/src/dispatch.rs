//! The pool's one bus subscriber: tells running attempts that their job was
//! cancelled, failed or retried elsewhere, and hands them their answers.
//! When it falls behind the bus it checks the running jobs in the store
//! instead. It never writes events.

use std::sync::Arc;

use jobcast_core::{BusMessage, Store};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

use crate::registry::Registry;

pub(crate) async fn dispatch(
    mut bus: broadcast::Receiver<Arc<BusMessage>>,
    registry: Arc<Registry>,
    store: Arc<dyn Store>,
    shutdown: CancellationToken,
) {
    loop {
        let received = tokio::select! {
            _ = shutdown.cancelled() => return,
            received = bus.recv() => received,
        };
        match received {
            Ok(message) => registry.on_event(&message.event),
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "worker pool fell behind the event bus; checking running jobs in the store"
                );
                check_running(&registry, store.as_ref()).await;
            }
            Err(RecvError::Closed) => {
                tracing::warn!(
                    "event bus closed; cancellations are now noticed by lease renewal only"
                );
                return;
            }
        }
    }
}

/// Stops every running attempt whose job the store says is over for it.
async fn check_running(registry: &Registry, store: &dyn Store) {
    for running in registry.running() {
        match store.job(running.job_id).await {
            Ok(Some(job)) if job.attempt == running.attempt && !job.status.is_terminal() => {}
            Ok(_) => running.stop.cancel(),
            Err(error) => {
                tracing::warn!(job_id = %running.job_id, %error, "could not check a running job");
            }
        }
    }
}
