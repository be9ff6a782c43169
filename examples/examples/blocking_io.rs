//! `cargo run --example blocking_io`: `#[retry]` on plain blocking functions (files and sockets)
//! where `std::io::Error`'s kind decides what is worth retrying. No async runtime: the loop
//! sleeps with `std::thread::sleep`. Finishes in about a second, in a temporary directory and on
//! loopback ports it opens itself.
//!
//! `std::io::Error` is transient when the kind says the world may change (refused, reset,
//! timed out, interrupted, would block, ...) and permanent otherwise (not found, permission
//! denied, invalid input, ...). Where you know better, `when` says so.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use retry_runtime::{ErrorView, Event, Observer, retry, set_observer};

/// Prints each event with the error that caused it.
struct Print;

impl Observer for Print {
    fn on_event(&self, event: &Event, error: Option<ErrorView<'_>>) {
        match error {
            Some(error) => println!("   {event}  [{error}]"),
            None => println!("   {event}"),
        }
    }
}

static PRINT: Print = Print;

// 1. A missing file is permanent by default: one attempt, then the error.
#[retry(max_attempts = 5, base = "50ms")]
fn read_settings(path: &Path) -> io::Result<String> {
    std::fs::read_to_string(path)
}

// 2. Unless you know it is coming: here another process writes it shortly. `when` replaces the
//    default classification; `max_delay` and `deadline` bound the wait.
#[retry(base = "50ms", max_delay = "200ms", deadline = "3s",
        when = |e: &io::Error| e.kind() == io::ErrorKind::NotFound)]
fn wait_for_lock_file(path: &Path) -> io::Result<String> {
    std::fs::read_to_string(path)
}

// 3. A refused connection is transient: the service may be starting. Connect, send one line,
//    read one line back; the read timeout turns a stalled server into a retryable `WouldBlock`
//    or `TimedOut`.
#[retry(max_attempts = 6, base = "100ms", max_delay = "400ms", jitter = "equal", context = attempt)]
fn ping(addr: SocketAddr) -> io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    writeln!(stream, "ping {}", attempt.number())?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    Ok(answer.trim_end().to_string())
}

/// A service that starts listening only after `delay`, stalls its first answer past the
/// client's read timeout, then answers each line with `pong`, until a line says `quit`.
fn start_late_service(delay: Duration) -> (SocketAddr, thread::JoinHandle<()>) {
    let addr = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port");
    let service = thread::spawn(move || {
        thread::sleep(delay);
        let listener = TcpListener::bind(addr).expect("bind the port again");
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            let mut request = String::new();
            let _ = BufReader::new(&stream).read_line(&mut request);
            if request.trim_end() == "quit" {
                return;
            }
            if n == 0 {
                thread::sleep(Duration::from_millis(400)); // longer than the read timeout
            }
            let _ = writeln!(&stream, "pong ({})", request.trim_end());
        }
    });
    (addr, service)
}

fn main() {
    set_observer(&PRINT).expect("the first observer installs");
    let started = Instant::now();
    let dir = scratch_dir();

    println!("1. read_settings(missing file): NotFound is permanent, so one attempt");
    let result = read_settings(&dir.join("settings.toml"));
    println!("   -> {:?}\n", result.map_err(|e| e.kind()));

    println!("2. wait_for_lock_file(): NotFound retried by `when` until another thread writes it");
    let lock_file = dir.join("ready.lock");
    let writer = {
        let lock_file = lock_file.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(250));
            std::fs::write(lock_file, "pid 4242").expect("write the lock file");
        })
    };
    println!("   -> {:?}\n", wait_for_lock_file(&lock_file));
    writer.join().expect("the writer thread");

    println!("3. ping(): refused until the service starts, then one stalled answer, then pong");
    let (addr, service) = start_late_service(Duration::from_millis(250));
    println!("   -> {:?}\n", ping(addr));
    if let Ok(mut stream) = TcpStream::connect(addr) {
        let _ = writeln!(stream, "quit");
        drop(stream);
        service.join().expect("the service thread");
    }

    let _ = std::fs::remove_dir_all(&dir);
    println!("done in {:.1?}", started.elapsed());
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("retry-blocking-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}
