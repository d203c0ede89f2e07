//! Consultation rooms across nodes: a room runs on one node; a participant whose socket
//! reaches another node is relayed to it (same room, same media), who is present and the
//! recording switch are answered by the room's node whichever node is asked, the lecturer's
//! decisions taken through any node reach it, and when the room's node dies the room is entered again
//! through a surviving node within a few seconds.

use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::PgPool;
use tests::nodes::NatsServer;
use tests::rooms::{appointment, cast, get, join, post, track_of};
use tests::rtc::RoomPeer;
use tests::{TestApp, json_of, own_pool};

use crate::nodes_chat::{nodes, subject};

/// Two nodes in this test process (each its own pool, hub and rooms), sharing `nats`: media
/// from the test's WebRTC peers is measured as in the single-node room tests.
async fn two_in_process_nodes(db: &PgPool, nats: &NatsServer) -> (TestApp, TestApp) {
    let subject = subject();
    let mut apps = Vec::new();
    for _ in 0..2 {
        let (url, subject) = (nats.url(), subject.clone());
        apps.push(
            TestApp::spawn_with(own_pool(db).await, move |c| {
                c.nats_url = Some(url);
                c.nats_subject = subject;
            })
            .await,
        );
    }
    let second = apps.pop().expect("two apps");
    (apps.pop().expect("two apps"), second)
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_room_socket_reaching_another_node_is_relayed_to_the_room_it_runs_on(db: PgPool) {
    let nats = NatsServer::start();
    let (n0, n1) = two_in_process_nodes(&db, &nats).await;
    let c = cast(&n0, 1).await;
    let id = appointment(&n0, &c).await;
    let room = format!("/api/v1/consultations/{id}/room");
    json_of::<Value>(post(&n0, &c.lecturer.1, &format!("{room}/open"))).await;

    // The lecturer enters through node 0, which takes the room; the student's socket reaches
    // node 1 and is relayed there: one room, its frames passing both ways.
    let mut lecturer = join(&n0, id, &c.lecturer.1).await;
    // Kept: dropping the publication stops its media.
    let _camera = lecturer
        .publish_video("camera", Duration::from_millis(20))
        .await
        .expect("publish");
    lecturer.next_of("publish_answer").await.expect("answer");
    let mut student = join(&n1, id, &c.students[0].1).await;
    assert_eq!(
        student.ready["participants"].as_array().map(Vec::len),
        Some(2),
        "the relayed student is in the lecturer's room: {}",
        student.ready
    );
    let joined = lecturer
        .next_of("participant_joined")
        .await
        .expect("the lecturer sees the relayed student arrive");
    assert_eq!(joined["participant"]["display_name"], "Student 0");
    // The relayed student gets the lecturer's camera: signalling went through the relay, the
    // media straight to the room's node.
    let track = track_of(&mut student, lecturer.participant_id).await;
    let packets = student
        .receive(&track, 30)
        .await
        .expect("the camera's packets reach the relayed student");
    assert!(
        packets.windows(2).all(|w| w[0].frame < w[1].frame),
        "in order"
    );

    // Who is present and the recording switch are answered where the room runs, whichever
    // node is asked.
    for node in [&n0, &n1] {
        let view: Value = json_of(get(node, &c.students[0].1, &room)).await;
        assert_eq!(
            view["present"].as_array().map(Vec::len),
            Some(2),
            "present, asked at {}: {view}",
            node.addr
        );
    }
    let recording = format!("{room}/recording");
    let started: Value =
        json_of(post(&n1, &c.lecturer.1, &recording).json(&serde_json::json!({ "active": true })))
            .await;
    assert_eq!(started["recording"], true, "{started}");
    let told = student.next_of("recording").await.expect("recording frame");
    assert_eq!(told["active"], true);
    let refused = post(&n1, &c.students[0].1, &recording)
        .json(&serde_json::json!({ "active": false }))
        .send()
        .await
        .expect("answered");
    assert_eq!(
        refused.status(),
        403,
        "a student cannot stop it, through any node"
    );
    let stopped: Value =
        json_of(post(&n1, &c.lecturer.1, &recording).json(&serde_json::json!({ "active": false })))
            .await;
    assert_eq!(stopped["recording"], false, "{stopped}");

    // Signalling crosses the relay both ways: the student's mute reaches the lecturer.
    student.send(serde_json::json!({ "type": "mute", "source": "microphone", "muted": true }));
    let muted = lecturer
        .next_of("mute")
        .await
        .expect("the relayed student's frame reached the room");
    assert_eq!(
        (muted["participant_id"].as_str(), muted["muted"].as_bool()),
        (
            Some(student.participant_id.to_string().as_str()),
            Some(true)
        ),
        "{muted}"
    );

    // Ending it through node 1 ends it on node 0, where it runs.
    json_of::<Value>(post(&n1, &c.lecturer.1, &format!("{room}/close"))).await;
    let ended = student
        .next_of("ended")
        .await
        .expect("ended, through the relay");
    assert_eq!(ended["reason"], "ended_by_lecturer", "{ended}");
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn when_the_rooms_node_is_killed_the_room_is_entered_again_through_another_within_seconds(
    db: PgPool,
) {
    let nats = NatsServer::start();
    let mut nodes = nodes(&db, &nats, 2, &[]).await;
    let c = cast(&nodes[0].app, 1).await;
    let id = appointment(&nodes[0].app, &c).await;
    let room = format!("/api/v1/consultations/{id}/room");
    json_of::<Value>(post(&nodes[0].app, &c.lecturer.1, &format!("{room}/open"))).await;
    let lecturer = join(&nodes[0].app, id, &c.lecturer.1).await;
    let student = join(&nodes[1].app, id, &c.students[0].1).await;
    assert_eq!(
        student.ready["participants"].as_array().map(Vec::len),
        Some(2),
        "relayed to node 0's room"
    );

    // Node 0 dies long before its lease runs out (30 s): node 1 finds it unreachable and takes
    // the room over.
    nodes[0].kill9();
    drop((lecturer, student));
    let died = Instant::now();
    let again = loop {
        match RoomPeer::join(nodes[1].addr(), id, &c.students[0].1).await {
            Ok(peer) => break peer,
            Err(e) => {
                assert!(
                    died.elapsed() < Duration::from_secs(10),
                    "cannot re-enter: {e:?}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    let took = died.elapsed();
    assert!(took < Duration::from_secs(5), "re-entered after {took:?}");
    let lecturer_again = join(&nodes[1].app, id, &c.lecturer.1).await;
    assert_eq!(
        lecturer_again.ready["participants"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "both in the room node 1 took over: {}",
        lecturer_again.ready
    );
    drop(again);
}
