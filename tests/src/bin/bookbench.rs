//! Booking race benchmark: 1,000 students try to book 100 slots of one lecturer at once (ten
//! students per slot), through the real HTTP API of a release server on a fresh database.
//! Exactly 100 bookings must result; prints throughput and latency.
//!
//! ```text
//! cargo run --release -p tests --bin bookbench
//! ```

use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use chrono::{DateTime, NaiveTime, Utc};
use clap::Parser;
use futures::future::join_all;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection as _, Executor as _, PgConnection, PgPool};
use uuid::Uuid;

/// Races bookings for a lecturer's slots.
#[derive(Parser, Debug)]
struct Args {
    /// Students, each making one booking attempt at the same moment.
    #[arg(long, default_value_t = 1000)]
    students: usize,
    /// Distinct slots they aim at.
    #[arg(long, default_value_t = 100)]
    slots: usize,
    /// PostgreSQL server (any database on it); `chatterly_bookbench` is recreated there.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = fresh_database(&args.postgres).await?;
    let app = tests::TestApp::spawn_with(db.clone(), |config| {
        config.login_rate_per_ip = 1_000_000;
    })
    .await;

    // One lecturer open every day 08:00-20:00 (24 half-hour slots a day), and the students.
    let hash = models::password::hash_password("bench password")?;
    let lecturer = open_lecturer(&db, &hash).await?;
    let mut tokens = Vec::with_capacity(args.students);
    for i in 0..args.students {
        let user = models::user::create(
            &db,
            &new_user(&hash, format!("s{i}@bench.test"), format!("Student {i}")),
            None,
        )
        .await?;
        let (token, _) = models::session::create(&db, user.id, "bookbench", None).await?;
        tokens.push(token.expose().to_owned());
    }

    let client = reqwest::Client::new();
    let slots = offered_slots(&client, &app, lecturer, &tokens[0], args.slots).await?;
    let started = Instant::now();
    let results = race(&client, &app, lecturer, &tokens, &slots).await;
    let elapsed = started.elapsed();
    report(&args, &db, results, elapsed).await?;
    app.stop().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}

/// Recreates `chatterly_bookbench` on the server of `postgres` and migrates it.
async fn fresh_database(postgres: &str) -> anyhow::Result<PgPool> {
    let mut admin = PgConnection::connect(postgres)
        .await
        .context("connect to PostgreSQL")?;
    admin
        .execute("DROP DATABASE IF EXISTS chatterly_bookbench WITH (FORCE)")
        .await?;
    admin.execute("CREATE DATABASE chatterly_bookbench").await?;
    let url = match postgres.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/chatterly_bookbench"),
        None => anyhow::bail!("--postgres must end in /database"),
    };
    let db = PgPoolOptions::new()
        .max_connections(16)
        .connect(&url)
        .await?;
    models::MIGRATOR.run(&db).await?;
    Ok(db)
}

/// A bench account with the password `hash`.
fn new_user(hash: &str, email: String, name: String) -> models::user::NewUser {
    models::user::NewUser {
        email,
        password_hash: hash.to_owned(),
        display_name: name,
        time_zone: "Europe/London".into(),
        avatar_color: "#3b82f6".into(),
    }
}

/// Creates the lecturer, open every day 08:00-20:00 in half-hour slots; returns their id.
async fn open_lecturer(db: &PgPool, hash: &str) -> anyhow::Result<Uuid> {
    let lecturer = models::user::create(
        db,
        &new_user(hash, "lecturer@bench.test".into(), "Lecturer".into()),
        None,
    )
    .await?;
    models::user::set_role(db, lecturer.id, models::user::Role::Lecturer).await?;
    let hours = |h| NaiveTime::from_hms_opt(h, 0, 0).context("time");
    models::availability::save(
        db,
        lecturer.id,
        &models::availability::Document {
            settings: models::availability::Settings {
                time_zone: "Europe/London".into(),
                slot_minutes: 30,
                buffer_minutes: 0,
                min_notice_minutes: 0,
                horizon_days: 60,
                requires_approval: false,
                cancel_window_minutes: 0,
            },
            rules: (1..=7)
                .map(|d| {
                    Ok(models::availability::Rule {
                        weekday: d,
                        starts: hours(8)?,
                        ends: hours(20)?,
                    })
                })
                .collect::<anyhow::Result<_>>()?,
            exceptions: vec![],
        },
    )
    .await?;
    Ok(lecturer.id)
}

/// The first `count` slots the lecturer offers from an hour from now (failing if fewer).
async fn offered_slots(
    client: &reqwest::Client,
    app: &tests::TestApp,
    lecturer: Uuid,
    token: &str,
    count: usize,
) -> anyhow::Result<Vec<DateTime<Utc>>> {
    let from = Utc::now() + chrono::Duration::hours(1);
    let to = from + chrono::Duration::days(14);
    let listed: Value = client
        .get(app.url(&format!("/api/v1/lecturers/{lecturer}/slots")))
        .query(&[("from", from.to_rfc3339()), ("to", to.to_rfc3339())])
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    let slots: Vec<DateTime<Utc>> = listed["slots"]
        .as_array()
        .context("slots")?
        .iter()
        .filter_map(|s| s["starts_at"].as_str()?.parse().ok())
        .take(count)
        .collect();
    ensure!(slots.len() == count, "only {} slots offered", slots.len());
    Ok(slots)
}

/// Every student tries to book at once (student `i` aims at slot `i % slots`); returns each
/// attempt's HTTP status and latency.
async fn race(
    client: &reqwest::Client,
    app: &tests::TestApp,
    lecturer: Uuid,
    tokens: &[String],
    slots: &[DateTime<Utc>],
) -> Vec<(reqwest::Result<u16>, Duration)> {
    let attempts = tokens.iter().enumerate().map(|(i, token)| {
        let client = client.clone();
        let body = json!({ "lecturer_id": lecturer, "starts_at": slots[i % slots.len()], "topic": "Race" });
        let url = app.url("/api/v1/bookings");
        async move {
            let sent = Instant::now();
            let status = client.post(url).bearer_auth(token).json(&body).send().await.map(|r| r.status().as_u16());
            (status, sent.elapsed())
        }
    });
    join_all(attempts).await
}

/// Prints the outcome and fails unless exactly one booking per slot was made and stored.
async fn report(
    args: &Args,
    db: &PgPool,
    results: Vec<(reqwest::Result<u16>, Duration)>,
    elapsed: Duration,
) -> anyhow::Result<()> {
    let mut latency = Histogram::<u64>::new(3)?;
    let (mut created, mut taken, mut other) = (0, 0, 0);
    for (status, took) in results {
        latency.record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX))?;
        match status {
            Ok(201) => created += 1,
            Ok(409) => taken += 1,
            _ => other += 1,
        }
    }
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM consultations WHERE status <> 'cancelled'")
            .fetch_one(db)
            .await?;
    println!(
        "{} attempts for {} slots: {created} booked, {taken} refused (slot_taken), {other} other; {stored} stored",
        args.students, args.slots
    );
    println!(
        "wall {:.2} s, {:.0} attempts/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        elapsed.as_secs_f64(),
        args.students as f64 / elapsed.as_secs_f64(),
        latency.value_at_quantile(0.5) as f64 / 1000.0,
        latency.value_at_quantile(0.99) as f64 / 1000.0,
        latency.max() as f64 / 1000.0
    );
    ensure!(
        created == args.slots && stored == i64::try_from(args.slots)? && other == 0,
        "expected exactly one booking per slot"
    );
    Ok(())
}
