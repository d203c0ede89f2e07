//! Consultation rooms in real headless Chromium with fake cameras: a lecturer and a student open
//! the room page, each receives the other's video through the server (the remote video's frames
//! advance), see each other in the room and chat beside the video; a student whose browser
//! blocks the camera, or has none, is told so and still receives the video; the lecturer records and ends
//! the room, and the student replays the recording in the page.

use std::time::Duration;

use chrono::Utc;
use fantoccini::Client;
use fantoccini::key::Key;
use serde_json::{Value, json};
use sqlx::PgPool;
use tests::browser::{Browser, click, log_in, open_page, type_into, wait_for, wait_for_text};
use tests::{TestApp, json_of};
use uuid::Uuid;

/// Fake camera and microphone, permission granted without a prompt, loopback ICE allowed.
const FAKE_MEDIA: &[&str] = &[
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
];

/// Fake devices exist, but every permission prompt is refused.
const BLOCKED_MEDIA: &[&str] = &[
    "--use-fake-device-for-media-stream",
    "--deny-permission-prompts",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
];

/// No fake devices: this machine has no camera or microphone.
const NO_DEVICES: &[&str] = &[
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
];

/// `[readyState, videoWidth, duration]` of a media element.
type MediaState = (u32, u32, f64);

/// Frames decoded by every remote video on the page.
async fn remote_frames(client: &Client) -> Vec<u64> {
    let value = client
        .execute(
            "return [...document.querySelectorAll('#video-grid .remote-tile video')]
               .map(v => v.getVideoPlaybackQuality().totalVideoFrames);",
            vec![],
        )
        .await
        .expect("read the remote videos");
    serde_json::from_value(value).unwrap_or_default()
}

