//! Client SDP as a room receives it: the frame checks and media-section cap, parsing as an offer
//! (and the sent tracks the server reads from it), then the negotiation the server runs on a
//! publisher offer (remote description, answer, NAT rewrite of the answer, local description),
//! and the same text as the answer to a subscriber offer. webrtc-rs does the parsing and
//! negotiation; a panic anywhere here is a client able to kill its room session.

#![no_main]

use std::net::IpAddr;
use std::time::Instant;

use chatterly_fuzz::{offering_subscriber, server_peer};
use libfuzzer_sys::fuzz_target;
use realtime::room::nat::announce_sdp;
use realtime::room::protocol::{ClientFrame, parse};
use realtime::room::session::{sdp_problem, sending_track_ids};
use rtc::peer_connection::sdp::RTCSessionDescription;

fuzz_target!(|sdp: &str| {
    // The room socket's own checks: the frame parser (size, `v=0`) and the section cap.
    let frame = serde_json::json!({ "type": "publish", "sdp": sdp }).to_string();
    if !matches!(parse(&frame), Ok(ClientFrame::Publish { .. })) || sdp_problem(sdp).is_some() {
        return;
    }
    let public = IpAddr::from([203, 0, 113, 10]);
    if let Ok(offer) = RTCSessionDescription::offer(sdp.to_owned()) {
        let _ = sending_track_ids(&offer);
        if let Some(mut pc) = server_peer()
            && pc.set_remote_description(Instant::now(), offer).is_ok()
            && let Ok(answer) = pc.create_answer(None)
        {
            let announced = announce_sdp(&answer.sdp, Some(public));
            assert_eq!(announced.lines().count(), answer.sdp.lines().count());
            let _ = pc.set_local_description(Instant::now(), answer);
        }
    }
    if let Ok(answer) = RTCSessionDescription::answer(sdp.to_owned())
        && let Some(mut pc) = offering_subscriber()
    {
        let _ = pc.set_remote_description(Instant::now(), answer);
    }
});
