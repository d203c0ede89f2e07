//! Schemathesis (issue 16, point 9) walks the OpenAPI document against the real server with
//! generated requests, signed in as a student: no answer may be a 5xx, and every error must be
//! in the API's error shape (the check in `tests/schemathesis/hooks.py`). The seed is fixed, so
//! a failure replays; `scripts/test` installs schemathesis and sets `SCHEMATHESIS`.

use std::path::PathBuf;
use std::process::Command;

use sqlx::PgPool;
use tests::TestApp;

/// The schemathesis command: `SCHEMATHESIS`, or `schemathesis` on the PATH.
fn schemathesis() -> PathBuf {
    std::env::var_os("SCHEMATHESIS").map_or_else(|| PathBuf::from("schemathesis"), PathBuf::from)
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn generated_requests_get_no_5xx_and_every_error_in_the_error_shape(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let (_, token) = app.user_with_token("st@uni.ac.uk", "Schema Tester").await;
    let base = app.url("");
    let hooks = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemathesis");
    let command = schemathesis();
    let run = tokio::task::spawn_blocking(move || {
        Command::new(&command)
            .args(["run", &format!("{base}/api/openapi.json"), "--url", &base])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "not_a_server_error,errors_have_the_error_shape"])
            .args(["--max-examples", "10", "--seed", "1"])
            // Signing out or changing the password would end the run's own session.
            .args(["--exclude-path-regex", "logout|/me/sessions/|/me/password"])
            .env("SCHEMATHESIS_HOOKS", "hooks")
            .env("PYTHONPATH", &hooks)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} ({e}); run ./scripts/test, which installs it",
                    command.display()
                )
            })
    })
    .await
    .expect("the schemathesis run");
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        report.contains("generated"),
        "schemathesis ran no test cases:\n{report}"
    );
}
