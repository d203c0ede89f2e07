//! Room socket client frames: `realtime::room::protocol::parse` on any text, then what a session
//! does with the frame before any network I/O: the SDP caps (`sdp_problem`) for offers and
//! answers, and for a candidate the conversion to WebRTC's form and WebRTC's own candidate
//! parsing (as `add_ice_candidate` runs it), plus the NAT rewrite of candidates.

#![no_main]

use std::net::IpAddr;

use libfuzzer_sys::fuzz_target;
use realtime::room::nat::announce_candidate;
use realtime::room::protocol::{ClientFrame, MAX_SDP_BYTES, parse};
use realtime::room::session::{candidate_init, sdp_problem};

fuzz_target!(|text: &str| {
    let Ok(frame) = parse(text) else { return };
    match frame {
        ClientFrame::Publish { sdp, tracks } => {
            assert!(sdp.len() <= MAX_SDP_BYTES && sdp.starts_with("v=0") && tracks.len() <= 8);
            let _ = sdp_problem(&sdp);
        }
        ClientFrame::SubscribeAnswer { sdp } => {
            assert!(sdp.len() <= MAX_SDP_BYTES && sdp.starts_with("v=0"));
            let _ = sdp_problem(&sdp);
        }
        ClientFrame::Candidate { candidate, .. } => {
            let public = IpAddr::from([203, 0, 113, 10]);
            let announced = announce_candidate(&candidate.candidate, Some(public));
            assert_eq!(
                announce_candidate(&candidate.candidate, None),
                candidate.candidate
            );
            assert_eq!(
                announced.split(' ').count(),
                candidate.candidate.split(' ').count()
            );
            let init = candidate_init(candidate);
            let value = init
                .candidate
                .strip_prefix("candidate:")
                .unwrap_or(&init.candidate);
            if let Ok(parsed) = rtc::ice::candidate::unmarshal_candidate(value) {
                let _ = parsed.marshal();
            }
        }
        ClientFrame::Mute { .. }
        | ClientFrame::End {}
        | ClientFrame::Leave {}
        | ClientFrame::Ping {} => {}
    }
});
