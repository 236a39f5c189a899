//! The report of `maillage bench search`: a table for people, then one
//! `RESULT key=value …` line for scripts.

use super::*;

/// Everything measured, and its presentation.
pub(super) struct Figures<'a> {
    pub(super) cores: usize,
    pub(super) backend: &'static str,
    pub(super) imported: Imported,
    pub(super) build: Duration,
    pub(super) http: Http,
    pub(super) inproc: InProcess,
    pub(super) projection: Option<Projection>,
    pub(super) pg: anyhow::Result<Pg>,
    pub(super) args: &'a SearchArgs,
    pub(super) queries: &'a [BenchQuery],
}

fn num(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.decimals$}"),
        _ => "na".into(),
    }
}

impl Figures<'_> {
    fn inproc_ms(&self, q: f64) -> f64 {
        quantile_ms(&self.inproc.latencies_us, q)
    }

    fn ratio(&self) -> Option<f64> {
        self.pg.as_ref().ok().map(|pg| self.http.stats.rps() / pg.stats.rps().max(1e-9))
    }

    pub(super) fn report(&self) -> String {
        let mut out = String::new();
        self.summary_table(&mut out);
        self.family_table(&mut out);
        self.notes(&mut out);
        out.push_str(&self.result_line());
        out.push('\n');
        out
    }

    fn summary_table(&self, out: &mut String) {
        let (i, h) = (&self.imported, &self.http);
        let row = |out: &mut String, what: &str, value: String, target: &str| {
            let _ = writeln!(out, "  {what:<44} {value:>14}   {target}");
        };
        let _ = writeln!(
            out,
            "\nSearch benchmark: {} records requested, {} cores, {} store, {} queries, {} clients, {} s of load",
            self.args.size,
            self.cores,
            self.backend,
            self.queries.len(),
            self.args.concurrency,
            self.args.duration
        );
        row(out, "import: rows/s (whole pipeline)", format!("{:.0}", i.rows_per_s()), "target ≥ 50,000");
        row(out, "import: total s", format!("{:.1}", i.total.as_secs_f64()), "");
        row(out, "  writing rows s", format!("{:.1}", i.writing.as_secs_f64()), "");
        row(out, "  writing rows/s (before duplicate detection)", format!("{:.0}", i.write_rows_per_s()), "");
        row(out, "  retiring + duplicate detection s", format!("{:.1}", i.dedup.as_secs_f64()), "");
        row(out, "records created / merged / to review", format!("{}/{}/{}", i.created, i.merged, i.queued), "");
        row(out, "index build s (Indexer::rebuild)", format!("{:.2}", self.build.as_secs_f64()), "");
        row(out, "server ready s (its own index build)", format!("{:.2}", h.ready_after.as_secs_f64()), "");
        row(out, "in-process p50 ms", format!("{:.3}", self.inproc_ms(0.5)), "");
        row(out, "in-process p99 ms", format!("{:.3}", self.inproc_ms(0.99)), "target < 10 at 1M");
        row(out, "in-process searches/s, 1 thread", format!("{:.0}", self.inproc.qps_one_thread), "");
        row(
            out,
            &format!("in-process searches/s, {} threads", self.cores),
            format!("{:.0}", self.inproc.qps_all_cores),
            "",
        );
        if let Some(p) = &self.projection {
            let label = format!("projection: {} documents (index only)", p.docs);
            row(out, &label, format!("build {:.1} s", p.build.as_secs_f64()), "");
            row(out, "  in-process p50 ms", format!("{:.3}", quantile_ms(&p.inproc.latencies_us, 0.5)), "");
            row(
                out,
                "  in-process p99 ms",
                format!("{:.3}", quantile_ms(&p.inproc.latencies_us, 0.99)),
                "target < 10 at 1M",
            );
            row(
                out,
                &format!("  in-process searches/s, {} threads", self.cores),
                format!("{:.0}", p.inproc.qps_all_cores),
                "",
            );
        }
        row(out, "HTTP requests/s", format!("{:.0}", h.stats.rps()), "target ≥ 5,000");
        row(out, "HTTP p50 ms", format!("{:.2}", h.stats.quantile_ms(0.5)), "");
        row(out, "HTTP p99 ms", format!("{:.2}", h.stats.quantile_ms(0.99)), "");
        row(out, "HTTP errors", format!("{}", h.stats.errors), "");
        row(out, "server peak RSS MB (VmHWM: index build + load)", num(h.peak_rss_mb, 0), "");
        row(out, "  of which anonymous (heap, index), sampled", num(h.sampled.map(|s| s.0), 0), "");
        row(
            out,
            "  RSS / anonymous when the server started",
            format!("{}/{}", num(h.start_rss_mb, 0), num(h.start_anon_mb, 0)),
            "",
        );
        row(out, "process peak RSS MB before the server", num(h.process_peak_mb, 0), "");
        let cpu = |c: Option<CpuUse>| c.map_or_else(|| "na".to_owned(), |c| format!("{:.2}/{:.2}", c.own, c.others));
        row(out, "CPU cores, this process/others: import", cpu(i.cpu), "");
        row(out, "  HTTP load", cpu(h.cpu), "");
        row(out, "  in-process, all threads", cpu(self.inproc.cpu), "");
        if let Ok(pg) = &self.pg {
            row(out, "  PostgreSQL load (others = the server too)", cpu(pg.cpu), "");
        }
        match &self.pg {
            Ok(pg) => {
                row(
                    out,
                    "PostgreSQL copy s / index s",
                    format!("{:.1}/{:.1}", pg.load.as_secs_f64(), pg.index.as_secs_f64()),
                    "",
                );
                row(
                    out,
                    &format!("PostgreSQL requests/s ({} connections)", pg.pool_size),
                    format!("{:.0}", pg.stats.rps()),
                    "",
                );
                row(out, "PostgreSQL p50 ms", format!("{:.2}", pg.stats.quantile_ms(0.5)), "");
                row(out, "PostgreSQL p99 ms", format!("{:.2}", pg.stats.quantile_ms(0.99)), "");
                row(out, "PostgreSQL errors", format!("{}", pg.stats.errors), "");
                row(out, "ratio HTTP rps / PostgreSQL rps", num(self.ratio(), 1), "target ≥ 10");
            }
            Err(e) => row(out, "PostgreSQL baseline", "na".into(), &format!("not run: {e:#}")),
        }
    }

    /// Per family of queries: in-process latency and hits on both sides.
    fn family_table(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\n  {:<18} {:>6} {:>10} {:>10} {:>12} {:>12}",
            "family", "count", "p50 ms", "p99 ms", "mean hits", "PG hits*"
        );
        let pg_totals = self.pg.as_ref().map(|p| p.totals.as_slice()).unwrap_or(&[]);
        let mut families: Vec<&str> = self.queries.iter().map(|q| q.family).collect();
        families.sort_unstable();
        families.dedup();
        for family in families {
            let idx: Vec<usize> = (0..self.queries.len()).filter(|i| self.queries[*i].family == family).collect();
            let mut lat: Vec<u32> = idx.iter().map(|i| self.inproc.per_query[*i].0).collect();
            lat.sort_unstable();
            let hits = idx.iter().map(|i| self.inproc.per_query[*i].1 as f64).sum::<f64>() / idx.len() as f64;
            let compared: Vec<(f64, f64)> = idx
                .iter()
                .filter_map(|i| {
                    pg_totals.get(*i).copied().flatten().map(|t| (self.inproc.per_query[*i].1 as f64, t as f64))
                })
                .collect();
            let pg_hits = (!compared.is_empty()).then(|| {
                let (ours, theirs): (f64, f64) = compared.iter().fold((0.0, 0.0), |a, c| (a.0 + c.0, a.1 + c.1));
                format!("{:.0} vs {:.0}", theirs / compared.len() as f64, ours / compared.len() as f64)
            });
            let _ = writeln!(
                out,
                "  {family:<18} {:>6} {:>10.3} {:>10.3} {:>12.0} {:>12}",
                idx.len(),
                quantile_ms(&lat, 0.5),
                quantile_ms(&lat, 0.99),
                hits,
                pg_hits.unwrap_or_else(|| "na".into())
            );
        }
        let _ = writeln!(
            out,
            "  * PG hits: mean total on PostgreSQL vs ours over the first {COMPARED_QUERIES} queries of the family"
        );
    }

    fn notes(&self, out: &mut String) {
        let _ = writeln!(out, "\nNotes:");
        let mut note = |s: &str| {
            let _ = writeln!(out, "  - {s}");
        };
        if self.http.wrk {
            note(
                "the HTTP server (web::serve, its own in-RAM index) runs in this process, the load in wrk beside it (1 thread), on the same cores;",
            );
            note("peak RSS is this process's VmHWM, reset when the server starts;");
        } else {
            note(
                "one process: the HTTP server (web::serve, its own in-RAM index) and the load generator share the cores;",
            );
            note("peak RSS is this process's VmHWM, reset when the server starts (it includes the load generator);");
        }
        note(
            "RSS counts the SQLite file's pages the store maps (mmap_size 1 GB): see the anonymous part for heap + index;",
        );
        note("HTTP requests are GET /api/v1/search without Accept-Encoding (no gzip), keep-alive, closed loop;");
        note(
            "in-process = parse_params + query + SearchIndex::search, as the API handler runs them (facets included);",
        );
        if std::env::var_os("MAILLAGE_LOG").is_none() {
            note("the server logged every request at info level (set MAILLAGE_LOG=warn to measure without it);");
        }
        let i = &self.imported;
        if self.inproc.errors > 0 || i.rejected > 0 || i.dropped > 0 {
            let (errors, rejected, dropped) = (self.inproc.errors, i.rejected, i.dropped);
            note(&format!("{errors} in-process query errors, {rejected} rejected rows, {dropped} values left out"));
        }
        if let Some(e) = &self.http.stats.first_error {
            note(&format!("first HTTP error: {e}"));
        }
        if let Ok(pg) = &self.pg {
            note(&format!("PostgreSQL: {} rows; {}", pg.rows, pg.notes.join("; ")));
            note("PostgreSQL counts the total only (window count); ours also counts 10 facets and open-now;");
            note("PostgreSQL has no typo tolerance: the typo family finds less there;");
            if let Some(e) = &pg.stats.first_error {
                note(&format!("first PostgreSQL error: {e}"));
            }
        }
    }

    fn result_line(&self) -> String {
        let (i, h) = (&self.imported, &self.http);
        let pg = self.pg.as_ref().ok();
        let pg_num = |f: &dyn Fn(&Pg) -> f64, d: usize| num(pg.map(f), d);
        let projection = self.projection.as_ref().map_or(String::new(), |p| {
            format!(
                " proj_docs={} proj_inproc_p50_ms={:.3} proj_inproc_p99_ms={:.3} proj_inproc_qps={:.0}",
                p.docs,
                quantile_ms(&p.inproc.latencies_us, 0.5),
                quantile_ms(&p.inproc.latencies_us, 0.99),
                p.inproc.qps_all_cores
            )
        });
        format!(
            "RESULT size={} cores={} import_rows_per_s={:.0} import_write_rows_per_s={:.0} index_build_s={:.2} inproc_p50_ms={:.3} inproc_p99_ms={:.3} \
             inproc_qps={:.0} http_rps={:.0} http_p50_ms={:.2} http_p99_ms={:.2} http_errors={} peak_rss_mb={} peak_anon_mb={} \
             pg_rps={} pg_p50_ms={} pg_p99_ms={} ratio_vs_pg={} others_cpu_during_http={}{projection}",
            self.args.size,
            self.cores,
            i.rows_per_s(),
            i.write_rows_per_s(),
            self.build.as_secs_f64(),
            self.inproc_ms(0.5),
            self.inproc_ms(0.99),
            self.inproc.qps_all_cores,
            h.stats.rps(),
            h.stats.quantile_ms(0.5),
            h.stats.quantile_ms(0.99),
            h.stats.errors,
            num(h.peak_rss_mb, 0),
            num(h.sampled.map(|s| s.0), 0),
            pg_num(&|p| p.stats.rps(), 0),
            pg_num(&|p| p.stats.quantile_ms(0.5), 2),
            pg_num(&|p| p.stats.quantile_ms(0.99), 2),
            num(self.ratio(), 2),
            num(h.cpu.map(|c| c.others), 2),
        )
    }
}