/// Waits until a remote video exists and its decoded frame count keeps growing.
async fn assert_remote_video_plays(client: &Client, who: &str) {
    wait_for(client, "#video-grid .remote-tile video").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut first: Option<u64> = None;
    loop {
        let frames = remote_frames(client).await;
        let now = frames.first().copied().unwrap_or(0);
        match first {
            None if now > 0 => first = Some(now),
            Some(before) if now >= before + 10 => return,
            _ => {}
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{who}'s remote video never advanced (frames {frames:?}, first {first:?})"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[sqlx::test(migrator = "models::MIGRATOR")]
async fn a_lecturer_and_students_see_each_other_and_chat_in_the_room(db: PgPool) {
    let app = TestApp::spawn(db).await;
    let room = format!("/room/{}", consultation_of_three(&app).await);

    let ada_browser = Browser::start(FAKE_MEDIA).await.expect("start Chromium");
    let sam_browser = Browser::start(FAKE_MEDIA).await.expect("start Chromium");
    let (ada, sam) = (&ada_browser.client, &sam_browser.client);
    log_in(ada, &app, "ada@uni.ac.uk").await;
    log_in(sam, &app, "sam@uni.ac.uk").await;
    the_lecturer_opens_early_and_both_see_each_other(ada, sam, &room).await;
    chat_mute_and_recording(ada, sam).await;

    // A student whose browser blocks the camera is told so, and still sees the lecturer.
    let bea_browser = Browser::start(BLOCKED_MEDIA).await.expect("start Chromium");
    let bea = &bea_browser.client;
    log_in(bea, &app, "bea@uni.ac.uk").await;
    open_page(bea, &room, "#room-page #video-grid").await;
    wait_for_text(bea, "#room-notice", "blocked").await;
    assert_remote_video_plays(bea, "the student without a camera").await;
    wait_for_text(ada, "#room-people", "Bea Blocked").await;

    // A student without any camera or microphone is told so, and still sees the lecturer.
    let nia_browser = Browser::start(NO_DEVICES).await.expect("start Chromium");
    let nia = &nia_browser.client;
    log_in(nia, &app, "nia@uni.ac.uk").await;
    open_page(nia, &room, "#room-page #video-grid").await;
    wait_for_text(nia, "#room-notice", "No camera or microphone was found").await;
    assert_remote_video_plays(nia, "the student without devices").await;

    // The lecturer ends it for everyone.
    ada.execute("window.confirm = () => true;", vec![])
        .await
        .expect("accept the confirmation");
    click(ada, "#end-button").await;
    wait_for_text(sam, "#room-state", "The lecturer ended the consultation.").await;
    wait_for_text(bea, "#room-state", "The lecturer ended the consultation.").await;
    the_student_replays_the_recording(sam).await;
}

/// The lecturer Dr Ada, her students Sam, Bea (camera blocked) and Nia (no devices), and a
/// consultation of the four starting in an hour; its id.
async fn consultation_of_three(app: &TestApp) -> Uuid {
    let (_, admin) = app.user_with_token("admin@uni.ac.uk", "Admin").await;
    let (lecturer_id, lecturer_token) = app.user_with_token("ada@uni.ac.uk", "Dr Ada").await;
    app.promote_to_lecturer(&admin, lecturer_id).await;
    let (student, _) = app.user_with_token("sam@uni.ac.uk", "Sam Student").await;
    let (blocked, _) = app.user_with_token("bea@uni.ac.uk", "Bea Blocked").await;
    let (deviceless, _) = app.user_with_token("nia@uni.ac.uk", "Nia").await;
    let created: Value = json_of(
        reqwest::Client::new()
            .post(app.url("/api/v1/consultations"))
            .bearer_auth(&lecturer_token)
            .json(&json!({
                "starts_at": Utc::now() + chrono::Duration::hours(1),
                "duration_minutes": 30,
                "topic": "Lab report feedback",
                "student_ids": [student, blocked, deviceless],
            })),
    )
    .await;
    created["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id")
}

/// An hour ahead the student waits; the lecturer opens the room early from its page, and each
/// then receives the other's video and sees the other in the room.
async fn the_lecturer_opens_early_and_both_see_each_other(ada: &Client, sam: &Client, room: &str) {
    open_page(sam, room, "#room-page #room-state").await;
    wait_for_text(sam, "#room-state", "The room opens").await;
    open_page(ada, room, "#room-page #open-room-button").await;
    click(ada, "#open-room-button").await;
    wait_for(ada, "#video-grid #local-video").await;
    // The student's page looks again by itself; reloading is what an impatient student does.
    sam.refresh().await.expect("reload");
    wait_for(sam, "#video-grid #local-video").await;

    assert_remote_video_plays(ada, "the lecturer").await;
    assert_remote_video_plays(sam, "the student").await;
    wait_for_text(ada, "#room-people", "Sam Student").await;
    wait_for_text(sam, "#room-people", "Dr Ada").await;
    wait_for_text(sam, "#video-grid .remote-tile figcaption", "Dr Ada").await;
}

/// The consultation's chat is beside the video, muting shows up for the others, and the
/// lecturer records a few seconds while the student is told it runs.
async fn chat_mute_and_recording(ada: &Client, sam: &Client) {
    type_into(
        ada,
        "#room-page #composer textarea",
        &format!("Can you see my slides?{}", Key::Enter),
    )
    .await;
    wait_for_text(sam, "#room-page #thread", "Can you see my slides?").await;

    click(sam, "#mic-button").await;
    wait_for_text(ada, "#room-people", "Sam Student (muted)").await;

    click(ada, "#record-button").await;
    wait_for_text(sam, "#recording-indicator", "being recorded").await;
    // Real media for the recording to hold (it must play for over a second): camera time is
    // real time, so this one wait cannot be a clock moved forward.
    tokio::time::sleep(Duration::from_secs(3)).await;
    click(ada, "#record-button").await;
    wait_for_text(ada, "#record-button", "Record").await;
}

/// Afterwards the student replays the recording of the lecturer's camera and microphone.
async fn the_student_replays_the_recording(sam: &Client) {
    wait_for_text(sam, "#recordings", "Dr Ada · camera").await;
    wait_for_text(sam, "#recordings", "Dr Ada · microphone").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let state = sam
            .execute(
                "const v = [...document.querySelectorAll('#recordings video')];
                 const a = [...document.querySelectorAll('#recordings audio')];
                 return [v, a].map(list => list.map(m =>
                   [m.readyState, m.videoWidth || 0, isFinite(m.duration) ? m.duration : -1]));",
                vec![],
            )
            .await
            .expect("read the recording");
        let (videos, audios): (Vec<MediaState>, Vec<MediaState>) =
            serde_json::from_value(state.clone()).unwrap_or_default();
        let video_plays = videos
            .iter()
            .any(|(ready, width, duration)| *ready >= 1 && *width > 0 && *duration > 1.0);
        // The microphone's Opus recording loads as audio with its length.
        let audio_plays = audios
            .iter()
            .any(|(ready, _, duration)| *ready >= 1 && *duration > 1.0);
        if video_plays && audio_plays {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the recording never loaded in the browser: {state}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
