//! What the machine was doing: this process's memory, and how the CPU was
//! shared during a phase (Linux `/proc`; `None` elsewhere).
//!
//! Why: on a shared two-core machine another process compiling can take a
//! core and halve a throughput figure. Reporting the CPU that others used
//! during each phase tells a reader whether a figure is trustworthy.

use std::time::Instant;

/// Kernel clock ticks per second for `/proc` times (USER_HZ, 100 on Linux).
const TICKS_PER_S: f64 = 100.0;

/// A value of /proc/self/status in megabytes (e.g. `VmHWM`, `VmRSS`).
pub fn memory_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.strip_prefix(key).is_some_and(|rest| rest.starts_with(':')))?;
    let kb: f64 = line[key.len() + 1..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak resident size (Linux ≥ 4.0), so that `VmHWM` afterwards
/// is the peak of what follows.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// CPU seconds used so far: by this process, and by the whole machine.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    at: Instant,
    own_s: f64,
    machine_busy_s: f64,
}

/// CPU use over a phase, in cores (1.0 = one core busy all along).
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuUse {
    pub own: f64,
    pub others: f64,
}

impl CpuSample {
    pub fn now() -> Option<Self> {
        Some(Self { at: Instant::now(), own_s: own_cpu_s()?, machine_busy_s: machine_busy_s()? })
    }

    /// What was used between `self` and now.
    pub fn since(self) -> Option<CpuUse> {
        let end = Self::now()?;
        let wall = end.at.duration_since(self.at).as_secs_f64().max(1e-9);
        let own = (end.own_s - self.own_s) / wall;
        let machine = (end.machine_busy_s - self.machine_busy_s) / wall;
        Some(CpuUse { own, others: (machine - own).max(0.0) })
    }
}

/// utime + stime of this process (fields 14 and 15 of /proc/self/stat).
fn own_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name, in parentheses, may hold spaces: count after it.
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_S)
}

/// Busy time of all CPUs (first line of /proc/stat, idle and iowait excluded).
fn machine_busy_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<f64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal
    let busy = v.first()? + v.get(1)? + v.get(2)? + v.get(5)? + v.get(6)? + v.get(7).unwrap_or(&0.0);
    Some(busy / TICKS_PER_S)
}

/// Peaks of resident memory sampled every 50 ms: `VmHWM` counts the pages
/// of the SQLite file mapped in memory (the store maps up to 1 GB), so the
/// anonymous part (`RssAnon`: heap, index) is sampled as well.
pub struct MemorySampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: std::thread::JoinHandle<(f64, f64)>,
}

impl MemorySampler {
    pub fn start() -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let (mut anon, mut rss) = (0f64, 0f64);
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                anon = anon.max(memory_mb("RssAnon").unwrap_or(0.0));
                rss = rss.max(memory_mb("VmRSS").unwrap_or(0.0));
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            (anon, rss)
        });
        Self { stop, handle }
    }

    /// (peak anonymous MB, peak resident MB) since `start`.
    pub fn finish(self) -> Option<(f64, f64)> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.handle.join().ok().filter(|(anon, _)| *anon > 0.0)
    }
}
