//! How jobs, events, inputs and invoices become table rows and back, for
//! both backends.
//!
//! The snapshot is stored whole as JSON; the columns beside it (status,
//! attempt, lease, run_after, ...) exist so that SQL can filter and sort. They
//! are derived from the snapshot here, in one place, so that the two never
//! disagree. This module also holds the one rule of what an event does to the
//! lease and the schedule. It runs no SQL.

use jobcast_core::{
    transition, Event, EventDraft, EventType, JobId, JobInput, JobPage, JobSnapshot, LeasedJob,
    MediaType, NewJob, Status, StoreError, StoredInvoice, Timestamp,
};
use serde_json::Value;

/// A job as the `jobs` table holds it: the snapshot plus the scheduling
/// columns that are not part of the snapshot.
#[derive(Debug, Clone)]
pub(crate) struct JobRow {
    pub snapshot: JobSnapshot,
    /// Milliseconds; a queued job may be claimed from then on.
    pub run_after: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
}

/// The stored columns `JobRow::decode` reads: snapshot, run_after,
/// lease_owner, lease_until.
pub(crate) type RowColumns = (String, i64, Option<String>, Option<i64>);

/// Decodes rows read as `RowColumns`, by job id.
pub(crate) fn rows_by_id(
    found: Vec<RowColumns>,
) -> Result<std::collections::HashMap<JobId, JobRow>, StoreError> {
    found
        .into_iter()
        .map(|(snapshot, run_after, lease_owner, lease_until)| {
            let row = JobRow::decode(&snapshot, run_after, lease_owner, lease_until)?;
            Ok((row.snapshot.job_id, row))
        })
        .collect()
}

impl JobRow {
    /// A new job with its `queued` event (seq 1), claimable from `now`.
    pub fn create(new: &NewJob, now: Timestamp) -> Result<(JobRow, Event), StoreError> {
        let mut row = JobRow {
            snapshot: JobSnapshot::fresh(new, now),
            run_after: now.as_millis(),
            lease_owner: None,
            lease_until: None,
        };
        let event = row.advance(EventDraft::new(EventType::Queued), now)?;
        Ok((row, event))
    }

    /// Reads a row from its stored columns.
    pub fn decode(
        snapshot: &str,
        run_after: i64,
        lease_owner: Option<String>,
        lease_until: Option<i64>,
    ) -> Result<JobRow, StoreError> {
        Ok(JobRow {
            snapshot: decode_snapshot(snapshot)?,
            run_after,
            lease_owner,
            lease_until,
        })
    }

    /// Applies `draft` through the transition rules, then what the event does
    /// to the lease and the schedule: a retry releases the lease and makes the
    /// job claimable at the draft's `run_after` (or now); a terminal event
    /// releases the lease. On error the row is unchanged.
    pub fn advance(&mut self, draft: EventDraft, now: Timestamp) -> Result<Event, StoreError> {
        let run_after = draft.run_after;
        let event = transition::apply(&mut self.snapshot, draft, now)?;
        if event.kind == EventType::Retrying {
            self.release();
            self.run_after = run_after.unwrap_or(now).as_millis();
        } else if event.status.is_terminal() {
            self.release();
        }
        Ok(event)
    }

    /// Leases the job to `worker` until `until` (after its `started` event).
    pub fn lease_to(&mut self, worker: &str, until: Timestamp) {
        self.lease_owner = Some(worker.to_owned());
        self.lease_until = Some(until.as_millis());
    }

    fn release(&mut self) {
        self.lease_owner = None;
        self.lease_until = None;
    }

    pub fn id(&self) -> String {
        self.snapshot.job_id.to_string()
    }

    pub fn status(&self) -> &'static str {
        self.snapshot.status.as_str()
    }

    pub fn attempt(&self) -> i64 {
        i64::from(self.snapshot.attempt)
    }

    pub fn max_attempts(&self) -> i64 {
        i64::from(self.snapshot.max_attempts)
    }

    pub fn created_at(&self) -> i64 {
        self.snapshot.created_at.as_millis()
    }

    pub fn snapshot_json(&self) -> Result<String, StoreError> {
        encode(&self.snapshot)
    }
}

pub(crate) fn decode_snapshot(text: &str) -> Result<JobSnapshot, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("job snapshot: {e}")))
}

pub(crate) fn encode_event(event: &Event) -> Result<String, StoreError> {
    encode(event)
}

pub(crate) fn decode_event(text: &str) -> Result<Event, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("event: {e}")))
}

pub(crate) fn encode_job_ids(ids: &[JobId]) -> Result<String, StoreError> {
    encode(&ids.iter().map(JobId::to_string).collect::<Vec<_>>())
}

pub(crate) fn decode_job_ids(text: &str) -> Result<Vec<JobId>, StoreError> {
    let ids: Vec<String> = serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("idempotency job ids: {e}")))?;
    ids.iter().map(|id| parse_job_id(id)).collect()
}

pub(crate) fn parse_job_id(text: &str) -> Result<JobId, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("job id: {e}")))
}

pub(crate) fn decode_input(
    filename: Option<String>,
    media_type: &str,
    bytes: Vec<u8>,
) -> Result<JobInput, StoreError> {
    let media_type = MediaType::parse(media_type)
        .ok_or_else(|| StoreError::Corrupt(format!("media type {media_type:?}")))?;
    Ok(JobInput {
        filename,
        media_type,
        bytes,
    })
}

