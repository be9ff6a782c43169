//! `#[retry]` on a tokio-postgres repository against a real PostgreSQL that drops connections and
//! restarts under it.
//!
//! The server comes from `.ci/postgres.sh` (`.ci/run` starts it): `RETRY_TEST_PG` is the
//! connection string and `RETRY_TEST_PG_DATA` the data directory the restart test restarts.
//! Without them, or with a server that cannot be reached, each test says so on stderr and passes.
//!
//! Every write carries its call's idempotency key into a unique column with `ON CONFLICT DO
//! NOTHING`, so a retry after a commit whose answer was lost finds its row instead of adding one.

use std::collections::HashSet;
use std::error::Error as _;
use std::io::{self, Write as _};
use std::process::Command;
use std::time::{Duration, Instant};

use retry_runtime::testing::Recorder;
use retry_runtime::{Elapsed, EventKind, GiveUpReason, Transient, retry};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

const CONNECTION_ENV: &str = "RETRY_TEST_PG";
const DATA_ENV: &str = "RETRY_TEST_PG_DATA";
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../.ci/postgres.sh");

/// Why a repository call failed.
#[derive(Debug)]
enum StoreError {
    Postgres(tokio_postgres::Error),
    TimedOut,
}

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

/// Only a lost or refused connection, or a server that is going down or coming up, is worth
/// another attempt; a constraint violation or a syntax error fails the same way every time.
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
        // Class 08 is "connection exception"; 57P01..03 are the shutdown and start-up refusals a
        // restart produces.
        return code.code().starts_with("08")
            || [
                SqlState::ADMIN_SHUTDOWN,
                SqlState::CRASH_SHUTDOWN,
                SqlState::CANNOT_CONNECT_NOW,
            ]
            .contains(code);
    }
    // Refused, reset, broken pipe: tokio-postgres passes the I/O error on as its source.
    let mut source = error.source();
    while let Some(error) = source {
        if let Some(io) = error.downcast_ref::<io::Error>() {
            return io.is_transient();
        }
        source = error.source();
    }
    false
}

#[derive(Debug, PartialEq)]
enum Recorded {
    Inserted,
    /// An earlier attempt of the same call committed, and its answer was lost.
    AlreadyThere,
}

/// A repository with one connection, opened again whenever the server cut it.
struct Ledger {
    config: String,
    table: String,
    client: Option<Client>,
}

impl Ledger {
    fn new(config: &str, table: &Table) -> Self {
        Ledger {
            config: config.to_string(),
            table: table.name.clone(),
            client: None,
        }
    }

    async fn client(&mut self) -> Result<&Client, StoreError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = Some(connect(&self.config).await?);
        }
        Ok(self.client.as_ref().expect("just connected"))
    }

    /// The retried write. No `max_attempts`: a restart takes what it takes, the deadline bounds it.
    #[retry(deadline = "30s", base = "20ms", max_delay = "500ms", attempt_timeout = "5s",
            context = attempt, observer = LEDGER_EVENTS)]
    async fn record(&mut self, n: i64) -> Result<Recorded, StoreError> {
        let key = attempt.idempotency_key().as_str();
        let insert = format!(
            "INSERT INTO {} (idempotency_key, n) VALUES ($1, $2) ON CONFLICT (idempotency_key) DO NOTHING",
            self.table
        );
        let inserted = self.client().await?.execute(&insert, &[&key, &n]).await;
        // The client may learn that its connection is gone after the failed statement returns:
        // drop it now, so the next attempt does not spend itself on a dead connection.
        if inserted.as_ref().is_err_and(connection_trouble) {
            self.client = None;
        }
        Ok(if inserted? == 1 {
            Recorded::Inserted
        } else {
            Recorded::AlreadyThere
        })
    }
}

// One recorder for the one retried site; the tests that use it run one at a time (see `SERIAL`).
static LEDGER_EVENTS: Recorder = Recorder::new();
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn connect(config: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(config, NoTls).await?;
    // The connection task ends with an error when the server cuts it; the client then reports
    // `is_closed`, which is all the repository needs to know.
    tokio::spawn(connection);
    Ok(client)
}

