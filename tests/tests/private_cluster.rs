//! With no DATABASE_URL, Chatterly runs its own PostgreSQL under the data directory, and the data
//! survives a restart.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt as _;

use api::Application;
use api::config::Config;
use serde_json::json;
use tests::PASSWORD;

async fn start(
    data_dir: &std::path::Path,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let config = Config {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: None,
        data_dir: data_dir.to_path_buf(),
        ..Config::default()
    };
    let app = Application::build(config)
        .await
        .expect("starts on a private cluster");
    let addr = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        app.run_until(async move {
            let _ = stopped.await;
        })
        .await
        .expect("serves");
    });
    (addr, stop, task)
}

#[tokio::test]
async fn private_cluster_keeps_data_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    // When the tests run as root, PostgreSQL runs as the `postgres` user and must reach the dir.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data_dir = dir.path().join("data");

    let (addr, stop, task) = start(&data_dir).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signup = client
        .post(format!("http://{addr}/api/v1/auth/signup"))
        .json(&json!({ "email": "ada@uni.ac.uk", "password": PASSWORD, "display_name": "Ada" }))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);
    stop.send(()).unwrap();
    task.await.unwrap();
    assert!(data_dir.join("postgres/PG_VERSION").exists());
    assert!(
        !data_dir.join("postgres/postmaster.pid").exists(),
        "the cluster is stopped on shutdown"
    );

    let (addr, stop, task) = start(&data_dir).await;
    let login = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&json!({ "email": "ada@uni.ac.uk", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "the account survived the restart");
    stop.send(()).unwrap();
    task.await.unwrap();
}
