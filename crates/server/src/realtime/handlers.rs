//! The client events of SPEC section 4. Each answers through its
//! acknowledgement with `{"ok":true,...}` or `{"ok":false,"error":{...}}`,
//! and does what the REST API does through the same functions (`actions`,
//! `access`), so both transports agree.

use std::collections::HashMap;
use std::sync::Arc;

use jobcast_core::wire::{
    events, AnswerClarification, ErrorAck, JobAck, JobRef, JoinJob, JoinJobAck, JoinUser,
    JoinUserAck, OkAck,
};
use jobcast_core::{Event, JobId, JobQuery, Status};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use socketioxide::extract::{AckSender, SocketRef, TryData};
use socketioxide::{SendError, SocketError};

use super::subscriber::{JoinStart, Subscriber};
use super::Realtime;
use crate::access::{parse_job_id, visible_job};
use crate::actions;
use crate::error::ApiError;

/// Events read for one `join_job` acknowledgement.
pub const REPLAY_LIMIT: u32 = 1_000;
/// Bytes of events (as JSON) one `join_job` acknowledgement holds at most
/// (it always holds the first event, whatever its size). The rest of a
/// longer log follows at once as `job_update`s, in order, at the pace the
/// client reads. A socket's buffer holds `socket_buffer` packets, so this
/// bounds what a client that never reads its acknowledgements can cost.
pub const REPLAY_ACK_BYTES: usize = 32 * 1024;
/// Unfinished jobs listed per `join_user` acknowledgement; `next` pages on.
pub const USER_JOBS_PAGE: u32 = 200;
/// Resume points one `join_user` may carry.
pub const USER_RESUME_LIMIT: usize = 500;
/// Resume points per extra rate token a `join_user` takes.
const USER_RESUME_PER_TOKEN: usize = 100;

type Payload = Result<Value, socketioxide::ParserError>;

pub fn register(rt: &Arc<Realtime>, socket: &SocketRef) {
    let join_rt = rt.clone();
    socket.on(
        events::JOIN_JOB,
        move |socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender| {
            let rt = join_rt.clone();
            async move {
                let Some(sub) = rt.hub.get(socket.id) else {
                    let _ = reply::<OkAck>(ack, Err(closing()));
                    return;
                };
                if let Err(refused) = current(&sub) {
                    let _ = reply::<OkAck>(ack, Err(refused));
                    return;
                }
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
                        if reply(ack, Ok(body)) {
                            let offered = sub.finish_join(id, floor, own, more, replayed);
                            rt.hub.follow_up(&sub, offered);
                        } else {
                            // Its replay never left: the client would wait for it
                            // forever, and the feed would skip it.
                            drop_stalled(&sub);
                        }
                    }
                    Err(error) => {
                        if !reply::<OkAck>(ack, Err(error)) {
                            drop_stalled(&sub);
                        }
                    }
                }
            }
        },
    );
    on(rt, socket, events::LEAVE_JOB, |rt, sub, data| async move {
        leave_job(&rt, &sub, data).await
    });
    let user_rt = rt.clone();
    socket.on(
        events::JOIN_USER,
        move |socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender| {
            let rt = user_rt.clone();
            async move {
                let Some(sub) = rt.hub.get(socket.id) else {
                    let _ = reply::<OkAck>(ack, Err(closing()));
                    return;
                };
                if let Err(refused) = current(&sub) {
                    let _ = reply::<OkAck>(ack, Err(refused));
                    return;
                }
                match join_user(&rt, &sub, data).await {
                    Ok(UserReply { ack: body, resumed }) => {
                        if reply(ack, Ok(body)) {
                            // Each resumed job is Behind its client's seq (or
                            // Live at it); one catch-up task sends them all.
                            for (id, floor, more) in resumed {
                                let offered = sub.finish_join(id, floor, true, more, true);
                                rt.hub.follow_up(&sub, offered);
                            }
                        } else {
                            for (id, _, _) in resumed {
                                sub.abort_join(id);
                            }
                            drop_stalled(&sub);
                        }
                    }
                    Err(error) => {
                        if !reply::<OkAck>(ack, Err(error)) {
                            drop_stalled(&sub);
                        }
                    }
                }
            }
        },
    );
    on(rt, socket, events::CANCEL_JOB, |rt, sub, data| async move {
        cancel_job(&rt, &sub, data).await
    });
    on(rt, socket, events::ANSWER, |rt, sub, data| async move {
        answer(&rt, &sub, data).await
    });
    socket.on_fallback(|ack: AckSender| async move {
        // An answer to nonsense; a client too full to take it is not waited for.
        let _ = reply::<OkAck>(ack, Err(ApiError::bad_request("unknown event")));
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
                    let _ = reply::<OkAck>(ack, Err(closing()));
                    return;
                };
                let outcome = match current(&subscriber) {
                    Ok(()) => handler(rt.clone(), subscriber.clone(), data).await,
                    Err(refused) => Err(refused),
                };
                if !reply(ack, outcome) {
                    drop_stalled(&subscriber);
                }
            }
        },
    );
}

