//! A socket lives no longer than its token: when REST would start refusing
//! it, the socket is told why (`disconnect_reason` with code
//! `token_expired`) and closed. Its client reconnects with a fresh token and
//! rejoins with `after_seq`, missing nothing. Until the close is out, the
//! socket's feeds send nothing more and its requests are refused
//! (`Subscriber::offer`, `handlers`).

use std::sync::Arc;
use std::time::Duration;

use jobcast_core::wire::events::DISCONNECT_REASON;
use jobcast_core::wire::ErrorDetail;
use socketioxide::{SendError, SocketError};
use tokio::task::AbortHandle;

use super::handle::SocketHandle;
use super::hub::Hub;
use crate::error::ApiError;

/// How long a full socket buffer is waited out for the reason to go.
const SEND_FOR: Duration = Duration::from_secs(5);
const RETRY: Duration = Duration::from_millis(100);

/// Closes the socket once `left` has passed; abort the task to cancel.
pub fn close_after(hub: Arc<Hub>, socket: SocketHandle, left: Duration) -> AbortHandle {
    tokio::spawn(async move {
        tokio::time::sleep(left).await;
        if let Some(subscriber) = hub.get(socket.id) {
            subscriber.close();
        }
        tracing::info!(sid = %socket.id, "token expired: closing the socket");
        let reason = ApiError::token_expired().body().error;
        send_reason(&socket, &reason).await;
        socket.close().await;
    })
    .abort_handle()
}

async fn send_reason(socket: &SocketHandle, reason: &ErrorDetail) {
    let mut waited = Duration::ZERO;
    while waited < SEND_FOR {
        match socket.emit(DISCONNECT_REASON, reason) {
            Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                tokio::time::sleep(RETRY).await;
                waited += RETRY;
            }
            _ => return,
        }
    }
}
