//! `chatterly admin create EMAIL`, run as the operator would: it creates an admin with a
//! one-time password that signs in, promotes an existing account, and refuses a bad email.

use std::process::{Command, Output};

use serde_json::{Value, json};
use sqlx::PgPool;
use tests::TestApp;
use tests::server_process::chatterly_bin;

/// Runs `chatterly admin create <args>` against the test's database.
fn admin_create(db: &PgPool, args: &[&str]) -> Output {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let database = db
        .connect_options()
        .get_database()
        .unwrap_or("postgres")
        .to_owned();
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{database}"),
        None => base,
    };
    Command::new(chatterly_bin().expect("the chatterly binary"))
        .args(["admin", "create"])
        .args(args)
        .env("DATABASE_URL", url)
        .env("CHATTERLY_LOG_FORMAT", "json")
        .output()
        .expect("run chatterly")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn admin_create_makes_an_admin_who_can_sign_in(db: PgPool) {
    let app = TestApp::spawn(db.clone()).await;
    let made = admin_create(&db, &["Boss@Uni.ac.uk", "--name", "The Boss"]);
    assert!(made.status.success(), "{made:?}");
    let text = stdout(&made);
    let password = text
        .lines()
        .find_map(|l| l.split("one-time password ").nth(1))
        .expect("the password is printed")
        .trim()
        .to_owned();
    assert!(password.len() >= 10, "{text}");
    let login: Value = tests::json_of(
        reqwest::Client::new()
            .post(app.url("/api/v1/auth/tokens"))
            .json(&json!({ "email": "boss@uni.ac.uk", "password": password })),
    )
    .await;
    let token = login["token"].as_str().expect("token");
    let (_, me) = app.get_json(token, "/api/v1/me").await;
    assert_eq!(me["role"], "admin");
    assert_eq!(me["display_name"], "The Boss");

    // An existing account is promoted, keeping its password.
    let (_, student) = app.user_with_token("ada@uni.ac.uk", "Ada").await;
    let promoted = admin_create(&db, &["ada@uni.ac.uk"]);
    assert!(promoted.status.success(), "{promoted:?}");
    assert!(stdout(&promoted).contains("ada@uni.ac.uk is an admin"));
    let (_, me) = app.get_json(&student, "/api/v1/me").await;
    assert_eq!(me["role"], "admin");

    let refused = admin_create(&db, &["not-an-email"]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("email"), "{why}");
    app.stop().await;
}
