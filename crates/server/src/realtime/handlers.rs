//! The client events of SPEC section 4. Each answers through its
//! acknowledgement with `{"ok":true,...}` or `{"ok":false,"error":{...}}`,
//! and does what the REST API does through the same functions (`actions`,
//! `access`), so both transports agree.

use std::sync::Arc;

use jobcast_core::wire::{
    AnswerClarification, ErrorAck, JobAck, JobRef, JoinJob, JoinJobAck, JoinUserAck, OkAck,
};
use jobcast_core::{JobQuery, Status};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use socketioxide::extract::{AckSender, SocketRef, TryData};

use super::subscriber::{JoinStart, Subscriber};
use super::Realtime;
use crate::access::{parse_job_id, visible_job};
use crate::actions;
use crate::error::ApiError;

/// Events replayed in one `join_job` acknowledgement; the rest of a longer log
/// follows at once as `job_update`s, in order.
pub const REPLAY_LIMIT: u32 = 10_000;
/// Unfinished jobs listed by `join_user`.
const USER_JOBS_LIMIT: u32 = 200;

type Payload = Result<Value, socketioxide::ParserError>;

pub fn register(rt: &Arc<Realtime>, socket: &SocketRef) {
    let join_rt = rt.clone();
    socket.on(
        "join_job",
        move |socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender| {
            let rt = join_rt.clone();
            async move {
                let Some(sub) = rt.hub.get(socket.id) else {
                    return;
                };
                match join_job(&rt, &sub, data).await {
                    Ok(joined) => {
                        let JoinReply {
                            ack: body,
                            floor,
                            own,
                            more,
                            replayed,
                        } = joined;
                        let id = body.job.job_id;
                        reply(ack, Ok(body));
                        let offered = sub.finish_join(id, floor, own, more, replayed);
                        rt.hub.follow_up(&sub, offered);
                    }
                    Err(error) => reply::<OkAck>(ack, Err(error)),
                }
            }
        },
    );
    on(rt, socket, "leave_job", |rt, sub, data| async move {
        leave_job(&rt, &sub, data).await
    });
    on(rt, socket, "join_user", |rt, sub, _| async move {
        join_user(&rt, &sub).await
    });
    on(rt, socket, "cancel_job", |rt, sub, data| async move {
        cancel_job(&rt, &sub, data).await
    });
    on(rt, socket, "answer", |rt, sub, data| async move {
        answer(&rt, &sub, data).await
    });
    socket.on_fallback(|ack: AckSender| async move {
        reply::<OkAck>(ack, Err(ApiError::bad_request("unknown event")));
    });
}

/// Registers `handler` for `event`; the subscriber is looked up per call so
/// the socket's handlers hold no reference back to it.
fn on<F, Fut, T>(rt: &Arc<Realtime>, socket: &SocketRef, event: &'static str, handler: F)
where
    F: Fn(Arc<Realtime>, Arc<Subscriber>, Payload) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, ApiError>> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let rt = rt.clone();
    socket.on(
        event,
        move |socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender| {
            let rt = rt.clone();
            let handler = handler.clone();
            async move {
                let Some(subscriber) = rt.hub.get(socket.id) else {
                    return;
                };
                let outcome = handler(rt, subscriber, data).await;
                reply(ack, outcome);
            }
        },
    );
}

fn reply<T: Serialize>(ack: AckSender, outcome: Result<T, ApiError>) {
    let sent = match outcome {
        Ok(body) => ack.send(&body),
        Err(error) => ack.send(&ErrorAck {
            ok: false,
            error: error.body().error,
        }),
    };
    if let Err(e) = sent {
        tracing::debug!(error = %e, "acknowledgement not sent");
    }
}

fn parse<T: DeserializeOwned>(data: Payload) -> Result<T, ApiError> {
    let value = data.map_err(|_| ApiError::bad_request("the payload is not JSON"))?;
    serde_json::from_value(value).map_err(|e| ApiError::bad_request(format!("bad payload: {e}")))
}

fn limited(sub: &Subscriber) -> Result<(), ApiError> {
    if sub.limiter.allow() {
        Ok(())
    } else {
        Err(ApiError::new(
            jobcast_core::ErrorCode::RateLimited,
            "too many requests on this connection; slow down",
        ))
    }
}

