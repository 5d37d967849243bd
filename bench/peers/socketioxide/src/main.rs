//! The benchmark's workload on bare socketioxide, the floor jobcast builds
//! on: a JWT (HS256) checked on connect, `join_job` with an ack joins the
//! room `job:<id>`, and `POST /publish {"jobs","events","interval_us"}` emits
//! each job's events to its room (`job_update` with `seq` and `data.t_us`).
//! Handlers are registered in the connect middleware and TCP_NODELAY is set
//! (../../../shared/NOTES.md 1 and 2), as jobcast does. Nothing is stored.
//!
//! Usage: bench-socketioxide ADDRESS SECRET

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use socketioxide::extract::{AckSender, Data, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::SocketIo;

#[derive(Deserialize)]
struct Claims {
    #[allow(dead_code)]
    sub: String,
}

#[derive(Deserialize)]
struct Publish {
    jobs: Vec<String>,
    events: u64,
    #[serde(default)]
    interval_us: u64,
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

async fn publish(State(io): State<SocketIo>, Json(body): Json<Publish>) -> Json<Value> {
    // One task per job, so rooms are served side by side as jobs would be.
    for job in body.jobs {
        let io = io.clone();
        tokio::spawn(async move {
            let room = format!("job:{job}");
            for seq in 1..=body.events {
                let event = json!({"job_id": job, "seq": seq, "type": "progress",
                                   "data": {"t_us": now_us()}});
                let _ = io.to(room.clone()).emit("job_update", &event).await;
                if body.interval_us > 0 {
                    tokio::time::sleep(Duration::from_micros(body.interval_us)).await;
                } else {
                    tokio::task::yield_now().await;
                }
            }
        });
    }
    Json(json!({"ok": true}))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18200".into());
    let secret = args
        .next()
        .ok_or("usage: bench-socketioxide ADDRESS SECRET")?;
    let key = Arc::new(jsonwebtoken::DecodingKey::from_secret(secret.as_bytes()));
    let (layer, io) = SocketIo::new_layer();
    let middleware = move |socket: SocketRef, TryData(auth): TryData<Value>| {
        let key = key.clone();
        async move {
            let token = auth
                .ok()
                .and_then(|a| a["token"].as_str().map(str::to_owned));
            let valid = token.is_some_and(|t| {
                jsonwebtoken::decode::<Claims>(
                    &t,
                    &key,
                    &jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256),
                )
                .is_ok()
            });
            if !valid {
                return Err("unauthorized");
            }
            socket.on(
                "join_job",
                |socket: SocketRef, Data(body): Data<Value>, ack: AckSender| async move {
                    let job = body["job_id"].as_str().unwrap_or_default().to_owned();
                    socket.join(format!("job:{job}"));
                    let _ = ack.send(&json!({"ok": true, "job": {"job_id": job, "last_seq": 0}}));
                },
            );
            Ok(())
        }
    };
    io.ns("/", (async || {}).with(middleware));
    let app = Router::new()
        .route("/publish", post(publish))
        .with_state(io)
        .layer(layer);
    let listener = tokio::net::TcpListener::bind(&address).await?;
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    println!("listening on http://{address}");
    axum::serve(listener, app).await?;
    Ok(())
}
