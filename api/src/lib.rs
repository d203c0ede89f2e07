//! Chatterly's HTTP edge: configuration, the router and its handlers, authentication, and the
//! [`Application`] that wires the database and every capability together. The `chatterly`
//! binary is a thin wrapper around it, and the integration tests build it the same way.

pub mod admin_cli;
pub mod auth;
mod auth_cache;
pub mod config;
pub mod error;
pub mod extract;
pub mod model_cli;
pub mod mood;
pub mod openapi;
pub mod rate_limit;
pub mod refusals;
pub mod room_forward;
pub mod room_nodes;
pub mod routes;
pub mod security;
pub mod state;
pub mod telemetry;
pub mod views;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::str::FromStr as _;
use std::time::Duration;

use axum::serve::ListenerExt as _;
use models::cluster::{ClusterError, LocalCluster};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::state::AppState;

/// Why Chatterly could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The private database cluster could not be started.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// The database could not be reached.
    #[error("cannot connect to the database: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The listening address is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The configured address.
        addr: SocketAddr,
        /// Why binding failed.
        source: std::io::Error,
    },
    /// The built-in mood model could not be installed.
    #[error("cannot install the built-in mood model: {0}")]
    Mood(models::ModelError),
    /// Serving stopped with an I/O error.
    #[error("server error: {0}")]
    Serve(std::io::Error),
    /// The bus to the other nodes could not be set up.
    #[error("{0}; check CHATTERLY_NATS_URL")]
    Bus(realtime::bus::BusError),
}

/// A built, not yet serving, Chatterly: bound to its port, database connected and migrated.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    cluster: Option<LocalCluster>,
}

/// The server's connection options: `options` plus planning every statement for its
/// parameters (`plan_cache_mode = force_custom_plan`).
///
/// The hot chat queries join `unnest($1)` arrays against tables that start empty and grow
/// fast. PostgreSQL's cached generic plan for a prepared statement is fixed when first chosen:
/// made while `messages` was nearly empty it is a sequential scan with a hash join, and it
/// stays for the connection's life, so every batch of messages read the whole table (111
/// million rows in one 25-second load run; p99 delivery 248 ms, 59 ms with custom plans; see
/// `docs/performance.md`). Planning each execution costs tens of microseconds per statement.
pub fn plan_each_execution(options: PgConnectOptions) -> PgConnectOptions {
    options.options([("plan_cache_mode", "force_custom_plan")])
}

