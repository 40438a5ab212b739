//! The `threadgate` command: serve, serve a store over the canonical protocol, check a config,
//! import a seed directory or copy a platform's conversations (`import --from`).

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use threadgate::config::Config;

#[derive(Parser)]
#[command(
    name = "threadgate",
    version,
    about = "API-compatibility gateway for chat history"
)]
struct Cli {
    /// Config file [default: $THREADGATE_CONFIG, else config/threadgate.toml]
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway (the default).
    Serve,
    /// Parse and validate the config, print the effective config.
    CheckConfig,
    /// Serve the store that [backend] describes over the canonical protocol
    /// (docs/canonical-api.md), for gateways whose [backend] kind is "http".
    Backend {
        /// The protocol listener [default: [backend_service] listen, 127.0.0.1:7070]
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
        /// The admin listener: /livez /readyz /metrics [default: [backend_service]
        /// admin_listen, 127.0.0.1:7071]
        #[arg(long, value_name = "ADDR")]
        admin_listen: Option<std::net::SocketAddr>,
    },
    /// Load a seed directory (JSON Lines, see docs/data-format.md) into the configured
    /// database, or with --from copy a platform's conversations into it.
    Import {
        /// The seed directory (not with --from).
        #[arg(required_unless_present = "from", conflicts_with = "from")]
        dir: Option<PathBuf>,
        /// Copy from this kind of platform (or another threadgate's canonical protocol:
        /// http) through its client face; idempotent and resumable.
        #[arg(long, value_name = "KIND", requires = "url",
              value_parser = clap::builder::PossibleValuesParser::new(threadgate::import::source::SourceKind::NAMES))]
        from: Option<String>,
        /// The platform's base URL.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Whose conversations to copy: one credential per user line (the mapped format of
        /// [backend.auth] credentials).
        #[arg(long, value_name = "FILE")]
        credentials: Option<PathBuf>,
        /// Messages asked for per page [default: the platform's largest page].
        #[arg(long, value_name = "N")]
        page_size: Option<u32>,
    },
    /// Write a synthetic seed directory for scale measurements: four users with known tokens,
    /// a direct room of N messages, a channel thread of R replies.
    Generate {
        /// Messages of the direct room.
        #[arg(long, value_name = "N")]
        messages: u64,
        /// Replies of the channel's thread.
        #[arg(long, value_name = "R", default_value_t = 20_000)]
        thread_replies: u64,
        /// The directory to write (created when missing; its seed files are replaced).
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Generate {
        messages,
        thread_replies,
        dir,
    }) = &cli.command
    {
        return generate(*messages, *thread_replies, dir);
    }
    let path = Config::resolve_path(cli.config.as_deref());
    let config = match Config::load(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("threadgate: invalid config: {e}");
            return ExitCode::from(1);
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::CheckConfig => {
            println!("# effective config of {}", path.display());
            print!("{}", config.to_toml());
            ExitCode::SUCCESS
        }
        Command::Import {
            dir,
            from,
            url,
            credentials,
            page_size,
        } => match (dir, from, url) {
            (_, Some(from), Some(url)) => import_from(&config, &from, url, credentials, page_size),
            (Some(dir), _, _) => import(&config, &dir),
            _ => {
                eprintln!("threadgate: import needs a seed directory, or --from KIND --url URL");
                ExitCode::from(2)
            }
        },
        Command::Generate { .. } => ExitCode::SUCCESS,
        Command::Serve => serve(config),
        Command::Backend {
            listen,
            admin_listen,
        } => {
            let at = threadgate::service::Addresses {
                listen: listen.unwrap_or(config.backend_service.listen),
                admin_listen: admin_listen.unwrap_or(config.backend_service.admin_listen),
            };
            backend(config, at)
        }
    }
}

