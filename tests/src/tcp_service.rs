//! A line-based TCP service on loopback that can be stopped and started again on the same port,
//! as a process restart would: the listener closes, every open connection is cut, and for a
//! while connections are refused.
//!
//! The protocol: the client sends one line, the service answers `ok <line>` and keeps the
//! connection open for the next line.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// A loopback port held without listening: connections to it are refused, as by a service that
/// is not up yet, and no `bind` to port 0 elsewhere can be handed the same port in the meantime
/// (letting go of the port instead would allow that, and parallel tests do bind port 0).
/// `listen` on the socket starts the service.
pub fn reserve_loopback_port() -> (TcpSocket, SocketAddr) {
    let socket = TcpSocket::new_v4().expect("a TCP socket");
    socket.set_reuseaddr(true).expect("SO_REUSEADDR");
    socket
        .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind loopback");
    let addr = socket.local_addr().expect("local address");
    (socket, addr)
}

/// Holds `addr` again, as soon as its listener has closed.
fn reserve_again(addr: SocketAddr) -> TcpSocket {
    let socket = TcpSocket::new_v4().expect("a TCP socket");
    // The connections just cut linger in TIME_WAIT on this port; SO_REUSEADDR lets us bind anyway.
    socket.set_reuseaddr(true).expect("SO_REUSEADDR");
    socket.bind(addr).expect("bind the same port again");
    socket
}

/// Connections the kernel queues before `accept`; more than any test opens at once.
pub(crate) const BACKLOG: u32 = 1024;

/// The service; [`stop`](LineService::stop) and [`start`](LineService::start) restart it.
#[derive(Debug)]
pub struct LineService {
    addr: SocketAddr,
    answered: Arc<AtomicU64>,
    running: Option<JoinHandle<()>>,
    /// While stopped: the port, held but refusing connections.
    reserved: Option<TcpSocket>,
}

impl LineService {
    /// Starts the service on an ephemeral loopback port.
    pub async fn start_new() -> Self {
        let (socket, addr) = reserve_loopback_port();
        let mut service = LineService {
            addr,
            answered: Arc::new(AtomicU64::new(0)),
            running: None,
            reserved: Some(socket),
        };
        service.start().await;
        service
    }

    /// Where it listens (the same address across restarts).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Lines answered since the first start.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// Closes the listener and cuts every connection; clients are refused until `start`.
    pub async fn stop(&mut self) {
        if let Some(task) = self.running.take() {
            task.abort();
            // Wait until the listener is really closed, so "stopped" means refused.
            let _ = task.await;
            self.reserved = Some(reserve_again(self.addr));
        }
    }

    /// Listens again on the same port; does nothing if it is running.
    pub async fn start(&mut self) {
        if let Some(socket) = self.reserved.take() {
            let listener = socket.listen(BACKLOG).expect("listen");
            self.running = Some(tokio::spawn(accept(listener, Arc::clone(&self.answered))));
        }
    }
}

impl Drop for LineService {
    fn drop(&mut self) {
        if let Some(task) = &self.running {
            task.abort();
        }
    }
}

async fn accept(listener: TcpListener, answered: Arc<AtomicU64>) {
    // Owned here, so aborting this task drops every connection with it.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(answer_lines(stream, Arc::clone(&answered)));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn answer_lines(stream: TcpStream, answered: Arc<AtomicU64>) {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if writer.write_all(format!("ok {line}\n").as_bytes()).await.is_err() {
            return;
        }
        answered.fetch_add(1, Ordering::Relaxed);
    }
}
