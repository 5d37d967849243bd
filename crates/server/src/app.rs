//! Assembles a jobcast instance in a straight line — configuration → store →
//! bus → auth → processors → worker pool → HTTP — so the binary and the tests
//! start exactly the same thing. `main` only wires; tests call `App::build`
//! with a fresh data directory and serve it on port 0.

use std::future::Future;
use std::sync::Arc;

use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::Router;
use jobcast_core::{EventBus, Journal, LocalBus, Processors, StoreError};
use jobcast_worker::{PoolConfig, PoolHandle, WorkerError, WorkerPool};
use socketioxide::SocketIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::auth::{AuthError, Authenticator};
use crate::config::Config;
use crate::fetch::{FetchError, FetchPolicy, UrlFetcher};
use crate::readiness::Readiness;
use crate::state::{AppState, Limits};
use crate::transport::{CuttableListener, Peer};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    #[error("cannot set up authentication: {0}")]
    Auth(#[from] AuthError),
    #[error("cannot set up the URL fetcher: {0}")]
    Fetch(#[from] FetchError),
    #[error("cannot start the worker pool: {0}")]
    Worker(#[from] WorkerError),
    #[error("server: {0}")]
    Serve(#[from] std::io::Error),
}

/// How long open HTTP requests may take to finish once a drain begins.
const HTTP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// A built, not yet serving, jobcast instance.
pub struct App {
    router: Router,
    io: SocketIo,
    pool: PoolHandle,
    auth: Arc<Authenticator>,
    state: AppState,
}

impl App {
    pub async fn build(config: &Config) -> Result<App, AppError> {
        let settings = jobcast_processors::ProcessorSettings {
            llm: jobcast_processors::LlmSettings {
                provider: config.llm.provider,
                base_url: config.llm.base_url.clone(),
                api_key: config.llm.api_key.as_ref().map(|k| k.expose().to_string()),
                model: config.llm.model.clone(),
            },
            sandbox: jobcast_processors::Sandbox::new(
                config
                    .parser
                    .clone()
                    .unwrap_or_else(jobcast_processors::ParserProgram::locate),
                jobcast_processors::ParseLimits {
                    max_memory: config.parse.max_memory,
                    timeout: config.parse.timeout,
                    read: jobcast_processors::pdf::ReadLimits {
                        max_pages: config.parse.max_pages,
                        max_decoded_bytes: config.parse.max_decoded_bytes,
                        max_text_bytes: config.max_result_bytes,
                    },
                },
            ),
            ..Default::default()
        };
        let mut processors = jobcast_processors::builtin(&settings);
        if config.bench_kind {
            processors = processors.with(jobcast_processors::BenchEmit);
        }
        Self::build_with(config, processors).await
    }

    /// Like `build`, with the given processors (tests add their own kinds).
    pub async fn build_with(config: &Config, processors: Processors) -> Result<App, AppError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| AppError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let store = jobcast_store::connect(&config.database_url).await?;
        let bus: Arc<dyn EventBus> = Arc::new(LocalBus::default());
        let journal = Journal::new(store.clone(), bus);
        let auth = Arc::new(Authenticator::load(config)?);
        let fetcher = Arc::new(UrlFetcher::new(FetchPolicy {
            allowlist: config.url_allowlist.clone(),
            max_bytes: config.max_upload_bytes,
            timeout: config.fetch_timeout,
        })?);
        let pool = WorkerPool::start(
            journal.clone(),
            processors.clone(),
            PoolConfig {
                workers: config.workers,
                instance_id: format!("instance-{}", ulid::Ulid::new()),
                job_timeout: Some(config.job_timeout),
                max_result_bytes: Some(config.max_result_bytes),
                ..PoolConfig::default()
            },
        )
        .await?;
        let state = AppState {
            journal,
            processors,
            auth: auth.clone(),
            fetcher,
            readiness: Arc::new(Readiness::new(store, config.redis_url.as_deref())),
            limits: Limits {
                max_upload_bytes: config.max_upload_bytes,
                max_files: config.max_files,
                max_attempts: config.job_max_attempts,
                sse_keep_alive: config.realtime.sse_keep_alive,
            },
            shutdown: CancellationToken::new(),
            dev_sign_in: auth.is_generated_secret() && config.listen.ip().is_loopback(),
        };
        let (socket_layer, io, websockets) =
            crate::realtime::build(state.clone(), config.realtime.clone());
        let router = crate::http::router(state.clone())
            .layer(socket_layer)
            .layer(axum::middleware::from_fn_with_state(
                websockets,
                crate::realtime::record_upgrade,
            ))
            .layer(cors(&config.cors_origins))
            .layer(TraceLayer::new_for_http());
        Ok(App {
            router,
            io,
            pool,
            auth,
            state,
        })
    }

    pub fn auth(&self) -> &Arc<Authenticator> {
        &self.auth
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then drains: no new jobs are taken,
    /// running jobs are handed back to the queue, event streams end, open
    /// requests get a few seconds to finish. Sockets are dropped when the
    /// process exits, which official clients answer by reconnecting.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let pool = self.pool;
        let streams = self.state.shutdown.clone();
        let drain = async move {
            shutdown.await;
            let _ = stop_tx.send(true);
            streams.cancel();
            pool.drain().await;
        };
        let mut http_stop = stop_rx.clone();
        // Every connection can be cut (a socket the server drops whatever
        // its buffer holds), and its peer address is recorded for the
        // development sign-in, which must not take a client's word (`Host`)
        // for where it is.
        let listener = CuttableListener::new(listener);
        let service = self.router.into_make_service_with_connect_info::<Peer>();
        let http = axum::serve(listener, service).with_graceful_shutdown(async move {
            let _ = http_stop.wait_for(|stopped| *stopped).await;
        });
        // Open requests get a moment to finish; a long-poll that would hold
        // the drain is cut off with the rest when the process exits.
        let mut grace_stop = stop_rx;
        let http = async move {
            tokio::select! {
                served = http => served,
                () = async {
                    let _ = grace_stop.wait_for(|stopped| *stopped).await;
                    tokio::time::sleep(HTTP_GRACE).await;
                } => Ok(()),
            }
        };
        let (served, ()) = tokio::join!(http, drain);
        served?;
        // Sockets are not sent an Engine.IO close: official clients take that
        // for a deliberate disconnect and stay away. Their connections drop
        // with the process, and they reconnect — to another instance, or to
        // this one once it is back.
        drop(self.io);
        Ok(())
    }
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ]);
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(AllowOrigin::any())
    } else {
        let list: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        layer.allow_origin(AllowOrigin::list(list))
    }
}
