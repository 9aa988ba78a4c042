//! The accept loop: one hyper HTTP/1 connection per task, with
//! - a header timeout (hyper's `header_read_timeout`, which also runs while a kept-alive
//!   connection waits for its next request, so it is the idle timeout too): slowloris clients
//!   that trickle or never finish their headers are closed;
//! - a write timeout on the socket: a client that stops reading its response is closed;
//! - a connection limit where, at the limit, a connection whose request is not being served is
//!   closed to make room: the oldest with no request at all (idle, half-open, or still sending
//!   its head), else the oldest still sending its body. Hostile clients can therefore not lock
//!   real ones out by holding connections open, whether they trickle a head or a body: only
//!   requests the server is working on (the handler said so through [`RequestPhase`]) or
//!   answering keep their connection.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::Sleep;
use tower_service::Service as _;

use crate::Limits;

/// Serves `app` on `listener` until `shutdown` completes, then lets the requests in progress
/// finish.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()>,
) {
    let table = Arc::new(Table::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while tasks.try_join_next().is_some() {}
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        tokio::select! {
            () = table.make_room() => {}
            () = &mut shutdown => break,
        }
        let (id, slot) = table.register();
        let connection = Connection {
            app: app.clone(),
            table: Arc::clone(&table),
            id,
            slot,
            header_timeout: Duration::from_millis(limits.header_timeout_ms),
            write_timeout: Duration::from_millis(limits.write_timeout_ms),
        };
        tasks.spawn(connection.run(stream, stopping.clone()));
    }
    drop(listener);
    let _ = stop.send(true);
    while tasks.join_next().await.is_some() {}
}

/// The open connections, oldest first (ids only grow).
struct Table {
    slots: Mutex<BTreeMap<u64, Slot>>,
    next_id: AtomicUsize,
    /// Signalled when a connection closes or finishes a request.
    changed: Notify,
    max: usize,
}

#[derive(Clone)]
struct Slot {
    /// Requests in progress (headers received, response not yet fully sent).
    busy: Arc<AtomicUsize>,
    /// Of those, the ones being served: their body is in (or they have none) or their answer is
    /// on its way.
    serving: Arc<AtomicUsize>,
    evict: Arc<Notify>,
}

impl Table {
    fn new(max: usize) -> Self {
        Self {
            slots: Mutex::new(BTreeMap::new()),
            next_id: AtomicUsize::new(0),
            changed: Notify::new(),
            max: max.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Slot>> {
        self.slots
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn register(&self) -> (u64, Slot) {
        let id = u64::try_from(self.next_id.fetch_add(1, Ordering::Relaxed)).unwrap_or(u64::MAX);
        let slot = Slot {
            busy: Arc::new(AtomicUsize::new(0)),
            serving: Arc::new(AtomicUsize::new(0)),
            evict: Arc::new(Notify::new()),
        };
        self.lock().insert(id, slot.clone());
        (id, slot)
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
        self.changed.notify_waiters();
    }

    /// Returns once there is room for one more connection, closing the oldest idle one (else
    /// the oldest still receiving its request) if the table is full; waits while every
    /// connection is serving a request.
    async fn make_room(&self) {
        loop {
            // Registered before looking, so a change in between is not missed.
            let changed = self.changed.notified();
            if self.try_make_room() {
                return;
            }
            changed.await;
        }
    }

    fn try_make_room(&self) -> bool {
        let mut slots = self.lock();
        if slots.len() < self.max {
            return true;
        }
        let oldest_where = |unserved: fn(&Slot) -> bool| {
            slots
                .iter()
                .find(|(_, slot)| unserved(slot))
                .map(|(&id, _)| id)
        };
        let victim = oldest_where(|slot| slot.busy.load(Ordering::Acquire) == 0)
            .or_else(|| oldest_where(|slot| slot.serving.load(Ordering::Acquire) == 0));
        match victim.and_then(|id| slots.remove(&id)) {
            Some(slot) => {
                slot.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

struct Connection {
    app: Router,
    table: Arc<Table>,
    id: u64,
    slot: Slot,
    header_timeout: Duration,
    write_timeout: Duration,
}

impl Connection {
    async fn run(self, stream: TcpStream, mut stopping: watch::Receiver<bool>) {
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(WriteTimeout::new(stream, self.write_timeout));
        let (app, slot, table) = (self.app.clone(), self.slot.clone(), Arc::clone(&self.table));
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            let mut app = app.clone();
            let guard = BusyGuard::enter(&slot, Arc::clone(&table));
            request.extensions_mut().insert(guard.phase.clone());
            async move {
                let response = match app.call(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                // Answering: whatever the handler said, this is the server's work now.
                guard.phase.serving();
                Ok::<_, Infallible>(response.map(|body| GuardedBody {
                    inner: body,
                    _guard: guard,
                }))
            }
        });
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_timeout)
            .keep_alive(true);
        let connection = builder.serve_connection(io, service);
        tokio::pin!(connection);
        tokio::select! {
            _ = connection.as_mut() => {}
            () = self.slot.evict.notified() => {}
            () = async { drop(stopping.wait_for(|stop| *stop).await) } => {
                // Requests in progress finish; a connection without one (idle, or a head still
                // trickling in) is closed at once rather than after its header timeout.
                if self.slot.busy.load(Ordering::Acquire) > 0 {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.as_mut().await;
                }
            }
        }
        self.table.remove(self.id);
    }
}

/// Where a request stands, in its extensions for the handler: receiving (its connection may be
/// closed to make room) until [`RequestPhase::serving`] says the server is at work on it.
#[derive(Clone, Debug)]
pub(super) struct RequestPhase {
    /// The connection's count of requests being served.
    serving: Arc<AtomicUsize>,
    marked: Arc<AtomicBool>,
}

impl RequestPhase {
    /// The request is complete (its body read): its connection is kept until it is answered.
    pub(super) fn serving(&self) {
        if !self.marked.swap(true, Ordering::AcqRel) {
            self.serving.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// Counts a request in progress on its connection until its response body is dropped.
struct BusyGuard {
    busy: Arc<AtomicUsize>,
    phase: RequestPhase,
    table: Arc<Table>,
}

impl BusyGuard {
    fn enter(slot: &Slot, table: Arc<Table>) -> Self {
        slot.busy.fetch_add(1, Ordering::AcqRel);
        let phase = RequestPhase {
            serving: Arc::clone(&slot.serving),
            marked: Arc::new(AtomicBool::new(false)),
        };
        Self {
            busy: Arc::clone(&slot.busy),
            phase,
            table,
        }
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        if self.phase.marked.load(Ordering::Acquire) {
            self.phase.serving.fetch_sub(1, Ordering::AcqRel);
        }
        self.busy.fetch_sub(1, Ordering::AcqRel);
        // The connection may have become evictable: an accept waiting for room looks again.
        self.table.changed.notify_waiters();
    }
}

/// A response body that keeps its connection marked busy until it is sent (or dropped).
struct GuardedBody {
    inner: Body,
    _guard: BusyGuard,
}

impl http_body::Body for GuardedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A socket whose writes fail with `TimedOut` once they have made no progress for `limit`.
struct WriteTimeout {
    inner: TcpStream,
    limit: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl WriteTimeout {
    fn new(inner: TcpStream, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            stalled: None,
        }
    }

    /// Turns a pending write into an error once the stall has lasted `limit`.
    fn watch<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.stalled = None;
            return poll;
        }
        let limit = self.limit;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for WriteTimeout {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteTimeout {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
