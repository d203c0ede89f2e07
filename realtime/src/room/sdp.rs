//! What a room does with client SDP and candidates before WebRTC sees them: the media-section
//! cap, the candidate's WebRTC form, and which tracks an offer still sends. Pure, so the session
//! and the fuzz targets (`fuzz/`) run the same checks.

use std::collections::HashSet;

use webrtc::peer_connection::{RTCIceCandidateInit, RTCSessionDescription};

use crate::room::protocol::IceCandidate;

/// Most media sections (`m=` lines) an offer or answer may hold: a camera, a microphone and a
/// shared screen need three; the rest is headroom.
const MAX_MEDIA_SECTIONS: usize = 8;

/// Why an SDP is refused before it reaches WebRTC, if it is.
pub fn sdp_problem(sdp: &str) -> Option<String> {
    let sections = sdp.lines().filter(|l| l.starts_with("m=")).count();
    (sections > MAX_MEDIA_SECTIONS).then(|| {
        format!("an SDP may hold at most {MAX_MEDIA_SECTIONS} media sections (got {sections})")
    })
}

/// A client's candidate as WebRTC takes it.
pub fn candidate_init(c: IceCandidate) -> RTCIceCandidateInit {
    RTCIceCandidateInit {
        candidate: c.candidate,
        sdp_mid: c.sdp_mid,
        sdp_mline_index: c.sdp_mline_index,
        username_fragment: c.username_fragment,
        ..Default::default()
    }
}

/// The track ids an offer sends: the `msid` track of every media section whose direction is
/// `sendrecv` or `sendonly`. Tracks of the publisher not in it were stopped.
pub fn sending_track_ids(offer: &RTCSessionDescription) -> HashSet<String> {
    let Ok(parsed) = offer.unmarshal() else {
        return HashSet::new();
    };
    parsed
        .media_descriptions
        .iter()
        .filter(|m| m.attribute("recvonly").is_none() && m.attribute("inactive").is_none())
        .filter(|m| m.media_name.port.value != 0)
        .filter_map(|m| m.attribute("msid").flatten())
        .filter_map(|msid| msid.split_whitespace().nth(1))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod cap_tests {
    use super::*;

    #[test]
    fn an_sdp_with_too_many_media_sections_is_refused() {
        let sdp = |n: usize| format!("v=0\r\n{}", "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n".repeat(n));
        assert!(sdp_problem(&sdp(3)).is_none());
        assert!(sdp_problem(&sdp(MAX_MEDIA_SECTIONS)).is_none());
        assert!(sdp_problem(&sdp(MAX_MEDIA_SECTIONS + 1)).is_some());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=msid:s1 mic-1\r\na=rtpmap:111 opus/48000/2\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendrecv\r\na=msid:s1 cam-1\r\na=rtpmap:96 VP8/90000\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=inactive\r\na=msid:s2 screen-1\r\na=rtpmap:96 VP8/90000\r\n";

    #[test]
    fn an_offer_sends_only_its_active_tracks() {
        let offer = RTCSessionDescription::offer(OFFER.to_owned()).unwrap();
        let sending = sending_track_ids(&offer);
        assert_eq!(
            sending,
            HashSet::from(["mic-1".to_owned(), "cam-1".to_owned()]),
            "the inactive screen share is not sent"
        );
    }
}
