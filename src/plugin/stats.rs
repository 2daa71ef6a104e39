//! Per-plugin counters and call times, shared by every cluster's instances.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Call times fall in power-of-two nanosecond buckets: bucket `i` holds calls
/// that took less than 2^(i+1) ns.
const BUCKETS: usize = 40;

pub struct Stats {
    pub calls: AtomicU64,
    pub keeps: AtomicU64,
    pub drops: AtomicU64,
    pub errors: AtomicU64,
    total_ns: AtomicU64,
    buckets: [AtomicU64; BUCKETS],
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            calls: AtomicU64::new(0),
            keeps: AtomicU64::new(0),
            drops: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            total_ns: AtomicU64::new(0),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl Stats {
    pub fn record_call(&self, took: Duration) {
        let ns = took.as_nanos().min(u128::from(u64::MAX)) as u64;
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.total_ns.fetch_add(ns, Ordering::Relaxed);
        let bucket = (64 - ns.max(1).leading_zeros() as usize - 1).min(BUCKETS - 1);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
    }

    pub fn mean(&self) -> Duration {
        let calls = self.calls.load(Ordering::Relaxed);
        Duration::from_nanos(self.total_ns.load(Ordering::Relaxed).checked_div(calls).unwrap_or(0))
    }

    /// The 99th percentile, as the upper bound of its bucket (within a factor of two).
    pub fn p99(&self) -> Duration {
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return Duration::ZERO;
        }
        let target = total - total / 100;
        let mut seen = 0;
        for (bucket, count) in counts.iter().enumerate() {
            seen += count;
            if seen >= target {
                return Duration::from_nanos(1u64 << (bucket + 1));
            }
        }
        Duration::from_nanos(1u64 << BUCKETS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p99_is_the_bucket_of_the_slowest_percent() {
        let stats = Stats::default();
        for _ in 0..990 {
            stats.record_call(Duration::from_nanos(1_000));
        }
        for _ in 0..10 {
            stats.record_call(Duration::from_micros(100));
        }
        assert_eq!(stats.p99(), Duration::from_nanos(1024));
        stats.record_call(Duration::from_micros(100));
        assert_eq!(stats.p99(), Duration::from_nanos(131_072));
        assert_eq!(stats.calls.load(Ordering::Relaxed), 1001);
    }
}
