//! reqwest support (feature `reqwest`): which `reqwest::Error`s are transient, and `Retry-After`
//! read from reqwest's headers and responses.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::{is_retryable_status, retry_after};
use crate::Transient;

/// Connection failures, timeouts, and status errors with a status that
/// [`is_retryable_status`] accepts (408, 425, 429, 500, 502, 503, 504) are transient;
/// everything else is not: a request that could not be built, a redirect loop, a body that
/// could not be decoded, a 4xx.
///
/// A status error comes only from `Response::error_for_status`, which drops the headers, so
/// `retry_after` is `None` here: to honour the server's `Retry-After`, read it with
/// [`retry_after_response`] before turning the response into an error (keep it in your own
/// error type, or pass it to [`Attempt::retry_after`](crate::Attempt::retry_after)).
///
/// A connection that breaks *after* the request was sent is not counted as transient: the server
/// may have acted on the request, and only the caller knows whether repeating it is safe. Use
/// the attribute's `when` key to retry those (`reqwest::Error::is_request`) for idempotent
/// requests.
///
/// ```
/// use retry_runtime::Transient;
///
/// let error = reqwest::Client::new().get("not a url").build().unwrap_err();
/// assert!(error.is_builder());
/// assert!(!error.is_transient());
/// ```
impl Transient for reqwest::Error {
    fn is_transient(&self) -> bool {
        self.is_connect()
            || self.is_timeout()
            || self
                .status()
                .is_some_and(|status| is_retryable_status(status.as_u16()))
    }
}

/// The delay a `Retry-After` header in `headers` asks for, parsed by [`retry_after`]; `None`
/// when there is no such header or it is malformed. With several, the first counts.
///
/// Uncapped, like [`retry_after`]: the retry loop caps a hint at `max_delay`.
///
/// ```
/// use std::time::Duration;
/// use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
/// use retry_runtime::http::retry_after_headers;
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(retry_after_headers(&headers), None);
/// headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
/// assert_eq!(retry_after_headers(&headers), Some(Duration::from_secs(2)));
/// ```
#[must_use]
pub fn retry_after_headers(headers: &HeaderMap) -> Option<Duration> {
    headers.get(RETRY_AFTER)?.to_str().ok().and_then(retry_after)
}

/// The delay the response's `Retry-After` header asks for; see [`retry_after_headers`].
///
/// Read it before consuming the response (`text()`, `bytes()`, `error_for_status()` take it by
/// value):
///
/// ```no_run
/// use std::time::Duration;
/// use retry_runtime::http::{is_retryable_status, retry_after_response};
/// use retry_runtime::{retry, Transient};
///
/// #[derive(Debug)]
/// enum Error {
///     Status { status: u16, retry_after: Option<Duration> },
///     Transport(reqwest::Error),
/// }
///
/// impl Transient for Error {
///     fn is_transient(&self) -> bool {
///         match self {
///             Error::Status { status, .. } => is_retryable_status(*status),
///             Error::Transport(error) => error.is_transient(),
///         }
///     }
///     fn retry_after(&self) -> Option<Duration> {
///         match self {
///             Error::Status { retry_after, .. } => *retry_after,
///             Error::Transport(_) => None,
///         }
///     }
/// }
///
/// #[retry(max_attempts = 4, base = "200ms", max_delay = "5s")]
/// async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, Error> {
///     let response = client.get(url).send().await.map_err(Error::Transport)?;
///     let status = response.status();
///     if !status.is_success() {
///         let retry_after = retry_after_response(&response);
///         return Err(Error::Status { status: status.as_u16(), retry_after });
///     }
///     response.text().await.map_err(Error::Transport)
/// }
/// ```
#[must_use]
pub fn retry_after_response(response: &reqwest::Response) -> Option<Duration> {
    retry_after_headers(response.headers())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    #[test]
    fn headers_with_a_malformed_or_missing_retry_after_give_none() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after_headers(&headers), None);
        let not_utf8 = HeaderValue::from_bytes(b"\xff1").expect("opaque bytes are a valid value");
        headers.insert(RETRY_AFTER, not_utf8);
        assert_eq!(retry_after_headers(&headers), None);
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after_headers(&headers), Some(Duration::ZERO));
    }

    /// A loopback server, on a thread of its own, that answers one request with `status_line`
    /// and `Retry-After: 7`.
    fn answer_once(status_line: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut buffer = [0; 1024];
                let _ = stream.read(&mut buffer);
                let response = format!(
                    "HTTP/1.1 {status_line}\r\nRetry-After: 7\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = stream.write_all(response.as_bytes());
            }
        });
        format!("http://{addr}/")
    }

    #[tokio::test]
    async fn statuses_split_like_is_retryable_status() {
        let client = reqwest::Client::new();
        for (line, transient) in [
            ("503 Service Unavailable", true),
            ("429 Too Many Requests", true),
            ("404 Not Found", false),
            ("501 Not Implemented", false),
        ] {
            let url = answer_once(line);
            let response = client.get(url).send().await.expect("the server answers");
            assert_eq!(retry_after_response(&response), Some(Duration::from_secs(7)));
            let error = response.error_for_status().expect_err("a status error");
            assert_eq!(error.is_transient(), transient, "{line}");
            assert_eq!(error.retry_after(), None);
        }
    }

    #[tokio::test]
    async fn refused_connections_and_timeouts_are_transient() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        drop(listener); // nothing listens there now: the connection is refused
        let client = reqwest::Client::new();
        let refused = client
            .get(format!("http://{addr}/"))
            .send()
            .await
            .expect_err("refused");
        assert!(refused.is_connect() && refused.is_transient(), "{refused:?}");

        // The kernel completes the handshake; nobody ever reads the request.
        let silent = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = silent.local_addr().expect("local address");
        let request = client
            .get(format!("http://{addr}/"))
            .timeout(Duration::from_millis(50))
            .send();
        let timed_out = request.await.expect_err("times out");
        assert!(
            timed_out.is_timeout() && timed_out.is_transient(),
            "{timed_out:?}"
        );
        drop(silent);
    }
}
