//! `jobcast serve`: runs the server until SIGTERM or Ctrl-C, then drains.

use anyhow::Context;
use jobcast_server::auth::DEV_USER;
use jobcast_server::App;
use tokio::net::TcpListener;

use super::{load_config, ServeFlags};

pub async fn run(flags: ServeFlags) -> anyhow::Result<()> {
    let mut config = load_config(&flags.config)?;
    // Documents are parsed by this very binary, as `jobcast parse-document`.
    let exe = std::env::current_exe().context("cannot find the running program")?;
    config.parser = Some(jobcast_processors::ParserProgram::subcommand_of(exe));
    init_logging(config.log.as_deref());
    survive_file_size_limit();
    let app = App::build(&config).await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    println!(
        "jobcast {} listening on http://{address}",
        env!("CARGO_PKG_VERSION")
    );
    println!("dashboard: http://{address}/");
    println!("database: {}", app.state().store().backend());
    if app.auth().is_generated_secret() {
        let token = app.auth().mint_development()?;
        println!(
            "development token (user \"{DEV_USER}\", valid 24 h; secret kept in {}):",
            config.data_dir.display()
        );
        println!("{token}");
    }
    app.serve(listener, shutdown_signal()).await?;
    println!("jobcast stopped");
    Ok(())
}

/// `JOBCAST_LOG` (or `log` in the file) chooses the filter; else `RUST_LOG`.
fn init_logging(configured: Option<&str>) {
    let default = "info,sqlx=warn,tower_http=warn";
    let filter = configured
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .or_else(|| tracing_subscriber::EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

/// A file size limit (`ulimit -f`) reached by a database write must fail that
/// write (`EFBIG`, which the store treats as a full disk: `503`, `/readyz`
/// failing, healed when the limit is raised), not kill the process, as
/// `SIGXFSZ` does by default. So the signal is taken and only logged.
fn survive_file_size_limit() {
    #[cfg(target_os = "linux")]
    {
        const SIGXFSZ: i32 = 25;
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::from_raw(SIGXFSZ)) {
            Ok(mut signals) => {
                tokio::spawn(async move {
                    while signals.recv().await.is_some() {
                        tracing::warn!("a write passed the file size limit (SIGXFSZ); it failed as a full disk would");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot take SIGXFSZ; a file size limit will end the process")
            }
        }
    }
}

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: draining"),
        () = term => tracing::info!("SIGTERM: draining"),
    }
}
