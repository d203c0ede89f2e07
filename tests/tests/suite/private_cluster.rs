//! With no DATABASE_URL, Chatterly runs its own PostgreSQL for the data directory: also when the
//! data directory sits under a private (0700) parent, as in root's home; the data survives a
//! clean restart, and a hard kill of both Chatterly and its PostgreSQL followed by an immediate
//! restart.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use api::Application;
use api::config::Config;
use models::cluster::RELOCATED_ROOT;
use serde_json::{Value, json};
use tests::PASSWORD;
use tests::private_server::{Launch, Server};
use tests::ws::WsClient;

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// A data directory under a fresh private parent (mode 0700, as root's home); removes
/// the cluster kept outside it (as root) when dropped.
struct PrivateDataDir {
    _parent: tempfile::TempDir,
    path: PathBuf,
}

impl PrivateDataDir {
    fn new() -> Self {
        use std::os::unix::fs::PermissionsExt as _;
        let parent = tempfile::tempdir().expect("temp dir");
        std::fs::set_permissions(parent.path(), std::fs::Permissions::from_mode(0o700))
            .expect("make the parent private");
        let path = parent.path().join("data");
        Self {
            _parent: parent,
            path,
        }
    }

    /// Where the cluster's files are, checking the layout: as root, outside the private
    /// parent with a link from the data directory; otherwise inside it.
    fn cluster_dir(&self) -> PathBuf {
        let link = self.path.join("postgres");
        let meta = std::fs::symlink_metadata(&link).expect("data/postgres exists");
        if is_root() {
            assert!(
                meta.file_type().is_symlink(),
                "as root, data/postgres links to the cluster"
            );
            let target = std::fs::read_link(&link).expect("link target");
            assert!(
                target.starts_with(RELOCATED_ROOT),
                "{} is under {RELOCATED_ROOT}",
                target.display()
            );
            target
        } else {
            assert!(meta.is_dir(), "data/postgres is the cluster itself");
            link
        }
    }
}

impl Drop for PrivateDataDir {
    fn drop(&mut self) {
        if let Ok(target) = std::fs::read_link(self.path.join("postgres")) {
            let _ = std::fs::remove_dir_all(target);
        }
    }
}