pub(crate) fn decode_leased(
    id: &str,
    attempt: i64,
    max_attempts: i64,
    lease_owner: String,
    lease_until: i64,
) -> Result<LeasedJob, StoreError> {
    Ok(LeasedJob {
        job_id: parse_job_id(id)?,
        attempt: to_u32(attempt, "attempt")?,
        max_attempts: to_u32(max_attempts, "max_attempts")?,
        lease_owner,
        lease_until: Timestamp::from_millis(lease_until),
    })
}

/// A new invoice saved by `job`: a fresh ULID id, owned by the job's owner.
pub(crate) fn new_invoice(job: &JobSnapshot, data: &Value, now: Timestamp) -> StoredInvoice {
    StoredInvoice {
        invoice_id: ulid::Ulid::new().to_string(),
        job_id: job.job_id,
        owner: job.owner.clone(),
        data: data.clone(),
        created_at: now,
    }
}

pub(crate) fn encode_invoice_data(data: &Value) -> Result<String, StoreError> {
    encode(data)
}

/// The columns of an `invoices` row, in `sql::SELECT_INVOICE` order.
pub(crate) type InvoiceColumns = (String, String, String, String, i64);

pub(crate) fn decode_invoice(
    (invoice_id, job_id, owner, data, created_at): InvoiceColumns,
) -> Result<StoredInvoice, StoreError> {
    Ok(StoredInvoice {
        invoice_id,
        job_id: parse_job_id(&job_id)?,
        owner,
        data: serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("invoice data: {e}")))?,
        created_at: Timestamp::from_millis(created_at),
    })
}

/// A `u64` sequence number or limit as SQL's signed 64-bit integer.
pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The page size of a listing: 1 to 200.
pub(crate) fn page_limit(limit: u32) -> u32 {
    limit.clamp(1, 200)
}

/// A page of a listing from up to `limit + 1` snapshots, newest first: the
/// extra one only tells that more follow.
pub(crate) fn page(found: &[String], limit: u32) -> Result<JobPage, StoreError> {
    let mut jobs = found
        .iter()
        .map(|text| decode_snapshot(text))
        .collect::<Result<Vec<_>, _>>()?;
    let more = jobs.len() > limit as usize;
    jobs.truncate(limit as usize);
    let next_cursor = if more {
        jobs.last().map(|job| job.job_id)
    } else {
        None
    };
    Ok(JobPage { jobs, next_cursor })
}

/// The names of the statuses a listing asks for.
pub(crate) fn status_names(statuses: &[Status]) -> Vec<String> {
    statuses.iter().map(|s| s.as_str().to_owned()).collect()
}

fn to_u32(n: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} {n} out of range")))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("cannot encode: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn new_job() -> NewJob {
        NewJob {
            id: JobId::new(),
            kind: "demo".into(),
            owner: "alice".into(),
            options: json!({}),
            max_attempts: 3,
            input: JobInput {
                filename: None,
                media_type: MediaType::Text,
                bytes: b"hi".to_vec(),
            },
        }
    }

    #[test]
    fn a_retry_releases_the_lease_and_schedules_the_next_attempt() {
        let now = Timestamp::from_millis(1_000);
        let (mut row, _) = JobRow::create(&new_job(), now).expect("create");
        row.advance(EventDraft::new(EventType::Started), now)
            .expect("start");
        row.lease_to("w1", now.plus_millis(30_000));
        let later = Timestamp::from_millis(9_000);
        row.advance(EventDraft::new(EventType::Retrying).run_after(later), now)
            .expect("retry");
        assert_eq!(row.lease_owner, None);
        assert_eq!(row.lease_until, None);
        assert_eq!(row.run_after, 9_000);
        assert_eq!(row.status(), "queued");
        assert_eq!(row.attempt(), 2);
    }

    #[test]
    fn a_terminal_event_releases_the_lease() {
        let now = Timestamp::from_millis(1_000);
        let (mut row, _) = JobRow::create(&new_job(), now).expect("create");
        row.advance(EventDraft::new(EventType::Started), now)
            .expect("start");
        row.lease_to("w1", now.plus_millis(30_000));
        row.advance(EventDraft::new(EventType::Progress).progress(5.0), now)
            .expect("progress");
        assert_eq!(row.lease_owner.as_deref(), Some("w1"));
        row.advance(EventDraft::new(EventType::Cancelled), now)
            .expect("cancel");
        assert_eq!((row.lease_owner, row.lease_until), (None, None));
    }

    #[test]
    fn snapshots_and_events_round_trip_exactly() {
        let now = Timestamp::from_millis(1_000);
        let (mut row, _) = JobRow::create(&new_job(), now).expect("create");
        row.advance(EventDraft::new(EventType::Started), now)
            .expect("start");
        let event = row
            .advance(
                EventDraft::new(EventType::Progress).progress(100.0 / 3.0),
                now,
            )
            .expect("progress");
        let text = row.snapshot_json().expect("encode");
        let back = JobRow::decode(&text, row.run_after, None, None).expect("decode");
        assert_eq!(back.snapshot, row.snapshot);
        let back = decode_event(&encode_event(&event).expect("encode")).expect("decode");
        assert_eq!(back, event);
    }
}