/// Printed past the test harness's capture, so a skip shows up in every run's output.
fn say(message: &str) {
    let _ = writeln!(io::stderr(), "e2e_postgres: {message}");
}

/// The server's connection string, or `None` (having said why) when there is no server to use.
async fn server() -> Option<String> {
    let Ok(config) = std::env::var(CONNECTION_ENV) else {
        say(&format!(
            "SKIPPED: {CONNECTION_ENV} is not set; start a server with \
             `eval \"$(bash .ci/postgres.sh start)\"`"
        ));
        return None;
    };
    match tokio::time::timeout(Duration::from_secs(5), connect(&config)).await {
        Ok(Ok(_)) => Some(config),
        Ok(Err(error)) => {
            say(&format!(
                "SKIPPED: cannot reach PostgreSQL at `{config}`: {error}"
            ));
            None
        }
        Err(_) => {
            say(&format!(
                "SKIPPED: PostgreSQL at `{config}` did not answer within 5s"
            ));
            None
        }
    }
}

/// A table of its own for each test run, dropped at the end.
struct Table {
    name: String,
    config: String,
}

impl Table {
    async fn create(config: &str, purpose: &str) -> Self {
        let name = format!("retry_e2e_{purpose}_{}", std::process::id());
        let ddl = format!(
            "DROP TABLE IF EXISTS {name};
             CREATE TABLE {name} (idempotency_key TEXT PRIMARY KEY, n BIGINT NOT NULL CHECK (n >= 0))"
        );
        let table = Table {
            name,
            config: config.to_string(),
        };
        table
            .admin()
            .await
            .batch_execute(&ddl)
            .await
            .expect("create the table");
        table
    }

    /// A session of its own: a restart cuts every session opened before it.
    async fn admin(&self) -> Client {
        connect(&self.config).await.expect("connect")
    }

    /// Every `n` stored, with repeats, in order.
    async fn stored(&self) -> Vec<i64> {
        let select = format!("SELECT n FROM {} ORDER BY n", self.name);
        let rows = self.admin().await.query(&select, &[]).await.expect("read back");
        rows.iter().map(|row| row.get(0)).collect()
    }

    async fn drop_table(self) {
        let drop = format!("DROP TABLE {}", self.name);
        let _ = self.admin().await.batch_execute(&drop).await;
    }
}

#[tokio::test]
async fn a_session_killed_mid_statement_is_reopened_and_the_write_retried() {
    let Some(config) = server().await else { return };
    let _serial = SERIAL.lock().await;
    let table = Table::create(&config, "killed").await;
    let mut ledger = Ledger::new(&config, &table);
    assert_eq!(ledger.record(0).await.expect("first write"), Recorded::Inserted);
    let pid: i32 = ledger
        .client()
        .await
        .expect("open")
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0);

    // Another session holds the table, so the next write waits inside its first attempt; the
    // administrator kills the waiting session, then lets go of the table.
    let (locker, admin) = (table.admin().await, table.admin().await);
    let lock = format!("BEGIN; LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", table.name);
    locker.batch_execute(&lock).await.expect("lock");
    LEDGER_EVENTS.clear();
    let kill_while_waiting = async {
        let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE pid = $1 AND wait_event_type = 'Lock'";
        for _ in 0..500 {
            if !admin.query(kill, &[&pid]).await.expect("terminate").is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        locker.batch_execute("COMMIT").await.expect("unlock");
    };
    let (written, ()) = tokio::join!(ledger.record(1), kill_while_waiting);

    assert_eq!(written.expect("written on a new connection"), Recorded::Inserted);
    let kinds: Vec<_> = LEDGER_EVENTS.events().iter().map(|e| e.kind()).collect();
    assert_eq!(kinds, [EventKind::Retry, EventKind::Success]);
    assert_eq!(table.stored().await, [0, 1]);
    table.drop_table().await;
}