async fn join_job(
    rt: &Arc<Realtime>,
    sub: &Arc<Subscriber>,
    data: Payload,
) -> Result<JoinReply, ApiError> {
    let JoinJob { job_id, after_seq } = parse(data)?;
    let id = parse_job_id(&job_id)?;
    limited(sub)?;
    if let JoinStart::TooManyRooms = sub.begin_join(id, rt.limits.max_rooms) {
        return Err(ApiError::forbidden(format!(
            "a connection may watch at most {} jobs; leave one first",
            rt.limits.max_rooms
        )));
    }
    let sid = sub.socket.id;
    // Subscribed before the store is read: whatever is stored after the read
    // arrives live, and the floor drops what the replay already holds.
    rt.hub.index_job(id, sid);
    let read = async {
        let job = visible_job(rt.hub.store().as_ref(), &sub.caller, id).await?;
        let events = match after_seq {
            Some(after) => rt.hub.store().events_after(id, after, REPLAY_LIMIT).await?,
            None => Vec::new(),
        };
        Ok::<_, ApiError>((job, events))
    };
    let (job, events) = match read.await {
        Ok(found) => found,
        Err(e) => {
            sub.abort_join(id);
            rt.hub.unindex_job(id, sid);
            return Err(e);
        }
    };
    let floor = match after_seq {
        Some(after) => events.last().map_or(after, |e| e.seq.max(after)),
        None => job.last_seq,
    };
    let more = events.len() == REPLAY_LIMIT as usize;
    let own = job.owner == sub.user;
    // The ack goes out before any live event of this job (the feed is
    // Joining until `finish_join`), so the client sees replay, then live.
    Ok(JoinReply {
        ack: JoinJobAck {
            ok: true,
            job,
            events,
        },
        floor,
        own,
        more,
        replayed: after_seq.is_some(),
    })
}

struct JoinReply {
    ack: JoinJobAck,
    floor: u64,
    own: bool,
    more: bool,
    replayed: bool,
}

async fn leave_job(
    rt: &Arc<Realtime>,
    sub: &Arc<Subscriber>,
    data: Payload,
) -> Result<OkAck, ApiError> {
    let JobRef { job_id } = parse(data)?;
    let id = parse_job_id(&job_id)?;
    if sub.leave(id) {
        rt.hub.unindex_job(id, sub.socket.id);
    }
    Ok(OkAck { ok: true })
}

async fn join_user(rt: &Arc<Realtime>, sub: &Arc<Subscriber>) -> Result<JoinUserAck, ApiError> {
    limited(sub)?;
    sub.join_user_room();
    rt.hub.index_user(&sub.user, sub.socket.id);
    let page = rt
        .hub
        .store()
        .list_jobs(&JobQuery {
            owner: Some(sub.user.clone()),
            statuses: vec![Status::Queued, Status::Running, Status::WaitingInput],
            kind: None,
            limit: USER_JOBS_LIMIT,
            before: None,
        })
        .await?;
    for job in &page.jobs {
        sub.follow_from(job.job_id, job.last_seq);
    }
    Ok(JoinUserAck {
        ok: true,
        jobs: page.jobs,
    })
}

async fn cancel_job(
    rt: &Arc<Realtime>,
    sub: &Arc<Subscriber>,
    data: Payload,
) -> Result<JobAck, ApiError> {
    let JobRef { job_id } = parse(data)?;
    let id = parse_job_id(&job_id)?;
    limited(sub)?;
    let job = actions::cancel(&rt.state, &sub.caller, id).await?;
    Ok(JobAck { ok: true, job })
}

async fn answer(
    rt: &Arc<Realtime>,
    sub: &Arc<Subscriber>,
    data: Payload,
) -> Result<OkAck, ApiError> {
    let AnswerClarification {
        job_id,
        clarification_id,
        answer,
    } = parse(data)?;
    let id = parse_job_id(&job_id)?;
    limited(sub)?;
    actions::answer(&rt.state, &sub.caller, id, &clarification_id, answer).await?;
    Ok(OkAck { ok: true })
}
