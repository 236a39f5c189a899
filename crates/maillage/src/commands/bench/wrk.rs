//! The HTTP load from `wrk`, when the machine has it (`apt-get install wrk`).
//!
//! The built-in load generator (reqwest on this process's runtime) spends
//! about as much CPU per request as the server's HTTP layer, on the same two
//! cores. `wrk` is a separate process on one thread of C and Lua: what it
//! takes from the server is much smaller, so the figure is closer to what
//! the server sustains. It walks the same URL list in the same order.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, anyhow};

use super::load::LoadStats;

/// Whether `wrk` can be started.
pub fn available() -> bool {
    std::process::Command::new("wrk").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// Reads one path per line from `paths`, cycles through them, and prints
/// what `parse` reads back: counts, then latency quantiles in microseconds.
const SCRIPT: &str = r#"
local paths = {}
for line in io.lines(os.getenv("MAILLAGE_WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i - 1) % #paths + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests %d\nWRK failed %d\nWRK status %d\nWRK elapsed_us %d\n",
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status, summary.duration))
  for _, q in ipairs({0.5, 0.9, 0.99, 0.999}) do
    io.write(string.format("WRK q%s %d\n", q, latency:percentile(q * 100)))
  end
end
"#;

/// Loads `base` + each of `paths` (starting with `/`) with `concurrency`
/// connections for `duration`.
pub async fn load(base: &str, paths: &[String], concurrency: usize, duration: Duration) -> anyhow::Result<LoadStats> {
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("paths.lua");
    let list = dir.path().join("paths.txt");
    std::fs::write(&script, SCRIPT)?;
    std::fs::write(&list, paths.join("\n"))?;
    let output = run(base, &script, &list, concurrency, duration).await?;
    parse(&output).with_context(|| format!("reading wrk's output:\n{output}"))
}

async fn run(base: &str, script: &Path, list: &Path, concurrency: usize, duration: Duration) -> anyhow::Result<String> {
    let output = tokio::process::Command::new("wrk")
        .args(["-t1", "-c", &concurrency.to_string(), "-d", &format!("{}s", duration.as_secs().max(1))])
        .args(["--timeout", "60s", "-s"])
        .arg(script)
        .arg(base)
        .env("MAILLAGE_WRK_PATHS", list)
        .output()
        .await
        .context("starting wrk")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(anyhow!("wrk failed: {text}{}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(text)
}

fn parse(output: &str) -> anyhow::Result<LoadStats> {
    let mut stats = LoadStats::default();
    let mut failed = 0;
    for line in output.lines() {
        let Some(rest) = line.strip_prefix("WRK ") else { continue };
        let (key, value) = rest.split_once(' ').ok_or_else(|| anyhow!("line {line:?}"))?;
        let number: f64 = value.trim().parse().with_context(|| format!("line {line:?}"))?;
        match key {
            "requests" => stats.requests = number as u64,
            "failed" => failed += number as u64,
            "status" => failed += number as u64,
            "elapsed_us" => stats.elapsed = Duration::from_micros(number as u64),
            _ => {
                let q: f64 = key.strip_prefix('q').unwrap_or(key).parse().with_context(|| format!("line {line:?}"))?;
                stats.reported_quantiles.push((q, number / 1000.0));
            }
        }
    }
    if stats.elapsed.is_zero() {
        return Err(anyhow!("no summary"));
    }
    // wrk counts every answer as a request; the built-in counts successes
    // and failures apart, so the throughput is of successes in both.
    stats.requests = stats.requests.saturating_sub(failed);
    stats.errors = failed;
    if failed > 0 {
        stats.first_error = Some(format!("{failed} requests failed or answered an error status (wrk)"));
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_summary_of_the_script() {
        let out = "Running 2s test\nWRK requests 1000\nWRK failed 0\nWRK status 10\nWRK elapsed_us 2000000\n\
                   WRK q0.5 1500\nWRK q0.9 3000\nWRK q0.99 9000\nWRK q0.999 12000\n";
        let stats = parse(out).unwrap();
        assert_eq!((stats.requests, stats.errors), (990, 10));
        assert_eq!(stats.rps(), 495.0);
        assert_eq!(stats.quantile_ms(0.5), 1.5);
        assert_eq!(stats.quantile_ms(0.99), 9.0);
        assert!(stats.first_error.is_some());
    }

    #[test]
    fn output_without_a_summary_is_an_error() {
        assert!(parse("unable to connect to 127.0.0.1:1\n").is_err());
    }
}
