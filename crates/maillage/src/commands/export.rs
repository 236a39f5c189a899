//! `maillage export`: the atlas as open data, to a file or standard output.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use app::atlas::export::{ExportFormat, export};
use app::{App, AppConfig};

use crate::cli::DataArgs;
use crate::database;

pub async fn run(data: &DataArgs, format: &str, output: Option<&Path>, public_url: &str) -> anyhow::Result<ExitCode> {
    let format = ExportFormat::parse(format).ok_or_else(|| {
        let names: Vec<&str> = ExportFormat::ALL.iter().map(|f| f.as_str()).collect();
        anyhow!("unknown format {format:?}; formats: {}", names.join(", "))
    })?;
    let store = database::open(data, 2).await?;
    let app = App::new(store, AppConfig::new(public_url)).await?;
    let counts = match output {
        None => {
            let mut out = BufWriter::new(std::io::stdout());
            let counts = export(&app, format, public_url, &mut out).await.map_err(|e| anyhow!("{e}"))?;
            out.flush()?;
            counts
        }
        Some(path) => {
            // Written beside, then renamed: a failed export leaves the
            // previous file whole.
            let partial = path.with_extension(format!("{}.partial", format.extension()));
            let file =
                std::fs::File::create(&partial).with_context(|| format!("cannot write {}", partial.display()))?;
            let mut out = BufWriter::new(file);
            let result = export(&app, format, public_url, &mut out).await.map_err(|e| anyhow!("{e}")).and_then(|c| {
                out.flush()?;
                Ok(c)
            });
            let counts = match result {
                Ok(c) => c,
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(e);
                }
            };
            std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))?;
            counts
        }
    };
    let target = output.map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
    if format == ExportFormat::Dcat {
        eprintln!("Catalogue of {} datasets written to {target}.", counts.written);
    } else {
        eprintln!("Exported {} records as {} to {target}.", counts.written, format.as_str());
    }
    if counts.skipped > 0 {
        eprintln!(
            "  {} left out: they lack a value the format requires (name, address, coordinates…).",
            counts.skipped
        );
    }
    Ok(ExitCode::SUCCESS)
}
