//! `cargo run --example database`: a tokio-postgres repository whose writes are retried when the
//! connection is lost, applied once thanks to an idempotency key, and not retried when the
//! database says no for good. Needs a PostgreSQL; finishes in about a second.
//!
//! It connects with `RETRY_TEST_PG` (a libpq-style connection string), the variable the
//! end-to-end tests read. Without it, it says how to start a throwaway server and exits:
//!
//! ```sh
//! eval "$(bash .ci/postgres.sh start)"   # installs PostgreSQL if needed, exports RETRY_TEST_PG
//! cargo run --example database
//! bash .ci/postgres.sh stop
//! ```
//!
//! It works in a table of its own, `retry_example_orders_<pid>`, and drops it at the end.

use std::error::Error as _;
use std::fmt;
use std::io;
use std::time::{Duration, Instant};

use retry_runtime::{Elapsed, ErrorView, Event, Observer, Transient, retry, set_observer};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

const CONNECTION_ENV: &str = "RETRY_TEST_PG";

/// Why a repository call failed: what PostgreSQL (or the connection to it) said, or the attempt
/// timed out.
#[derive(Debug)]
enum StoreError {
    Postgres(tokio_postgres::Error),
    TimedOut,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // tokio-postgres's own message is terse ("db error"); the server's is in the source.
            StoreError::Postgres(error) => match error.as_db_error() {
                Some(db) => write!(f, "{}: {}", db.code().code(), db.message()),
                None => write!(f, "{error}"),
            },
            StoreError::TimedOut => f.write_str("timed out"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        StoreError::Postgres(error)
    }
}

impl From<Elapsed> for StoreError {
    fn from(_: Elapsed) -> Self {
        StoreError::TimedOut
    }
}

/// Retry what a new connection can fix: a closed or refused connection, a server shutting down
/// or starting up, a connection exception (SQLSTATE class 08). A constraint violation, a syntax
/// error or a permission error fails the same way every time.
impl Transient for StoreError {
    fn is_transient(&self) -> bool {
        match self {
            StoreError::TimedOut => true,
            StoreError::Postgres(error) => connection_trouble(error),
        }
    }
}

fn connection_trouble(error: &tokio_postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    if let Some(db) = error.as_db_error() {
        let code = db.code();
        return code.code().starts_with("08")
            || [
                SqlState::ADMIN_SHUTDOWN,
                SqlState::CRASH_SHUTDOWN,
                SqlState::CANNOT_CONNECT_NOW,
            ]
            .contains(code);
    }
    let mut source = error.source();
    while let Some(error) = source {
        if let Some(io) = error.downcast_ref::<io::Error>() {
            return io.is_transient();
        }
        source = error.source();
    }
    false
}

/// The repository: one connection, opened on first use and again after it was lost.
struct Orders {
    config: String,
    table: String,
    client: Option<Client>,
}

impl Orders {
    async fn client(&mut self) -> Result<&Client, StoreError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = Some(connect(&self.config).await?);
        }
        Ok(self.client.as_ref().expect("just connected"))
    }

    /// Records an order once, however many attempts it takes: every attempt of this call
    /// carries the same idempotency key into a unique column, so an attempt whose commit went
    /// through but whose answer was lost leaves the next attempt nothing to insert.
    #[retry(max_attempts = 5, base = "50ms", max_delay = "1s", deadline = "10s",
            attempt_timeout = "3s", context = attempt)]
    async fn place(&mut self, item: &str, quantity: i32) -> Result<&'static str, StoreError> {
        let key = attempt.idempotency_key().as_str();
        let insert = format!(
            "INSERT INTO {} (idempotency_key, item, quantity) VALUES ($1, $2, $3)
             ON CONFLICT (idempotency_key) DO NOTHING",
            self.table
        );
        let inserted = self
            .client()
            .await?
            .execute(&insert, &[&key, &item, &quantity])
            .await;
        // A lost connection may be noticed only once the statement has failed: forget it, so
        // the next attempt opens a new one.
        if inserted.as_ref().is_err_and(connection_trouble) {
            self.client = None;
        }
        Ok(if inserted? == 1 {
            "placed"
        } else {
            "already placed"
        })
    }
}

async fn connect(config: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(config, NoTls).await?;
    // Drives the socket; it ends with an error when the server cuts the connection, which the
    // client then reports through `is_closed`.
    tokio::spawn(connection);
    Ok(client)
}

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

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let Ok(config) = std::env::var(CONNECTION_ENV) else {
        println!("This example needs a PostgreSQL, and {CONNECTION_ENV} is not set.");
        print_how_to_start_one();
        return;
    };
    if let Err(error) = run(&config).await {
        println!("Could not run against `{config}`: {error}");
        print_how_to_start_one();
    }
}

fn print_how_to_start_one() {
    println!("To start a throwaway one on loopback (as root, it installs PostgreSQL if needed):");
    println!();
    println!("    eval \"$(bash .ci/postgres.sh start)\"");
    println!("    cargo run --example database");
    println!("    bash .ci/postgres.sh stop");
    println!();
    println!(
        "or point {CONNECTION_ENV} at your own: 'host=127.0.0.1 port=5432 user=postgres dbname=postgres'."
    );
}

async fn run(config: &str) -> Result<(), StoreError> {
    set_observer(&PRINT).expect("the first observer installs");
    let started = Instant::now();
    let admin = tokio::time::timeout(Duration::from_secs(5), connect(config))
        .await
        .map_err(|_| StoreError::TimedOut)??;
    let table = format!("retry_example_orders_{}", std::process::id());
    admin
        .batch_execute(&format!(
            "CREATE TABLE {table} (idempotency_key TEXT PRIMARY KEY, item TEXT NOT NULL,
                                   quantity INT NOT NULL CHECK (quantity > 0))"
        ))
        .await?;
    let mut orders = Orders {
        config: config.to_string(),
        table: table.clone(),
        client: None,
    };

    println!("1. place(\"book\", 1): a healthy database, one attempt, nothing to report");
    println!("   -> {:?}\n", orders.place("book", 1).await);

    println!("2. place(\"pen\", 2) waits on a table another session locked; the administrator");
    println!("   ends our session (pg_terminate_backend) while it waits: a connection lost mid-statement");
    let pid: i32 = orders
        .client()
        .await?
        .query_one("SELECT pg_backend_pid()", &[])
        .await?
        .get(0);
    let locker = connect(config).await?;
    locker
        .batch_execute(&format!("BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        .await?;
    let end_our_session = async {
        let waiting = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                       WHERE pid = $1 AND wait_event_type = 'Lock'";
        for _ in 0..300 {
            if !admin.query(waiting, &[&pid]).await?.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        locker.batch_execute("COMMIT").await
    };
    let (placed, ended) = tokio::join!(orders.place("pen", 2), end_our_session);
    ended?;
    println!("   -> {placed:?}\n");

    println!("3. place(\"pen\", 0): the CHECK constraint says no; not a connection problem, so no retry");
    println!(
        "   -> {}\n",
        orders
            .place("pen", 0)
            .await
            .map_or_else(|e| format!("Err({e})"), |ok| format!("Ok({ok:?})"))
    );

    let rows: i64 = admin
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await?
        .get(0);
    println!("{rows} orders stored; dropping {table}");
    admin.batch_execute(&format!("DROP TABLE {table}")).await?;
    println!("done in {:.1?}", started.elapsed());
    Ok(())
}
