//! What the fuzz targets share: the server's WebRTC negotiation without sockets. webrtc-rs's
//! `PeerConnection` wraps the sans-I/O `rtc::peer_connection::RTCPeerConnection`; the server's
//! codecs and interceptors (`realtime::room::peer::media_setup`) are applied to the sans-I/O one
//! directly, so a target runs the same parsing and negotiation a client's SDP meets in a room,
//! without a UDP socket or a runtime.

use std::time::Instant;

use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::RTCConfigurationBuilder;
use rtc::peer_connection::{RTCPeerConnection, RTCPeerConnectionBuilder};
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};

/// A peer connection set up as the server's are (codecs, interceptors); `None` if the WebRTC
/// stack refuses to make one (it never does; a target then skips the input).
pub fn server_peer() -> Option<RTCPeerConnection> {
    let (media, interceptors) = realtime::room::peer::media_setup().ok()?;
    RTCPeerConnectionBuilder::new()
        .with_configuration(RTCConfigurationBuilder::new().build())
        .with_media_engine(media)
        .with_interceptor_registry(interceptors)
        .build(Instant::now())
        .ok()
}

/// A server subscriber connection that has offered one audio and one video track (as
/// `realtime::room::subscriber` does) and waits for the client's answer.
pub fn offering_subscriber() -> Option<RTCPeerConnection> {
    let mut pc = server_peer()?;
    for (kind, ssrc) in [(RtpCodecKind::Audio, 1111), (RtpCodecKind::Video, 2222)] {
        let track = MediaStreamTrack::new(
            "stream-1".into(),
            format!("track-{ssrc}"),
            format!("track-{ssrc}"),
            kind,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(ssrc),
                    ..Default::default()
                },
                ..Default::default()
            }],
        );
        pc.add_track(track).ok()?;
    }
    let offer = pc.create_offer(None).ok()?;
    pc.set_local_description(Instant::now(), offer).ok()?;
    Some(pc)
}
