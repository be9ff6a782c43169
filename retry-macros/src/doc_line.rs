//! The line `doc = true` appends to the function's rustdoc, so callers see in their IDE the
//! latency they sign up for: "Retried: up to 5 attempts; exponential backoff from 100ms ×2,
//! capped at 10s, full jitter; at most 1.5s of added waiting."

use crate::args::Args;
use crate::duration::display;

/// The defaults of `retry_runtime::Policy::DEFAULT`, restated for the summary.
const DEFAULT_ATTEMPTS: u32 = 3;
const DEFAULT_BASE: u64 = 100_000_000;
const DEFAULT_FACTOR: f64 = 2.0;
const DEFAULT_MAX_DELAY: u64 = 10_000_000_000;

/// Exact steps of the worst-case walk; past it, every remaining delay is counted at the cap,
/// which keeps the figure an upper bound.
const WALK_LIMIT: u32 = 100_000;

pub(crate) fn summary(args: &Args) -> String {
    if let Some(policy) = &args.policy {
        let policy = crate::tokens::readable(&policy.value);
        return format!(
            "Retried according to the policy `{policy}`, with the overrides of its `#[retry]` attribute."
        );
    }
    let base = args.base.as_ref().map_or(DEFAULT_BASE, |g| g.value);
    let cap = args.max_delay.as_ref().map_or(DEFAULT_MAX_DELAY, |g| g.value);
    let factor = args.factor.as_ref().map_or(DEFAULT_FACTOR, |g| g.value);
    let backoff = args.backoff.as_ref().map_or("exponential", |g| g.value.as_str());
    let jitter = args.jitter.as_ref().map_or("full", |g| g.value.as_str());
    let deadline = args.deadline.as_ref().map(|g| g.value);
    let attempts = match (&args.max_attempts, deadline) {
        (Some(n), _) => Some(n.value),
        (None, Some(_)) => None,
        (None, None) => Some(DEFAULT_ATTEMPTS),
    };

    let mut line = String::from("Retried: ");
    match attempts {
        Some(1) => line.push_str("1 attempt only (no retries)"),
        Some(n) => line.push_str(&format!("up to {n} attempts")),
        None => line.push_str("until the deadline"),
    }
    if attempts != Some(1) {
        let growth = match backoff {
            "exponential" => format!(" ×{}", trim_float(factor)),
            _ => String::new(),
        };
        line.push_str(&format!(
            "; {backoff} backoff from {}{growth}, capped at {}, {jitter} jitter",
            display(base),
            display(cap)
        ));
    }
    if let Some(deadline) = deadline {
        line.push_str(&format!("; gives up after {}", display(deadline)));
    }
    let worst = worst_case(attempts, base, cap, factor, backoff, jitter, deadline);
    line.push_str(&format!("; at most {} of added waiting.", display(worst)));
    line
}

fn trim_float(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The same bound as `Policy::worst_case`: the largest delay jitter can pick before each retry,
/// summed, within the deadline.
fn worst_case(
    attempts: Option<u32>,
    base: u64,
    cap: u64,
    factor: f64,
    backoff: &str,
    jitter: &str,
    deadline: Option<u64>,
) -> u64 {
    let retries = attempts.unwrap_or(u32::MAX).saturating_sub(1);
    let base = base.min(cap);
    let (mut total, mut current, mut previous, mut exact) = (0u128, 0u64, 0u64, 0f64);
    for step in 0..retries {
        let next = if jitter == "decorrelated" {
            if current == 0 {
                base.saturating_mul(3).min(cap)
            } else {
                current.saturating_mul(3).min(cap)
            }
        } else if current == 0 {
            exact = base as f64;
            base
        } else {
            match backoff {
                "constant" => base,
                "linear" => current.saturating_add(base),
                "fibonacci" if previous == 0 => base,
                "fibonacci" => current.saturating_add(previous),
                _ => {
                    exact *= factor;
                    if exact >= cap as f64 { cap } else { exact as u64 }
                }
            }
        }
        .min(cap);
        previous = current;
        current = next;
        total += u128::from(next);
        if next == cap || step >= WALK_LIMIT {
            total += u128::from(cap) * u128::from(retries - step - 1);
            break;
        }
    }
    let total = total.min(u128::from(u64::MAX)) as u64;
    deadline.map_or(total, |deadline| total.min(deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_cases_match_the_runtime_rules() {
        let ms = 1_000_000;
        assert_eq!(
            worst_case(Some(5), 100 * ms, 10_000 * ms, 2.0, "exponential", "full", None),
            1500 * ms
        );
        assert_eq!(
            worst_case(Some(3), 100 * ms, 10_000 * ms, 2.0, "constant", "none", None),
            200 * ms
        );
        assert_eq!(
            worst_case(
                Some(5),
                100 * ms,
                1000 * ms,
                2.0,
                "constant",
                "decorrelated",
                None
            ),
            3200 * ms
        );
        assert_eq!(
            worst_case(
                None,
                1000 * ms,
                10_000 * ms,
                2.0,
                "constant",
                "full",
                Some(30_000 * ms)
            ),
            30_000 * ms
        );
        assert_eq!(
            worst_case(Some(1), 100 * ms, 1000 * ms, 2.0, "constant", "full", None),
            0
        );
    }
}
