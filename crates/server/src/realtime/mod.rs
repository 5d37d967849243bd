//! Live progress over Socket.IO (SPEC section 4): socketioxide mounted on the
//! same axum server, JWT checked at connect, rooms per job and per user, and
//! gap-free replay. `hub` routes events to sockets; `subscriber` keeps each
//! socket's per-job floor; `connect` authenticates; `handlers` answers the
//! client events.

mod accounting;
mod connect;
mod expiry;
mod handle;
mod handlers;
mod hub;
mod limits;
mod subscriber;
mod websockets;

use std::sync::Arc;

use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use socketioxide::SocketIo;

use crate::config::RealtimeConfig;
use crate::state::AppState;

pub use handlers::REPLAY_LIMIT;
pub use hub::Hub;
pub use websockets::{record_upgrade, WebSockets};

/// What the Socket.IO handlers share.
pub struct Realtime {
    pub state: AppState,
    pub hub: Arc<Hub>,
    pub limits: RealtimeConfig,
    pub io: SocketIo,
    /// Open connections per user (`max_connections_per_user`).
    pub connections: Arc<accounting::ConnectionCounts>,
    /// The TCP connection of each WebSocket, to cut a socket that is dropped.
    pub websockets: Arc<WebSockets>,
}

/// Each WebSocket's read buffer. Clients send small frames (joins, acks,
/// pongs), so 1 KiB instead of engineioxide's 4 KiB keeps an idle connection
/// smaller; a larger frame is still read whole, in several reads.
const WS_READ_BUFFER: usize = 1024;

/// Builds the Socket.IO layer and starts the fan-out from the event bus.
/// `record_upgrade` (with the `WebSockets` returned) must run in front of
/// the layer.
pub fn build(
    state: AppState,
    limits: RealtimeConfig,
) -> (SocketIoLayer, SocketIo, Arc<WebSockets>) {
    let hub = Hub::new(state.store().clone(), limits.stall_timeout, limits.buffer);
    hub.spawn_fanout(state.journal.bus());
    let payload = usize::try_from(limits.max_payload).unwrap_or(usize::MAX);
    let (layer, io) = SocketIo::builder()
        .max_payload(limits.max_payload)
        .ws_max_message_size(payload)
        .ws_max_frame_size(payload)
        .max_buffer_size(limits.buffer)
        .ws_read_buffer_size(WS_READ_BUFFER)
        .build_layer();
    let websockets = Arc::new(WebSockets::new(io.clone()));
    let rt = Arc::new(Realtime {
        state,
        hub,
        limits,
        io: io.clone(),
        connections: Arc::default(),
        websockets: websockets.clone(),
    });
    io.ns("/", (async || {}).with(connect::middleware(rt)));
    (layer, io, websockets)
}