/// Sends the acknowledgement; `false` when the socket's buffer is full, so
/// that it could not be queued (a client that does not read).
fn reply<T: Serialize>(ack: AckSender, outcome: Result<T, ApiError>) -> bool {
    let sent = match outcome {
        Ok(body) => ack.send(&body),
        Err(error) => ack.send(&ErrorAck {
            ok: false,
            error: error.body().error,
        }),
    };
    match sent {
        Ok(()) => true,
        Err(SendError::Socket(SocketError::InternalChannelFull)) => false,
        Err(e) => {
            tracing::debug!(error = %e, "acknowledgement not sent");
            true
        }
    }
}

/// A socket whose acknowledgement could not even be queued reads nothing:
/// it is closed (its client rejoins with the last seq it saw) rather than
/// left waiting for an answer that will never come. It stays in the hub,
/// sending nothing and refusing requests, until it is gone.
fn drop_stalled(sub: &Arc<Subscriber>) {
    tracing::info!(sid = %sub.socket.id, "socket too full for an acknowledgement: closing it");
    sub.close();
    let socket = sub.socket.clone();
    tokio::spawn(async move { socket.close().await });
}

/// The answer to a request on a socket that is being closed, or that the
/// hub no longer knows: never silence.
fn closing() -> ApiError {
    ApiError::unavailable("this connection is closing: reconnect and rejoin with after_seq")
}

