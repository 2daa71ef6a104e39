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

    /// Call times as Prometheus histogram buckets (upper bound in seconds, calls
    /// in that bucket alone), from about 1 µs to 1 s: faster calls count in the
    /// first bucket, slower ones in `+Inf`.
    pub fn call_buckets(&self) -> Vec<(f64, u64)> {
        const FIRST: usize = 9;
        const LAST: usize = 29;
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect();
        let bound = |bucket: usize| (1u64 << (bucket + 1)) as f64 * 1e-9;
        let mut buckets = vec![(bound(FIRST), counts[..=FIRST].iter().sum())];
        buckets.extend((FIRST + 1..=LAST).map(|bucket| (bound(bucket), counts[bucket])));
        buckets.push((f64::INFINITY, counts[LAST + 1..].iter().sum()));
        buckets
    }

    pub fn total_time(&self) -> Duration {
        Duration::from_nanos(self.total_ns.load(Ordering::Relaxed))
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
    fn call_buckets_fold_the_extremes_and_keep_every_call() {
        let stats = Stats::default();
        for took in [Duration::from_nanos(5), Duration::from_nanos(1_500), Duration::from_secs(3)] {
            stats.record_call(took);
        }
        let buckets = stats.call_buckets();
        assert_eq!(buckets.iter().map(|(_, count)| count).sum::<u64>(), 3);
        assert_eq!(buckets[0], (1024e-9, 1), "5 ns counts in the first bucket");
        assert_eq!(buckets[1], (2048e-9, 1));
        assert_eq!(*buckets.last().unwrap(), (f64::INFINITY, 1), "3 s is past the last bound");
        assert!(buckets.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }

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
