//! The event bus: how a stored event reaches whoever is watching its job.
//!
//! Publishing happens strictly after the event is committed. The bus may be
//! lossy for a subscriber that falls behind; subscribers recover from the
//! store by `seq`, which is why every event carries one.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::Event;

/// One stored event, with the owner of its job (for `user:<owner>` rooms).
#[derive(Debug, Clone, PartialEq)]
pub struct BusMessage {
    pub owner: String,
    pub event: Event,
}

pub trait EventBus: Send + Sync + 'static {
    fn publish(&self, message: Arc<BusMessage>);
    fn subscribe(&self) -> broadcast::Receiver<Arc<BusMessage>>;
}

/// The bus of a single instance: a bounded broadcast channel.
pub struct LocalBus {
    sender: broadcast::Sender<Arc<BusMessage>>,
}

impl LocalBus {
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        LocalBus { sender }
    }
}

impl Default for LocalBus {
    fn default() -> Self {
        LocalBus::new(8192)
    }
}

impl EventBus for LocalBus {
    fn publish(&self, message: Arc<BusMessage>) {
        // No receiver is not an error: nobody is watching.
        let _ = self.sender.send(message);
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<BusMessage>> {
        self.sender.subscribe()
    }
}
