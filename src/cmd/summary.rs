//! The table printed on stdout once every followed job has finished: one row
//! per job with a one-line account of how it ended, then `N of M completed`.

use jobcast_client::follow::Followed;
use jobcast_core::{JobSnapshot, Status};
use serde_json::Value;

pub fn print(jobs: &[&Followed]) {
    let rows: Vec<[String; 4]> = jobs
        .iter()
        .map(|f| {
            [
                f.job.job_id.to_string(),
                f.name(),
                f.job.status.as_str().to_owned(),
                outcome(f),
            ]
        })
        .collect();
    println!();
    super::table::print(&["JOB", "FILE", "STATUS", "OUTCOME"], &rows);
    let completed = jobs
        .iter()
        .filter(|f| f.job.status == Status::Completed)
        .count();
    println!("{completed} of {} completed", jobs.len());
}

/// How a job ended: `12 sentences` (pdf.sentences), `total EUR 1234.5,
/// confidence 0.93` (invoice.extract), `code: message` (a failure), else
/// its attempt count (`attempt 2 of 4 (1 handed back)`).
pub fn outcome(followed: &Followed) -> String {
    let job = &followed.job;
    if let Some(error) = &job.error {
        return format!("{}: {}", error.code, error.message);
    }
    let attempts = || attempts(job, followed.handed_back);
    let Some(result) = job
        .result
        .as_ref()
        .filter(|_| job.status == Status::Completed)
    else {
        return attempts();
    };
    match job.kind.as_str() {
        "pdf.sentences" => {
            let n = result
                .get("sentences")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            format!("{n} sentences")
        }
        "invoice.extract" => invoice(result),
        _ => attempts(),
    }
}

/// `attempt 2 of 3`, or `attempt 2 of 4 (1 handed back)` for a job a drain
/// handed back: those attempts were not used, so the limit grew with them.
fn attempts(job: &JobSnapshot, handed_back: u32) -> String {
    let count = format!("attempt {} of {}", job.attempt, job.max_attempts);
    match handed_back {
        0 => count,
        n => format!("{count} ({n} handed back)"),
    }
}

fn invoice(result: &Value) -> String {
    let data = result.get("extracted_data");
    let field = |name: &str| match data.and_then(|d| d.get(name)) {
        None | Some(Value::Null) => "?".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    let confidence = result
        .get("confidence_score")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let review = if result.get("requires_review") == Some(&Value::Bool(true)) {
        ", needs review"
    } else {
        ""
    };
    format!(
        "total {} {}, confidence {confidence:.2}{review}",
        field("currency"),
        field("total")
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use jobcast_core::JobSnapshot;

    use super::{attempts, invoice};

    #[test]
    fn an_invoice_reads_as_its_total_and_confidence() {
        let result = json!({
            "extracted_data": {"currency": "EUR", "total": 1234.5},
            "confidence_score": 0.934,
            "requires_review": false
        });
        assert_eq!(invoice(&result), "total EUR 1234.5, confidence 0.93");
        let unsure = json!({"extracted_data": {"total": null}, "requires_review": true});
        assert_eq!(invoice(&unsure), "total ? ?, confidence 0.00, needs review");
    }

    #[test]
    fn handed_back_attempts_are_told_apart() {
        let mut job: JobSnapshot = serde_json::from_value(json!({
            "job_id": "01JD3000000000000000000000", "room": "job:x", "kind": "demo.steps",
            "owner": "alice", "filename": null, "status": "completed", "stage": null,
            "progress": 100.0, "message": "Completed", "eta_ms": null, "attempt": 2,
            "max_attempts": 3, "options": {}, "result": null, "error": null,
            "created_at": "2026-11-22T10:00:00.000Z", "started_at": null,
            "finished_at": null, "last_seq": 9
        }))
        .expect("snapshot");
        assert_eq!(attempts(&job, 0), "attempt 2 of 3");
        job.max_attempts = 4;
        assert_eq!(attempts(&job, 1), "attempt 2 of 4 (1 handed back)");
    }
}
