//! TCP connections the server can cut. Every accepted connection is wrapped
//! in a [`Cuttable`] stream, and its [`Peer`] — the address and a handle to
//! cut it — goes into each request's extensions as `ConnectInfo<Peer>`.
//!
//! Why: socketioxide closes a socket by queueing a packet, which cannot be
//! done while the socket's buffer is full — exactly the state of a client
//! the server has decided to drop for not reading. Cutting its TCP
//! connection closes the WebSocket (and with it the Engine.IO and
//! Socket.IO sockets) whatever the buffer holds: reads and writes on a cut
//! stream fail at once, waking a task blocked on either.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use futures::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Accepts TCP connections as [`Cuttable`] streams, with `TCP_NODELAY`
/// (small frames must not wait for delayed ACKs: NOTES.md 2).
pub struct CuttableListener {
    tcp: TcpListener,
}

impl CuttableListener {
    pub fn new(tcp: TcpListener) -> Self {
        CuttableListener { tcp }
    }
}

impl Listener for CuttableListener {
    type Io = Cuttable;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Cuttable, SocketAddr) {
        loop {
            match self.tcp.accept().await {
                Ok((tcp, addr)) => {
                    if let Err(e) = tcp.set_nodelay(true) {
                        tracing::warn!(error = %e, "cannot set TCP_NODELAY");
                    }
                    return (Cuttable::new(tcp), addr);
                }
                // A connection that failed before it was accepted, or no
                // file descriptor left: wait a moment rather than spin.
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

/// The switch shared by a stream and the handles to it.
#[derive(Default)]
struct Switch {
    cut: AtomicBool,
    /// The tasks waiting to read and to write, woken by a cut.
    reader: AtomicWaker,
    writer: AtomicWaker,
}

impl Switch {
    fn is_cut(&self) -> bool {
        self.cut.load(Ordering::Acquire)
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::Release);
        self.reader.wake();
        self.writer.wake();
    }

    /// Keeps `cx`'s waker in `slot`; answers the error if already cut.
    fn register(&self, slot: &AtomicWaker, cx: &Context<'_>) -> Result<(), io::Error> {
        slot.register(cx.waker());
        // Checked after registering, so a cut in between is not missed.
        if self.is_cut() {
            Err(cut_error())
        } else {
            Ok(())
        }
    }
}

fn cut_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection cut by the server",
    )
}

/// A TCP stream that fails every read and write once it is cut.
pub struct Cuttable {
    tcp: TcpStream,
    switch: Arc<Switch>,
}

impl Cuttable {
    fn new(tcp: TcpStream) -> Self {
        Cuttable {
            tcp,
            switch: Arc::default(),
        }
    }

    /// A handle that cuts this stream.
    fn handle(&self) -> Cutter {
        Cutter(self.switch.clone())
    }
}

impl AsyncRead for Cuttable {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Err(e) = self.switch.register(&self.switch.reader, cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Cuttable {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Err(e) = self.switch.register(&self.switch.writer, cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.tcp).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Err(e) = self.switch.register(&self.switch.writer, cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.switch.is_cut() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// Cuts one connection.
#[derive(Clone)]
pub struct Cutter(Arc<Switch>);

impl Cutter {
    /// Fails the connection's reads and writes from now on: whoever serves
    /// it (hyper, a WebSocket task) sees an error and drops it.
    pub fn cut(&self) {
        self.0.cut();
    }
}

/// The peer of a request's connection (`ConnectInfo<Peer>`).
#[derive(Clone)]
pub struct Peer {
    pub addr: SocketAddr,
    pub cutter: Cutter,
}

impl Connected<IncomingStream<'_, CuttableListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, CuttableListener>) -> Self {
        Peer {
            addr: *stream.remote_addr(),
            cutter: stream.io().handle(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn pair() -> (Cuttable, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut accepting = CuttableListener::new(listener);
        let (client, (server, _)) =
            tokio::join!(TcpStream::connect(addr), Listener::accept(&mut accepting));
        (server, client.expect("connect"))
    }

    #[tokio::test]
    async fn a_cut_wakes_a_blocked_reader_with_an_error() {
        let (mut server, _client) = pair().await;
        let cutter = server.handle();
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 16];
            server.read(&mut buf).await
        });
        // The client sends nothing: the read is pending until the cut.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!reader.is_finished(), "the reader waits");
        cutter.cut();
        let read = tokio::time::timeout(Duration::from_secs(5), reader)
            .await
            .expect("the reader is woken")
            .expect("joined");
        let error = read.expect_err("a cut stream refuses reads");
        assert_eq!(error.kind(), io::ErrorKind::ConnectionAborted);
    }

    #[tokio::test]
    async fn a_cut_fails_a_writer_blocked_on_a_peer_that_does_not_read() {
        let (mut server, _client) = pair().await;
        let cutter = server.handle();
        let writer = tokio::spawn(async move {
            let chunk = vec![0u8; 64 * 1024];
            loop {
                server.write_all(&chunk).await?;
            }
            #[allow(unreachable_code)]
            Ok::<(), io::Error>(())
        });
        // Long enough for the socket buffers to fill and the writer to block.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!writer.is_finished(), "the writer is blocked, not failed");
        cutter.cut();
        let written = tokio::time::timeout(Duration::from_secs(5), writer)
            .await
            .expect("the blocked writer is woken")
            .expect("joined");
        let error = written.expect_err("a cut stream refuses writes");
        assert_eq!(error.kind(), io::ErrorKind::ConnectionAborted);
    }

    #[tokio::test]
    async fn reads_after_a_cut_fail() {
        let (mut server, mut client) = pair().await;
        server.handle().cut();
        client.write_all(b"late").await.expect("write");
        let mut buf = [0u8; 4];
        let error = server.read(&mut buf).await.expect_err("cut");
        assert_eq!(error.kind(), io::ErrorKind::ConnectionAborted);
    }
}
