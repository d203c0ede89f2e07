//! How consultation room media crosses the network: a student limited to a TURN relay (coturn)
//! still receives the lecturer, and the server announces candidates on its configured UDP ports
//! and, behind 1:1 NAT, its public address.

use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;
use tests::rooms::{appointment, cast, join, post, track_of};
use tests::rtc::RoomPeer;
use tests::{TestApp, json_of};

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_student_behind_a_turn_relay_receives_the_lecturer(db: PgPool) {
    let turn = tests::turn::TurnServer::start();
    let app = TestApp::spawn_with(db, |config| {
        config.rtc_turn_urls = vec![turn.url()];
        config.rtc_turn_username = Some(tests::turn::USER.into());
        config.rtc_turn_credential = Some(tests::turn::PASSWORD.into());
    })
    .await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    let room = format!("/api/v1/consultations/{id}/room");
    let opened: Value = json_of(post(&app, &c.lecturer.1, &format!("{room}/open"))).await;
    // Browsers are handed the configured TURN server with its credentials.
    assert_eq!(opened["ice_servers"][0]["urls"][0], turn.url().as_str());
    assert_eq!(opened["ice_servers"][0]["username"], tests::turn::USER);

    let lecturer = join(&app, id, &c.lecturer.1).await;
    assert_eq!(
        lecturer.ready["ice_servers"][0]["credential"],
        tests::turn::PASSWORD
    );
    let _camera = lecturer
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("publish");
    // The student may only use relay candidates: every packet it gets crossed coturn.
    let mut student = RoomPeer::join_with(app.addr, id, &c.students[0].1, true)
        .await
        .expect("join through the relay");
    let track = track_of(&mut student, lecturer.participant_id).await;
    student
        .receive(&track, 30)
        .await
        .expect("packets through the TURN relay");
}

/// The address and port of a `candidate:` attribute.
fn candidate_address(frame: &Value) -> (String, u16) {
    let text = frame["candidate"]["candidate"].as_str().unwrap_or_default();
    let fields: Vec<&str> = text.split_whitespace().collect();
    let address = fields.get(4).copied().unwrap_or_default().to_owned();
    let port = fields.get(5).and_then(|p| p.parse().ok()).unwrap_or(0);
    (address, port)
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn the_server_announces_its_configured_ports_and_public_address(db: PgPool) {
    let free = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port()
        .saturating_sub(10)
        .max(20_000);
    let (first, last) = (free, free + 9);
    let app = TestApp::spawn_with(db, move |config| {
        config.rtc_udp_ports = Some(format!("{first}-{last}"));
    })
    .await;
    let c = cast(&app, 1).await;
    let id = appointment(&app, &c).await;
    json_of::<Value>(post(
        &app,
        &c.lecturer.1,
        &format!("/api/v1/consultations/{id}/room/open"),
    ))
    .await;
    let mut lecturer = join(&app, id, &c.lecturer.1).await;
    let _camera = lecturer
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("publish");
    let candidate = lecturer
        .next_of("candidate")
        .await
        .expect("a server candidate");
    let (address, port) = candidate_address(&candidate);
    assert_eq!(address, "127.0.0.1");
    assert!(
        (first..=last).contains(&port),
        "port {port} outside {first}-{last}"
    );
    // And media flows through that port.
    let mut student = join(&app, id, &c.students[0].1).await;
    let track = track_of(&mut student, lecturer.participant_id).await;
    student.receive(&track, 10).await.expect("media");

    // Behind 1:1 NAT the server announces the public address instead of its own. (The first
    // server stops first: while it runs the room, a second server would relay to it.)
    let db = tests::own_pool(&app.db).await;
    drop((student, lecturer));
    app.stop().await;
    let nat = TestApp::spawn_with(db, |config| {
        config.rtc_public_ip = Some(std::net::IpAddr::from([203, 0, 113, 10]));
    })
    .await;
    let mut behind = RoomPeer::join(nat.addr, id, &c.lecturer.1)
        .await
        .expect("join through the second server");
    let _again = behind
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("publish");
    let candidate = behind
        .next_of("candidate")
        .await
        .expect("a server candidate");
    assert_eq!(candidate_address(&candidate).0, "203.0.113.10");
}