/// Connects to `DATABASE_URL`, or starts the private cluster when none is configured (returned,
/// so the caller stops it), and applies the migrations: what the server and the admin commands
/// need before they touch the database.
pub async fn connect(config: &Config) -> Result<(models::Db, Option<LocalCluster>), StartupError> {
    let (url, cluster) = match &config.database_url {
        Some(url) => (url.clone(), None),
        None => {
            let cluster = LocalCluster::start(&config.data_dir).await?;
            cluster.ensure_database().await?;
            (cluster.url(), Some(cluster))
        }
    };
    let db = PgPoolOptions::new()
        .max_connections(config.db_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(plan_each_execution(PgConnectOptions::from_str(&url)?))
        .await?;
    models::MIGRATOR.run(&db).await?;
    Ok((db, cluster))
}

impl Application {
    /// Connects to `DATABASE_URL`, or starts the private cluster when none is configured, applies
    /// migrations and binds the listening socket.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let (db, cluster) = connect(&config).await?;
        let mut app = Self::with_pool(config, db, models::clock::Clock::system()).await?;
        app.cluster = cluster;
        Ok(app)
    }

    /// Builds around an existing pool (already migrated), e.g. a test's fresh database, with
    /// the time taken from `clock` (the system clock, or a test's clock that it moves forward
    /// instead of sleeping until a reminder, a mood window or a room's end is due).
    pub async fn with_pool(
        config: Config,
        db: models::Db,
        clock: models::clock::Clock,
    ) -> Result<Self, StartupError> {
        mood::registry::ModelRegistry::install_builtin(&db)
            .await
            .map_err(StartupError::Mood)?;
        let abandoned = chrono::Utc::now() - chrono::Duration::minutes(10);
        match models::mood_model::fail_abandoned(&db, abandoned).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                versions = n,
                "mood training runs abandoned by a stopped server"
            ),
            Err(e) => tracing::warn!(error = %e, "could not check for abandoned training runs"),
        }
        let addr = config.bind;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        let mut config = config;
        if config.node_address.is_none() {
            // The port actually bound (configured as 0 in tests), where other nodes reach this one.
            config.node_address = listener.local_addr().ok().map(|a| a.to_string());
        }
        let node = uuid::Uuid::new_v4();
        let bus = match &config.nats_url {
            None => realtime::bus::Bus::local(node),
            Some(url) => {
                let settings = realtime::bus::NatsSettings {
                    url: url.clone(),
                    subject: config.nats_subject.clone(),
                };
                realtime::bus::Bus::nats(&settings, node)
                    .await
                    .map_err(StartupError::Bus)?
            }
        };
        tracing::info!(node.id = %node, "this node");
        let state = AppState::new(db, config, telemetry::metrics_handle(), clock, bus);
        Ok(Self {
            listener,
            state,
            cluster: None,
        })
    }

    /// The address actually bound (the port is random when configured as 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.state.config.bind)
    }

    /// The shared state, for tests that need to look inside.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then drains requests, closes the pool and stops the
    /// private cluster if one was started.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let Self {
            listener,
            state,
            cluster,
        } = self;
        let db = state.db.clone();
        let state_gateway = state.gateway.clone();
        let mut background = spawn_background(&state);
        let app = routes::router(state).into_make_service_with_connect_info::<SocketAddr>();
        tracing::info!(addr = %listener.local_addr().map_err(StartupError::Serve)?, "Chatterly is listening");
        // Live frames are small and must leave at once: without TCP_NODELAY, Nagle's algorithm
        // may hold a frame while the client has not yet acknowledged the previous one.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        let gateway = state_gateway;
        let draining = gateway.clone();
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                // Browsers reconnect (to another node) and resync as soon as their socket
                // closes; the node leaves the list once they are gone.
                draining.drain(Duration::from_secs(3)).await;
            })
            .await;
        gateway.leave().await;
        background.abort_all();
        db.close().await;
        if let Some(cluster) = cluster
            && let Err(e) = cluster.stop().await
        {
            tracing::warn!(error = %e, "could not stop the private PostgreSQL cluster");
        }
        served.map_err(StartupError::Serve)
    }
}

/// Tasks that live as long as the server: cache invalidation and rate-limiter housekeeping.
fn spawn_background(state: &AppState) -> tokio::task::JoinSet<()> {
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(auth::follow_changes(state.db.clone(), state.auth.clone()));
    tasks.spawn(state.gateway.clone().run_background());
    let mut revocations = state.auth.subscribe();
    let gateway = state.gateway.clone();
    let rooms = state.rooms.clone();
    tasks.spawn(async move {
        loop {
            match revocations.recv().await {
                Ok(auth::AuthEvent::SessionRevoked(session)) => {
                    gateway.hub.close_session(session);
                    rooms.end_session(session).await;
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "missed session revocations; their sockets close on next auth"
                    );
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    tasks.spawn(mood::push::follow(state.db.clone(), state.gateway.clone()));
    tasks.spawn(room_nodes::follow_commands(state.clone()));
    if state.config.mood_job_enabled {
        let config = mood::job::JobConfig {
            window: chrono::Duration::seconds(
                i64::try_from(state.config.mood_window_seconds).unwrap_or(300),
            ),
            grace: chrono::Duration::milliseconds(
                i64::try_from(state.config.mood_grace_ms).unwrap_or(5000),
            ),
        };
        tasks.spawn(mood::job::run(
            state.db.clone(),
            state.mood.registry.clone(),
            config,
            state.clock.clone(),
        ));
    }
    if state.config.mailer_enabled {
        let config = scheduler::mailer::MailerConfig {
            smtp_url: state.config.smtp_url.clone(),
            from: state.config.mail_from.clone(),
            file_dir: state.config.data_dir.join("mail"),
            poll: Duration::from_millis(state.config.mail_poll_ms),
            public_url: state.config.link_base(),
            max_attempts: 10,
        };
        match scheduler::mailer::Mailer::new(state.db.clone(), config, state.clock.clone()) {
            Ok(mailer) => {
                tasks.spawn(mailer.run());
            }
            Err(e) => tracing::error!(error = %e, "the mailer cannot start; email stays queued"),
        }
    }
    let (limits, reads) = (state.limits.clone(), state.reads.clone());
    tasks.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limits.shrink();
            reads.shrink();
        }
    });
    tasks
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