async fn start_in_process(
    data_dir: &Path,
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
async fn private_cluster_under_a_private_parent_keeps_data_across_restarts() {
    let data = PrivateDataDir::new();

    let (addr, stop, task) = start_in_process(&data.path).await;
    let signup = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/auth/signup"))
        .json(&json!({ "email": "ada@uni.ac.uk", "password": PASSWORD, "display_name": "Ada" }))
        .send()
        .await
        .expect("signup");
    assert_eq!(signup.status(), 201);
    stop.send(()).expect("stop");
    task.await.expect("stopped");
    let cluster = data.cluster_dir();
    assert!(cluster.join("PG_VERSION").exists());
    assert!(
        !cluster.join("postmaster.pid").exists(),
        "the cluster is stopped on shutdown"
    );
    assert!(
        !cluster.with_extension("initdb-password").exists(),
        "initdb's password file is removed"
    );
    let password_mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(data.path.join("postgres-password"))
            .expect("password file")
            .permissions(),
    );
    assert_eq!(password_mode & 0o777, 0o600);

    let (addr, stop, task) = start_in_process(&data.path).await;
    let login = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&json!({ "email": "ada@uni.ac.uk", "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200, "the account survived the restart");
    assert_eq!(
        data.cluster_dir(),
        cluster,
        "the same cluster is used again"
    );
    stop.send(()).expect("stop");
    task.await.expect("stopped");
}

#[tokio::test]
async fn a_cluster_that_cannot_start_says_why_and_what_to_do() {
    let data = PrivateDataDir::new();
    let (_, stop, task) = start_in_process(&data.path).await;
    stop.send(()).expect("stop");
    task.await.expect("stopped");
    let conf = data.cluster_dir().join("postgresql.conf");
    let mut text = std::fs::read_to_string(&conf).expect("postgresql.conf");
    text.push_str("\nthis is not a setting\n");
    std::fs::write(&conf, text).expect("break postgresql.conf");

    let config = Config {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: None,
        data_dir: data.path.clone(),
        ..Config::default()
    };
    let error = match Application::build(config).await {
        Ok(_) => panic!("started with a broken postgresql.conf"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("did not start"), "{error}");
    assert!(
        error.contains("postgresql.conf\" contains errors"),
        "PostgreSQL's reason is given: {error}"
    );
    assert!(error.contains("server.log"), "the log is named: {error}");
    assert!(error.contains("set DATABASE_URL"), "what to do: {error}");
    assert_eq!(error.lines().count(), 1, "one line: {error}");
}

#[tokio::test]
async fn as_an_ordinary_user_the_cluster_lives_in_the_data_directory() {
    if !is_root() {
        // Not root: every other test here already runs as an ordinary user.
        return;
    }
    use std::os::unix::fs::MetadataExt as _;
    let parent = tempfile::tempdir().expect("temp dir");
    let id = Command::new("id")
        .args(["-u", "nobody"])
        .output()
        .expect("id");
    let nobody_uid: u32 = String::from_utf8_lossy(&id.stdout)
        .trim()
        .parse()
        .expect("uid");
    let status = Command::new("chown")
        .args(["nobody:nogroup", &parent.path().to_string_lossy()])
        .status();
    assert!(status.is_ok_and(|s| s.success()), "chown to nobody");
    // The user's own copy of the binary, as the build may sit in a directory they cannot read.
    let bin = parent.path().join("chatterly");
    std::fs::copy(
        tests::server_process::chatterly_bin().expect("binary"),
        &bin,
    )
    .expect("copy");
    let data_dir = parent.path().join("data");
    let log = parent.path().join("chatterly.log");

    let as_nobody = Launch::As("nobody", "nogroup", bin.clone());
    let mut server = Server::start_as(&as_nobody, &data_dir, log.clone()).await;
    server.user("ada@uni.ac.uk").await;
    server.stop();
    let cluster = data_dir.join("postgres");
    let meta = std::fs::symlink_metadata(&cluster).expect("cluster");
    assert!(meta.is_dir(), "the cluster is in the data directory");
    assert_eq!(meta.uid(), nobody_uid, "and belongs to the user");
    assert!(
        !cluster.join("postmaster.pid").exists(),
        "stopped on shutdown"
    );

    let server = Server::start_as(&as_nobody, &data_dir, log).await;
    server.token("ada@uni.ac.uk").await;
}

fn sigkill(pid: &str) {
    let status = Command::new("kill").args(["-KILL", pid]).status();
    assert!(status.is_ok_and(|s| s.success()), "kill -9 {pid}");
}

#[tokio::test]
async fn after_a_hard_kill_of_both_an_immediate_restart_keeps_every_acknowledged_message() {
    let data = PrivateDataDir::new();
    let log = data.path.with_file_name("chatterly.log");
    let mut server = Server::start(&data.path, log.clone()).await;
    let (_, ada) = server.user("ada@uni.ac.uk").await;
    let (bob, bob_token) = server.user("bob@uni.ac.uk").await;
    let direct = json!({ "kind": "direct", "user_id": bob });
    let conversation = server
        .post("/api/v1/conversations", Some(&ada), direct)
        .await;
    let conversation: uuid::Uuid = conversation["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("conversation id");
    let accept = format!("/api/v1/conversations/{conversation}/accept");
    server.post(&accept, Some(&bob_token), json!({})).await;

    let mut ws = WsClient::connect(server.addr, &ada).await.expect("ws");
    let mut acked: Vec<(String, i64)> = Vec::new();
    for i in 0..40 {
        let client_id = format!("m{i}");
        ws.send_message(conversation, &client_id, &format!("message {i}"))
            .await
            .expect("send");
        let ack = ws.next_of("ack").await.expect("ack");
        assert_eq!(ack["client_id"], client_id.as_str());
        acked.push((client_id, ack["seq"].as_i64().expect("seq")));
    }
    // More sends in flight at the kill: whatever is acked by then must survive too.
    for i in 40..60 {
        ws.send_message(conversation, &format!("m{i}"), &format!("message {i}"))
            .await
            .expect("send");
    }
    for ack in ws.all_of_for("ack", Duration::from_millis(30)).await {
        let client_id = ack["client_id"].as_str().expect("client id").to_owned();
        acked.push((client_id, ack["seq"].as_i64().expect("seq")));
    }

    let cluster = data.cluster_dir();
    let pid_file = std::fs::read_to_string(cluster.join("postmaster.pid")).expect("pid file");
    let postmaster = pid_file.lines().next().expect("pid line").trim().to_owned();
    sigkill(&server.child.id().to_string());
    sigkill(&postmaster);
    let _ = server.child.wait();
    drop(ws);
    assert!(
        cluster.join("postmaster.pid").exists(),
        "the killed PostgreSQL leaves its pid file behind"
    );

    let server = Server::start(&data.path, log).await;
    let ada = server.token("ada@uni.ac.uk").await;
    let path = format!("/api/v1/conversations/{conversation}/messages?after=0&limit=100");
    let page: Value = reqwest::Client::new()
        .get(server.url(&path))
        .bearer_auth(&ada)
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("history json");
    let stored: Vec<(String, i64)> = page["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            let client_id = m["client_id"].as_str().expect("client id").to_owned();
            (client_id, m["seq"].as_i64().expect("seq"))
        })
        .collect();
    assert!(acked.len() >= 40);
    for message in &acked {
        assert!(
            stored.contains(message),
            "acknowledged {message:?} was lost"
        );
    }
}
