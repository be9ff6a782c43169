//! The simulated network's own random numbers, apart from the runtime's jitter generator, so
//! that a change in how many draws the jitter makes cannot shift the network's latencies.

use std::time::Duration;

/// SplitMix64: tiny, fast and good enough for latencies; seeded per run for reproducibility.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1]: never 0, so Box–Muller's logarithm stays finite.
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// |N(mean, sd)| milliseconds, the latency model of AWS's simulator.
    pub fn latency(&mut self, mean_ms: f64, sd_ms: f64) -> Duration {
        let (u, v) = (self.unit(), self.unit());
        let normal = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
        Duration::from_secs_f64((mean_ms + sd_ms * normal).abs() / 1000.0)
    }
}

/// A seed for one run, spread so that neighbouring runs do not share streams.
pub fn seed(parts: &[u64]) -> u64 {
    parts.iter().fold(0x5EED, |acc, &p| {
        let mut r = Rng::new(acc ^ p.wrapping_mul(0x2545_F491_4F6C_DD1D));
        r.next_u64()
    })
}