fn import(config: &Config, dir: &Path) -> ExitCode {
    use threadgate::backend::embedded::{progress::ImportProgress, EmbeddedBackend};
    let Some(store) = open_store(config) else {
        return ExitCode::from(1);
    };
    let path = config.embedded().map_or("", |e| e.path.as_str());
    let total = match EmbeddedBackend::count_records(dir) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("threadgate: import failed, nothing was written: {e}");
            return ExitCode::from(1);
        }
    };
    let mut progress = ImportProgress::stderr(total);
    let outcome = store.import_dir_with_progress(dir, &mut |done| progress.update(done));
    progress.finish();
    match outcome {
        Ok(stats) => {
            println!(
                "imported {} into {}: {} users, {} rooms, {} messages, {} tokens",
                dir.display(),
                path,
                stats.users,
                stats.rooms,
                stats.messages,
                stats.tokens
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("threadgate: import failed, nothing was written: {e}");
            ExitCode::from(1)
        }
    }
}

fn import_from(
    config: &Config,
    from: &str,
    url: String,
    credentials: Option<PathBuf>,
    page_size: Option<u32>,
) -> ExitCode {
    use threadgate::import::{self, progress::CopyProgress, source::SourceKind};
    let Some(from) = SourceKind::parse(from) else {
        eprintln!("threadgate: --from {from:?}: not a kind this threadgate reads");
        return ExitCode::from(2);
    };
    let Some(store) = open_store(config) else {
        return ExitCode::from(1);
    };
    threadgate::telemetry::init(&config.log);
    let Some(runtime) = runtime() else {
        return ExitCode::from(1);
    };
    let options = import::Options {
        from,
        url,
        credentials,
        page_size,
        patience: import::patience::Patience::default(),
    };
    let mut progress = CopyProgress::stderr();
    let outcome = runtime.block_on(import::run(
        std::sync::Arc::new(store),
        &options,
        &mut progress,
    ));
    progress.finish();
    match outcome {
        Ok(summary) => {
            for skipped in &summary.skipped {
                eprintln!("threadgate: skipped {skipped}");
            }
            println!("{summary}");
            if summary.skipped.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            }
        }
        Err(e) => {
            eprintln!(
                "threadgate: import stopped: {e} (what was written stays; run it again to go on)"
            );
            ExitCode::from(1)
        }
    }
}

/// The configured embedded store, opened without its seed; `None` after saying why not.
fn open_store(config: &Config) -> Option<threadgate::backend::embedded::EmbeddedBackend> {
    let Some(embedded) = config.embedded() else {
        eprintln!(
            "threadgate: import writes into an embedded store, but [backend] kind is {:?}",
            config.backend.kind()
        );
        return None;
    };
    match threadgate::backend::embedded::EmbeddedBackend::open(&embedded.path, 1) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("threadgate: cannot open {}: {e}", embedded.path);
            None
        }
    }
}

fn generate(messages: u64, thread_replies: u64, dir: &Path) -> ExitCode {
    use threadgate::backend::embedded::generate::{self, Options};
    let options = Options {
        messages,
        thread_replies,
    };
    let started = std::time::Instant::now();
    match generate::generate(dir, &options) {
        Ok(generated) => {
            println!(
                "wrote {} records into {} in {:.1} s",
                generated.records,
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            print!("{}", generate::summary(&generated));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("threadgate: cannot write {}: {e}", dir.display());
            ExitCode::from(1)
        }
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("threadgate: cannot start the runtime: {e}");
            None
        }
    }
}

fn backend(config: Config, at: threadgate::service::Addresses) -> ExitCode {
    threadgate::telemetry::init(&config.log);
    let Some(runtime) = runtime() else {
        return ExitCode::from(1);
    };
    runtime.block_on(async move {
        let running = match threadgate::service::start(&config, at).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "cannot start");
                return ExitCode::from(1);
            }
        };
        shutdown_signal().await;
        tracing::info!("shutdown requested");
        running.shutdown();
        running.wait().await;
        ExitCode::SUCCESS
    })
}

fn serve(config: Config) -> ExitCode {
    threadgate::telemetry::init(&config.log);
    let Some(runtime) = runtime() else {
        return ExitCode::from(1);
    };
    runtime.block_on(async move {
        let running = match threadgate::server::start(config).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "cannot start");
                return ExitCode::from(1);
            }
        };
        shutdown_signal().await;
        tracing::info!("shutdown requested");
        running.shutdown();
        running.wait().await;
        ExitCode::SUCCESS
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
