//! A TCP fault proxy the test controls, put between a child and its parent:
//! pass traffic, cut the link, stall mid-response, trickle bytes, or reset
//! connections mid-batch. Loopback only.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does to traffic now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Close every connection and refuse new ones.
    Cut,
    /// Keep connections open but forward nothing.
    Stall,
    /// Forward 64 bytes at a time, 20 ms apart.
    Trickle,
    /// Reset every connection (RST) at its next chunk of data.
    Reset,
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    mode: Arc<watch::Sender<Fault>>,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port forwarding to `target`.
    pub async fn start(target: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(watch::channel(Fault::Pass).0);
        let m = mode.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if *m.borrow() == Fault::Cut {
                    drop(client);
                    continue;
                }
                let m = m.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(target).await else {
                        return;
                    };
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    tokio::select! {
                        _ = pipe(cr, sw, m.subscribe()) => {}
                        _ = pipe(sr, cw, m.subscribe()) => {}
                    }
                });
            }
        });
        FaultProxy { addr, mode }
    }

    pub fn set(&self, fault: Fault) {
        self.mode.send_replace(fault);
    }
}

/// Copies `from` to `to` under the proxy's current fault.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut mode: watch::Receiver<Fault>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            r = from.read(&mut buf) => match r { Ok(0) | Err(_) => return, Ok(n) => n },
            _ = mode.changed() => {
                if matches!(*mode.borrow(), Fault::Cut) { return; }
                continue;
            }
        };
        loop {
            let now = *mode.borrow_and_update();
            match now {
                Fault::Pass => {
                    if to.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                    break;
                }
                Fault::Trickle => {
                    for chunk in buf[..n].chunks(64) {
                        if to.write_all(chunk).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    break;
                }
                Fault::Stall => {
                    if mode.changed().await.is_err() {
                        return;
                    }
                }
                Fault::Cut => return,
                Fault::Reset => {
                    // Linger 0: closing sends RST on both sockets.
                    #[allow(deprecated)]
                    {
                        let _ = to.as_ref().set_linger(Some(Duration::ZERO));
                        let _ = from.as_ref().set_linger(Some(Duration::ZERO));
                    }
                    return;
                }
            }
        }
    }
}
