//! `GET /api/jobs/{id}/events` with `Accept: text/event-stream`: the job's
//! events as Server-Sent Events, `id:` = seq, resumable with `Last-Event-ID`
//! (or `after_seq`), keep-alive comments while idle, ending after the
//! terminal event, or when the caller's token expires (a last `error` event
//! with code `token_expired`).
//!
//! The same seam as the sockets: subscribe to the bus first, then read the
//! store from the resume point, then take live events only if they are the
//! next seq; anything else (a gap, a lagging bus) goes back to the store.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, Stream};
use jobcast_core::wire::events;
use jobcast_core::{Event, JobId, Journal};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;

const BATCH: u32 = 500;
/// How long the last frame of an expired stream waits for room.
const EXPIRED_SEND_FOR: Duration = Duration::from_secs(5);

/// The stream of one job's events after `after_seq`. The job is known to be
/// visible to the caller.
/// The stream ends when the caller's token expires (`expires_in`), with a
/// last event `error` whose code is `token_expired`.
pub fn respond(
    journal: Journal,
    id: JobId,
    after_seq: u64,
    keep_alive: Duration,
    expires_in: Duration,
    shutdown: CancellationToken,
) -> Response {
    let (tx, rx) = mpsc::channel::<Frame>(64);
    tokio::spawn(async move {
        tokio::select! {
            () = feed(journal, id, after_seq, &tx) => {}
            () = tx.closed() => {}
            () = shutdown.cancelled() => {}
            () = tokio::time::sleep(expires_in) => {
                // A client that does not read is not waited for long.
                let last = tx.send_timeout(Frame::Expired, EXPIRED_SEND_FOR);
                let _ = last.await;
            }
        }
    });
    Sse::new(events(rx))
        .keep_alive(KeepAlive::new().interval(keep_alive).text("keep-alive"))
        .into_response()
}

/// What the feeding task hands the response.
enum Frame {
    Event(Event),
    /// The token expired: the last frame.
    Expired,
}

fn events(rx: mpsc::Receiver<Frame>) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    stream::unfold(rx, |mut rx| async move {
        let frame = match rx.recv().await? {
            Frame::Event(event) => SseEvent::default()
                .id(event.seq.to_string())
                .event(events::JOB_UPDATE)
                .json_data(&event),
            Frame::Expired => SseEvent::default()
                .event("error")
                .json_data(ApiError::token_expired().body().error),
        }
        .unwrap_or_else(|_| SseEvent::default().comment("unencodable event"));
        Some((Ok(frame), rx))
    })
}

/// Sends every event after `floor` in order, until the terminal one.
async fn feed(journal: Journal, id: JobId, mut floor: u64, tx: &mpsc::Sender<Frame>) {
    let mut live = journal.bus().subscribe();
    loop {
        // From the store: everything committed past the floor.
        loop {
            let batch = match journal.store().events_after(id, floor, BATCH).await {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::warn!(error = %e, %id, "event stream: store read failed");
                    return;
                }
            };
            for event in &batch {
                let terminal = event.status.is_terminal();
                floor = event.seq;
                if tx.send(Frame::Event(event.clone())).await.is_err() || terminal {
                    return;
                }
            }
            if batch.len() < BATCH as usize {
                break;
            }
        }
        // A job that had already finished before the resume point.
        match journal.store().job(id).await {
            Ok(Some(job)) if job.status.is_terminal() && job.last_seq <= floor => return,
            Ok(Some(_)) => {}
            _ => return,
        }
        // Live, while events come in order.
        loop {
            match live.recv().await {
                Ok(message) if message.event.job_id == id => {
                    let event = &message.event;
                    if event.seq <= floor {
                        continue;
                    }
                    if event.seq > floor + 1 {
                        break; // a gap: back to the store
                    }
                    floor = event.seq;
                    let terminal = event.status.is_terminal();
                    if tx.send(Frame::Event(event.clone())).await.is_err() || terminal {
                        return;
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => break,
                Err(RecvError::Closed) => return,
            }
        }
    }
}
