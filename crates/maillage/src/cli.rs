//! Commands and options. Every option that touches data accepts the same
//! `--data-dir` / `--database-url` pair, and each has an environment variable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "maillage",
    version,
    about = "Maillage: the innovation places, actors and services of a territory, in one platform.",
    long_about = "Maillage: the innovation places, actors and services of a territory, in one platform.\n\n\
        Data lives in an embedded SQLite database under --data-dir (nothing to install), or in \
        PostgreSQL when --database-url postgres://… is given (several servers on one database).",
    after_help = "Logs go to standard error; set MAILLAGE_LOG (e.g. debug, or info,sqlx=warn) to filter them."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log format.
    #[arg(long, global = true, env = "MAILLAGE_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Clone, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the data is.
#[derive(Args, Clone, Debug)]
pub struct DataArgs {
    /// Directory holding the embedded database (created if missing).
    #[arg(long, env = "MAILLAGE_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// Use this database instead of the embedded one, e.g.
    /// postgres://user:password@host:5432/maillage or sqlite:///path/file.db.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

/// What a server needs beyond the data.
#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "MAILLAGE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The address people use to reach the site (links in mails start with
    /// it; https makes cookies Secure). Defaults to http://LISTEN.
    #[arg(long, env = "MAILLAGE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// SMTP relay for outgoing mail, smtp://[user:password@]host[:port].
    /// Without it, mails stay in the outbox (see `maillage admin outbox`).
    #[arg(long, env = "MAILLAGE_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail.
    #[arg(long, env = "MAILLAGE_MAIL_FROM", default_value = "Maillage <no-reply@maillage.localhost>")]
    pub mail_from: String,
    /// Sites allowed to show our pages in a frame (space-separated origins,
    /// e.g. "https://www.region.fr"). None by default.
    #[arg(long, env = "MAILLAGE_FRAME_ANCESTORS", default_value = "")]
    pub frame_ancestors: String,
    /// Behind a reverse proxy or load balancer: take the client address from
    /// the last X-Forwarded-For hop.
    #[arg(long, env = "MAILLAGE_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Do not run background jobs (mail delivery, maintenance) in this
    /// process; another server must.
    #[arg(long, env = "MAILLAGE_NO_WORKER")]
    pub no_worker: bool,
    /// Database connections kept by this server.
    #[arg(long, env = "MAILLAGE_DB_CONNECTIONS", default_value_t = 16)]
    pub db_connections: u32,
    /// Days after which a record neither updated nor confirmed counts as
    /// stale: it ranks lower, shows a warning, and its managers are asked
    /// (once a day, by mail) to confirm or correct it.
    #[arg(long, env = "MAILLAGE_STALE_AFTER_DAYS", default_value_t = 365)]
    pub stale_after_days: i64,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the web pages and the API until stopped (SIGTERM or Ctrl-C);
    /// requests in flight finish before it exits.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        server: ServeArgs,
    },
    /// Apply pending database migrations and exit (serve also does it).
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manage accounts and roles, and read the mail outbox.
    Admin {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Write a full logical backup (JSON lines, restorable on either backend).
    Backup {
        #[command(flatten)]
        data: DataArgs,
        /// File to write; "-" for standard output.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Load a backup into an empty data directory or database.
    Restore {
        #[command(flatten)]
        data: DataArgs,
        /// Backup file to read; "-" for standard input.
        #[arg(long, short)]
        input: PathBuf,
    },
    /// Check the audit log's hash chain; exits with status 1 and names the
    /// first altered or missing entry if it is broken.
    Verify {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Mail the managers of stale atlas records a single-use link to confirm
    /// or correct them (at most once a month per record). `serve` does it
    /// daily; this runs it now. Mails go through the outbox.
    Freshness {
        #[command(flatten)]
        data: DataArgs,
        /// The address people use to reach the site: the links start with it.
        #[arg(long, env = "MAILLAGE_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
        /// Days after which a record neither updated nor confirmed is stale.
        #[arg(long, env = "MAILLAGE_STALE_AFTER_DAYS", default_value_t = 365)]
        stale_after_days: i64,
    },
    /// Import a source file (CSV with any delimiter in UTF-8 or Windows-1252,
    /// JSON, GeoJSON) into the atlas with a mapping file. Re-importing the
    /// same source updates what changed and retires what disappeared; bad
    /// rows go to a rejects file with their line and reason.
    Import {
        #[command(flatten)]
        data: DataArgs,
        /// Name of the source (records of a source are updated by its next
        /// imports); defaults to the mapping's.
        #[arg(long)]
        source: Option<String>,
        /// A mapping file, or the name of a shipped one: france-services,
        /// mednum, mairies (see mappings/README.md).
        #[arg(long)]
        mapping: String,
        /// csv, json or geojson; defaults to the file's extension.
        #[arg(long)]
        format: Option<String>,
        /// Where to write rejected rows (default: INPUT-NAME.rejects.csv).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Only import rows located in these départements (comma-separated codes).
        #[arg(long)]
        within: Option<String>,
        /// The file to import.
        input: PathBuf,
    },
    /// Write the live records of the atlas as open data, in a national
    /// format: mednum-csv or mednum-json (the standard of lieux de médiation
    /// numérique), data-inclusion-structures or data-inclusion-services
    /// (data·inclusion v1), geojson (the places on a map), or dcat (the
    /// catalogue describing these exports and crediting the sources). Writes
    /// to standard output unless --output is given; says on standard error
    /// how many records it wrote and left out.
    Export {
        #[command(flatten)]
        data: DataArgs,
        /// What to write.
        #[arg(long, value_parser = [
            "mednum-csv", "mednum-json", "data-inclusion-structures", "data-inclusion-services", "geojson", "dcat",
        ])]
        format: String,
        /// The file to write (replaced only once the export is complete);
        /// standard output when not given.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The address people use to reach the site: links to record pages
        /// and downloads start with it.
        #[arg(long, env = "MAILLAGE_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
    /// A place's accounts: `accounting export` writes its sales journal
    /// in the FEC layout (18 `|`-separated columns, one balanced entry per
    /// invoice or credit note).
    Accounting {
        #[command(flatten)]
        data: DataArgs,
        #[command(subcommand)]
        action: crate::commands::accounting::AccountingAction,
    },
    /// Measure the platform on synthetic data (never touches real data).
    Bench {
        #[command(subcommand)]
        what: crate::commands::bench::BenchCommand,
    },
    /// Prepare a ready-to-explore instance (an administrator and a territory
    /// team) and print how to sign in. With --serve, serve it right away.
    Demo {
        #[command(flatten)]
        data: DataArgs,
        /// Serve the demo after preparing it.
        #[arg(long)]
        serve: bool,
        #[command(flatten)]
        server: ServeArgs,
    },
}

#[derive(Subcommand)]
pub enum AdminAction {
    /// Create a confirmed account. Prints a generated password unless
    /// --password-stdin is given.
    CreateUser {
        #[arg(long)]
        email: String,
        /// Name shown to others.
        #[arg(long)]
        name: String,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
        /// Language of the account: fr or en.
        #[arg(long, default_value = "fr")]
        locale: String,
        /// Grant this role at once (platform_admin, territory_editor, …).
        #[arg(long)]
        role: Option<String>,
        /// The place or organisation id for scoped roles.
        #[arg(long)]
        scope: Option<i64>,
    },
    /// Grant a role: platform_admin, territory_editor, place_manager (with
    /// --scope PLACE_ID), organisation_admin or organisation_member (with
    /// --scope ORGANISATION_ID).
    Grant {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        scope: Option<i64>,
    },
    /// Revoke a role (same arguments as grant).
    Revoke {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        scope: Option<i64>,
    },
    /// List accounts and their roles.
    Users,
    /// Show the latest mails: queued, sent, or held when no relay is configured.
    Outbox {
        /// How many mails, newest first.
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Print each mail's body too (links included).
        #[arg(long)]
        full: bool,
    },
}
