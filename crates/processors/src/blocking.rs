//! CPU-bound work of the processors (a book's worth of cleaning and
//! splitting, a megabyte of invoice rules) runs on tokio's blocking threads:
//! a runtime thread held for more than a few milliseconds delays every
//! request and socket of the server. Documents themselves are not parsed
//! here but in the parse process (`crate::sandbox`).

use jobcast_core::ProcessError;

/// Runs `work` on a blocking thread and waits for it.
pub(crate) async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ProcessError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ProcessError::input("internal", format!("the processor's work failed: {e}")))
}
