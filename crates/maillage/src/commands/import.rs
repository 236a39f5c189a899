//! `maillage import`: a source file into the atlas, with a progress bar, a
//! summary and a rejects file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use app::atlas::import::mapping::{InputFormat, Mapping, SHIPPED};
use app::atlas::import::{ImportRequest, Progress, import, readers, write_rejects_csv};
use app::{App, AppConfig};
use domain::policy::Actor;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::DataArgs;
use crate::database;

pub struct ImportArgs {
    pub source: Option<String>,
    pub mapping: String,
    pub input: PathBuf,
    pub format: Option<String>,
    pub rejects: Option<PathBuf>,
    pub within: Option<String>,
}

/// A mapping file, or the name of one shipped with Maillage.
pub fn load_mapping(spec: &str) -> anyhow::Result<Mapping> {
    let text = match std::fs::read_to_string(spec) {
        Ok(t) => t,
        Err(_) => SHIPPED
            .iter()
            .find(|(name, _)| *name == spec || format!("mappings/{name}.toml") == spec)
            .map(|(_, t)| (*t).to_owned())
            .ok_or_else(|| {
                let names: Vec<&str> = SHIPPED.iter().map(|(n, _)| *n).collect();
                anyhow!("no mapping file {spec:?}; shipped mappings: {}", names.join(", "))
            })?,
    };
    Mapping::parse(&text).map_err(|e| anyhow!("mapping {spec}: {e}"))
}

/// The input's format: `--format`, else the file's extension, else the mapping's.
pub fn input_format(explicit: Option<&str>, input: &Path, mapping: &Mapping) -> anyhow::Result<InputFormat> {
    let by_name = |s: &str| match s.to_ascii_lowercase().as_str() {
        "csv" | "tsv" | "txt" => Some(InputFormat::Csv),
        "json" => Some(InputFormat::Json),
        "geojson" => Some(InputFormat::Geojson),
        _ => None,
    };
    if let Some(f) = explicit {
        return by_name(f).ok_or_else(|| anyhow!("--format must be csv, json or geojson"));
    }
    Ok(input.extension().and_then(|e| e.to_str()).and_then(by_name).unwrap_or(mapping.source.format))
}

pub async fn run(data: &DataArgs, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let mapping = load_mapping(&args.mapping)?;
    let format = input_format(args.format.as_deref(), &args.input, &mapping)?;
    let file = std::fs::File::open(&args.input).with_context(|| format!("cannot open {}", args.input.display()))?;
    let rows = readers::rows(format, std::io::BufReader::new(file), mapping.source.json_root.as_deref())?;
    let source = args.source.clone().unwrap_or_else(|| mapping.source.name.clone());
    let within: Option<Vec<String>> =
        args.within.as_deref().map(|w| w.split(',').map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()).collect());

    let store = database::open(data, 4).await?;
    let app = App::new(store, AppConfig::new("http://127.0.0.1:8080")).await?;
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let progress = |p: Progress| match p {
        Progress::Started { .. } => {}
        Progress::Rows(n) => bar.set_message(format!("{n} rows read")),
        Progress::Retiring => bar.set_message("retiring what the source no longer lists".to_owned()),
        Progress::Duplicates { checked } => {
            bar.set_message(format!("looking for duplicates: {checked} records checked"))
        }
    };
    let request = ImportRequest { source: &source, mapping: &mapping, within: within.as_deref() };
    let report = import(&app, &Actor::System, request, rows, &progress).await.map_err(|e| anyhow!("{e}"))?;
    bar.finish_and_clear();

    let c = report.counts;
    println!("Import of {} into source {source:?} (run {}):", args.input.display(), report.run_id);
    println!(
        "  read {}, created {}, updated {}, unchanged {}, retired {}, rejected {}",
        c.read, c.created, c.updated, c.unchanged, c.retired, c.rejected
    );
    if c.dropped > 0 {
        println!("  {} malformed values left out of rows that were kept (listed with the rejects)", c.dropped);
    }
    if c.skipped > 0 {
        println!("  skipped {} rows outside the territory", c.skipped);
    }
    println!("  duplicates: {} merged automatically, {} waiting for review", c.merged, c.queued);
    if c.rejected + c.dropped > 0 {
        let path = args.rejects.clone().unwrap_or_else(|| {
            let stem = args.input.file_stem().and_then(|s| s.to_str()).unwrap_or("import");
            PathBuf::from(format!("{stem}.rejects.csv"))
        });
        let rejects = app.store.import_rejects(report.run_id, i64::MAX).await?;
        write_rejects(&path, &rejects)?;
        println!("  rejected rows and reasons: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn write_rejects(path: &Path, rejects: &[store::atlas::ImportReject]) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    write_rejects_csv(&mut out, rejects)?;
    out.flush()?;
    Ok(())
}