#[tokio::test]
async fn a_constraint_violation_is_not_retried() {
    let Some(config) = server().await else { return };
    let _serial = SERIAL.lock().await;
    let table = Table::create(&config, "check").await;
    let mut ledger = Ledger::new(&config, &table);
    LEDGER_EVENTS.clear();

    let error = ledger.record(-1).await.expect_err("n >= 0");
    let StoreError::Postgres(error) = error else {
        panic!("{error:?}")
    };
    assert_eq!(error.code(), Some(&SqlState::CHECK_VIOLATION));
    let events = LEDGER_EVENTS.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].reason(), Some(GiveUpReason::NotRetryable));
    table.drop_table().await;
}

/// `pg_ctl restart -m fast` through the script, as a subprocess bounded by pg_ctl's own timeout.
fn restart_server() -> Result<Duration, String> {
    let started = Instant::now();
    let output = Command::new("bash")
        .arg(SCRIPT)
        .arg("restart")
        .output()
        .map_err(|e| format!("run {SCRIPT}: {e}"))?;
    if output.status.success() {
        Ok(started.elapsed())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_go_on_across_a_server_restart_with_none_lost_or_duplicated() {
    let Some(config) = server().await else { return };
    if std::env::var_os(DATA_ENV).is_none() {
        say(&format!(
            "SKIPPED the restart test: {DATA_ENV} is not set, so there is no server of ours to restart"
        ));
        return;
    }
    let _serial = SERIAL.lock().await;
    let table = Table::create(&config, "restart").await;
    let mut ledger = Ledger::new(&config, &table);
    LEDGER_EVENTS.clear();

    // Write without pause; restart the server after a first stretch; stop a stretch after the
    // restart is over. Bounded in count and in time whatever happens.
    const STRETCH: i64 = 50;
    let (max_writes, time_limit) = (20_000, Duration::from_secs(60));
    let started = Instant::now();
    let (mut attempted, mut committed, mut answered_from_earlier_commit) = (0_i64, 0, 0);
    let mut failed = Vec::new();
    let mut restart = None;
    let mut restart_took = None;
    let mut writes_after_restart = 0;
    while writes_after_restart < STRETCH && attempted < max_writes && started.elapsed() < time_limit {
        if attempted == STRETCH {
            restart = Some(tokio::task::spawn_blocking(restart_server));
        }
        match ledger.record(attempted).await {
            Ok(Recorded::Inserted) => committed += 1,
            Ok(Recorded::AlreadyThere) => {
                committed += 1;
                answered_from_earlier_commit += 1;
            }
            Err(error) => failed.push(format!("write {attempted}: {error:?}")),
        }
        attempted += 1;
        if let Some(task) = restart.take_if(|task| task.is_finished()) {
            restart_took = Some(task.await.expect("the restart thread").expect("pg_ctl restart"));
        } else if restart_took.is_some() {
            writes_after_restart += 1;
        }
    }

    let restart_took = restart_took.expect("the restart finished within the time limit");
    let stored = table.stored().await;
    let distinct: HashSet<i64> = stored.iter().copied().collect();
    let lost = (0..attempted).filter(|n| !distinct.contains(n)).count();
    let duplicated = stored.len() - distinct.len();
    let retries = LEDGER_EVENTS
        .events()
        .iter()
        .filter(|e| e.kind() == EventKind::Retry)
        .count();
    say(&format!(
        "restart under load: writes attempted {attempted}, committed {committed}, lost {lost}, \
         duplicated {duplicated}; {retries} retries, {answered_from_earlier_commit} answered from an \
         earlier attempt's commit; pg_ctl restart took {restart_took:.2?}, the run {:.2?}",
        started.elapsed()
    ));
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(committed, attempted);
    assert_eq!(lost, 0);
    assert_eq!(duplicated, 0);
    assert!(retries >= 1, "the restart cut at least one write");
    table.drop_table().await;
}