/// Refuses every request once the socket's token has expired (the socket
/// is being closed; its client reconnects with a fresh token).
fn current(sub: &Subscriber) -> Result<(), ApiError> {
    if sub.caller.is_expired() {
        Err(ApiError::token_expired())
    } else if sub.is_closed() {
        Err(closing())
    } else {
        Ok(())
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
        let (events, cut) = match after_seq {
            Some(after) => {
                let read = rt.hub.store().events_after(id, after, REPLAY_LIMIT).await?;
                let full = read.len() == REPLAY_LIMIT as usize;
                let (events, cut) = within_bytes(read, REPLAY_ACK_BYTES);
                (events, cut || full)
            }
            None => (Vec::new(), false),
        };
        Ok::<_, ApiError>((job, events, cut))
    };
    let (job, events, more) = match read.await {
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

/// The first of `events` that fit in `budget` bytes of JSON (at least one),
/// and whether any were cut.
fn within_bytes(mut events: Vec<Event>, budget: usize) -> (Vec<Event>, bool) {
    let mut used = 0;
    let fit = events
        .iter()
        .position(|event| {
            let bytes = serde_json::to_vec(event).map_or(usize::MAX, |json| json.len());
            used = usize::saturating_add(used, bytes);
            used > budget
        })
        .map_or(events.len(), |over| over.max(1));
    let cut = fit < events.len();
    events.truncate(fit);
    (events, cut)
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

/// A `join_user` request, checked: resume points (job, `after_seq`) and the
/// page cursor.
struct UserRequest {
    points: Vec<(JobId, u64)>,
    after: Option<JobId>,
}

/// The `join_user` request: `{}`, or resume points and a page cursor.
fn parse_join_user(data: Payload) -> Result<UserRequest, ApiError> {
    let request: JoinUser = match data {
        // No payload, or `null`: the plain join of the user room.
        Err(_) | Ok(Value::Null) => JoinUser::default(),
        Ok(value) => serde_json::from_value(value)
            .map_err(|e| ApiError::bad_request(format!("bad payload: {e}")))?,
    };
    if request.jobs.len() > USER_RESUME_LIMIT {
        return Err(ApiError::bad_request(format!(
            "at most {USER_RESUME_LIMIT} jobs per join_user; send the rest in another call"
        )));
    }
    let jobs = request
        .jobs
        .iter()
        .map(|(id, after)| Ok((parse_job_id(id)?, *after)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let after = request
        .after
        .map(|cursor| {
            cursor.parse::<JobId>().map_err(|_| {
                ApiError::bad_request("bad cursor: pass the `next` of a join_user ack")
            })
        })
        .transpose()?;
    Ok(UserRequest {
        points: jobs,
        after,
    })
}

/// Rate tokens a `join_user` takes: one, and one more per
/// `USER_RESUME_PER_TOKEN` resume points.
fn join_user_cost(resume_points: usize) -> u32 {
    u32::try_from(1 + resume_points / USER_RESUME_PER_TOKEN).unwrap_or(u32::MAX)
}

struct UserReply {
    ack: JoinUserAck,
    /// Resumed jobs to settle once the ack is out: (job, floor, more to send).
    resumed: Vec<(JobId, u64, bool)>,
}

async fn join_user(
    rt: &Arc<Realtime>,
    sub: &Arc<Subscriber>,
    data: Payload,
) -> Result<UserReply, ApiError> {
    let UserRequest { points, after } = parse_join_user(data)?;
    if !sub.limiter.allow_n(join_user_cost(points.len())) {
        return Err(ApiError::new(
            jobcast_core::ErrorCode::RateLimited,
            "too many requests on this connection; slow down",
        ));
    }
    // Registered before the store is read and before the user room is
    // joined, so that nothing live overtakes what is resumed.
    let registered = sub.begin_resume(points.iter().map(|(id, _)| *id));
    sub.join_user_room();
    rt.hub.index_user(&sub.user, sub.socket.id);
    let ids: Vec<JobId> = points.iter().map(|(id, _)| *id).collect();
    let read = async {
        let own = rt.hub.store().jobs_of(&sub.user, &ids).await?;
        let page = rt
            .hub
            .store()
            .list_jobs(&JobQuery {
                owner: Some(sub.user.clone()),
                statuses: vec![Status::Queued, Status::Running, Status::WaitingInput],
                kind: None,
                limit: USER_JOBS_PAGE,
                before: after,
            })
            .await?;
        Ok::<_, ApiError>((own, page))
    };
    let (own, page) = match read.await {
        Ok(found) => found,
        Err(e) => {
            for id in registered {
                sub.abort_join(id);
            }
            return Err(e);
        }
    };
    let own: HashMap<JobId, (u64, bool)> = own
        .iter()
        .map(|job| (job.job_id, (job.last_seq, job.status.is_terminal())))
        .collect();
    let asked: HashMap<JobId, u64> = points.iter().copied().collect();
    let mut resumed = Vec::new();
    for id in registered {
        match (own.get(&id), asked.get(&id)) {
            (Some(&(last_seq, terminal)), Some(&after_seq)) => {
                if terminal && after_seq >= last_seq {
                    sub.abort_join(id); // over, and nothing the client lacks
                } else {
                    resumed.push((id, after_seq, last_seq > after_seq));
                }
            }
            _ => sub.abort_join(id),
        }
    }
    for job in &page.jobs {
        sub.follow_from(job.job_id, job.last_seq);
    }
    let unknown = points
        .iter()
        .filter(|(id, _)| !own.contains_key(id))
        .map(|(id, _)| id.to_string())
        .collect();
    Ok(UserReply {
        ack: JoinUserAck {
            ok: true,
            jobs: page.jobs,
            next: page.next_cursor.map(|id| id.to_string()),
            unknown,
        },
        resumed,
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

#[cfg(test)]
mod tests {
    use jobcast_core::{EventType, JobId, Status, Timestamp};

    use super::*;

    fn event(seq: u64, message: &str) -> Event {
        Event {
            job_id: JobId::new(),
            seq,
            kind: EventType::Log,
            status: Status::Running,
            stage: None,
            progress: 0.0,
            message: message.to_owned(),
            eta_ms: None,
            data: None,
            timestamp: Timestamp::now(),
        }
    }

    #[tokio::test]
    async fn requests_are_refused_once_the_token_has_expired() {
        use crate::auth::Caller;
        use crate::auth::Role;
        use socketioxide::socket::Sid;
        use socketioxide::SocketIo;

        use super::super::handle::SocketHandle;
        use super::super::limits::RateLimiter;

        let (_service, io) = SocketIo::new_svc();
        let subscriber = |exp: u64| {
            let caller = Caller {
                user: "alice".into(),
                role: Role::User,
                exp,
            };
            let websockets = std::sync::Arc::new(super::super::WebSockets::new(io.clone()));
            let handle = SocketHandle::new(io.clone(), websockets, Sid::new());
            Subscriber::new(handle, caller, RateLimiter::new(1, 1))
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        assert!(current(&subscriber(now + 60)).is_ok());
        let refused = current(&subscriber(now - 3600)).expect_err("expired");
        assert_eq!(
            refused.body().error.code,
            jobcast_core::ErrorCode::TokenExpired
        );
    }

    #[test]
    fn an_ack_holds_what_fits_in_its_bytes_and_at_least_one_event() {
        let small: Vec<Event> = (1..=100).map(|seq| event(seq, "step")).collect();
        let ten: usize = small[..10]
            .iter()
            .map(|e| serde_json::to_vec(e).expect("json").len())
            .sum();
        let (kept, cut) = within_bytes(small.clone(), ten);
        assert_eq!((kept.len(), cut), (10, true));
        assert_eq!(kept[..], small[..10]);
        let (kept, cut) = within_bytes(small.clone(), usize::MAX);
        assert_eq!((kept.len(), cut), (100, false));

        let huge = vec![event(1, &"x".repeat(100_000)), event(2, "next")];
        let (kept, cut) = within_bytes(huge, REPLAY_ACK_BYTES);
        assert_eq!((kept.len(), cut), (1, true), "the first event always goes");
        assert_eq!(within_bytes(Vec::new(), 0), (Vec::new(), false));
    }
}
