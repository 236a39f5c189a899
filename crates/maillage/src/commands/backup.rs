//! `maillage backup` and `maillage restore`.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::DataArgs;
use crate::database;

pub async fn backup(data: &DataArgs, output: &Path) -> anyhow::Result<ExitCode> {
    let store = database::open(data, 2).await?;
    let to_stdout = output.as_os_str() == "-";
    let mut out: Box<dyn Write> = if to_stdout {
        Box::new(BufWriter::new(std::io::stdout().lock()))
    } else {
        // Write beside the target and rename, so a failed backup never
        // leaves a truncated file under the expected name.
        let tmp = output.with_extension("partial");
        Box::new(BufWriter::new(
            std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?,
        ))
    };
    let summary = store.backup(&mut out).await?;
    out.flush()?;
    drop(out);
    if !to_stdout {
        std::fs::rename(output.with_extension("partial"), output)?;
        eprintln!("Backup written to {}: {} tables, {} rows.", output.display(), summary.tables, summary.rows);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(data: &DataArgs, input: &Path) -> anyhow::Result<ExitCode> {
    let store = database::open(data, 2).await?;
    let reader: Box<dyn BufRead> = if input.as_os_str() == "-" {
        Box::new(BufReader::new(std::io::stdin().lock()))
    } else {
        Box::new(BufReader::new(
            std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?,
        ))
    };
    let summary = store.restore(reader).await?;
    let report = store.verify_audit_chain().await?;
    eprintln!("Restored {} rows into {} tables.", summary.rows, summary.tables);
    match report.problem {
        None => eprintln!("Audit log intact: {} entries.", report.entries),
        Some(p) => eprintln!("Warning: the restored audit log is broken: {p}"),
    }
    Ok(ExitCode::SUCCESS)
}
