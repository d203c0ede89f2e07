//! The generated VP8 stream a peer publishes: packets stamped with a marker, a frame number and
//! the send time, written at a steady interval.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::{BufMut as _, Bytes, BytesMut};
use rtc::rtp;
use webrtc::media_stream::track_local::TrackLocal as _;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::rtp_transceiver::RtpSender;

use super::{MARKER, epoch};

/// Writes generated VP8 packets: one-byte VP8 descriptor, marker, frame number, send time.
pub(super) async fn generate(
    track: Arc<TrackLocalStaticRTP>,
    sender: Arc<dyn RtpSender>,
    ssrc: u32,
    interval: Duration,
    sent: Arc<AtomicU32>,
) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut payload_type = None;
    let mut frame: u32 = 0;
    loop {
        tick.tick().await;
        let pt = match payload_type {
            Some(pt) => pt,
            None => match vp8_payload_type(&sender).await {
                Some(pt) => *payload_type.insert(pt),
                None => continue,
            },
        };
        frame = frame.wrapping_add(1);
        let packet = rtp::Packet {
            header: rtp::header::Header {
                version: 2,
                marker: true,
                payload_type: pt,
                sequence_number: frame as u16,
                timestamp: frame.wrapping_mul(3000),
                ssrc,
                ..Default::default()
            },
            payload: payload(frame),
        };
        if track.write_rtp(packet).await.is_ok() {
            sent.store(frame, Ordering::Relaxed);
        }
    }
}

async fn vp8_payload_type(sender: &Arc<dyn RtpSender>) -> Option<u8> {
    let parameters = sender.get_parameters().await.ok()?;
    parameters
        .rtp_parameters
        .codecs
        .iter()
        .find(|c| c.rtp_codec.mime_type.eq_ignore_ascii_case("video/VP8"))
        .map(|c| c.payload_type)
}

/// A VP8 payload descriptor (start of a partition) and the header of a 640x480 keyframe: every
/// generated frame looks like a keyframe, so recordings of it are valid WebM.
const VP8_START: [u8; 11] = [
    0x10, 0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01,
];

/// The generated payload of `frame`, stamped with the send time.
pub fn payload(frame: u32) -> Bytes {
    let mut buf = BytesMut::with_capacity(VP8_START.len() + 4 + 4 + 8 + 1000);
    buf.put_slice(&VP8_START);
    buf.put_slice(MARKER);
    buf.put_u32(frame);
    buf.put_u64(epoch().elapsed().as_micros() as u64);
    // About the size of a video packet.
    buf.put_bytes(0xAB, 1000);
    buf.freeze()
}

/// Reads a generated payload: its frame number and send time.
pub fn parse_payload(payload: &[u8]) -> Option<(u32, u64)> {
    let rest = payload.get(VP8_START.len()..)?;
    if !rest.starts_with(MARKER) {
        return None;
    }
    let frame = u32::from_be_bytes(rest.get(4..8)?.try_into().ok()?);
    let sent = u64::from_be_bytes(rest.get(8..16)?.try_into().ok()?);
    Some((frame, sent))
}
