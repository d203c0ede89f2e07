//! Turning a forwarded track's RTP packets back into media frames for a recording: VP8 frames
//! reassembled from their packets (a lost packet drops the frame, and nothing is written until
//! the next keyframe), Opus frames one per packet. Pure, so every case is a unit test.

use bytes::{Bytes, BytesMut};
use rtc::rtp;
use rtc::rtp::codec::vp8::Vp8Packet;
use rtc::rtp::packetizer::Depacketizer as _;

/// One media frame, timed from the track's first frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The encoded frame.
    pub data: Bytes,
    /// Nanoseconds since the track's first frame.
    pub timestamp_ns: u64,
    /// Whether a decoder can start here.
    pub keyframe: bool,
}

/// Which codec a recorded track carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// VP8 video at 90 kHz.
    Vp8,
    /// Opus audio at 48 kHz.
    Opus,
}

/// Reassembles frames from RTP packets in arrival order.
#[derive(Debug)]
pub struct FrameAssembler {
    codec: Codec,
    partial: BytesMut,
    partial_ok: bool,
    last_seq: Option<u16>,
    first_rtp_ts: Option<u32>,
    seen_keyframe: bool,
}

impl FrameAssembler {
    /// An assembler for `codec`.
    pub fn new(codec: Codec) -> Self {
        Self {
            codec,
            partial: BytesMut::new(),
            partial_ok: false,
            last_seq: None,
            first_rtp_ts: None,
            seen_keyframe: false,
        }
    }

    /// Feeds one packet; returns a frame when one is complete.
    pub fn push(&mut self, packet: &rtp::Packet) -> Option<Frame> {
        let contiguous = self
            .last_seq
            .is_none_or(|last| packet.header.sequence_number == last.wrapping_add(1));
        self.last_seq = Some(packet.header.sequence_number);
        match self.codec {
            Codec::Opus => {
                if packet.payload.is_empty() {
                    return None;
                }
                Some(self.frame(packet.payload.clone(), packet.header.timestamp, true))
            }
            Codec::Vp8 => self.push_vp8(packet, contiguous),
        }
    }

    fn push_vp8(&mut self, packet: &rtp::Packet, contiguous: bool) -> Option<Frame> {
        let mut depacketizer = Vp8Packet::default();
        let Ok(chunk) = depacketizer.depacketize(&packet.payload) else {
            self.partial_ok = false;
            return None;
        };
        let starts_frame = depacketizer.s == 1 && depacketizer.pid == 0;
        if starts_frame {
            self.partial.clear();
            self.partial_ok = true;
        } else if !contiguous {
            // A packet of this frame was lost: it cannot be decoded, nor can the frames that
            // refer to it, so wait for the next keyframe.
            self.partial_ok = false;
            self.seen_keyframe = false;
        }
        if !self.partial_ok {
            return None;
        }
        self.partial.extend_from_slice(&chunk);
        if !packet.header.marker {
            return None;
        }
        let data = self.partial.split().freeze();
        self.partial_ok = false;
        // Bit 0 of a VP8 frame's first byte is 0 for a keyframe (RFC 6386, section 9.1).
        let keyframe = data.first().is_some_and(|b| b & 1 == 0);
        if !keyframe && !self.seen_keyframe {
            return None;
        }
        self.seen_keyframe = true;
        Some(self.frame(data, packet.header.timestamp, keyframe))
    }

    fn frame(&mut self, data: Bytes, rtp_ts: u32, keyframe: bool) -> Frame {
        let first = *self.first_rtp_ts.get_or_insert(rtp_ts);
        let ticks = u64::from(rtp_ts.wrapping_sub(first));
        let clock: u64 = match self.codec {
            Codec::Vp8 => 90_000,
            Codec::Opus => 48_000,
        };
        Frame {
            data,
            timestamp_ns: ticks * 1_000_000_000 / clock,
            keyframe,
        }
    }
}

/// The frame size a VP8 keyframe declares (14-bit width and height after the start code).
pub fn vp8_dimensions(keyframe: &[u8]) -> Option<(u32, u32)> {
    if keyframe.get(3..6)? != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let width = u16::from_le_bytes([*keyframe.get(6)?, *keyframe.get(7)?]) & 0x3fff;
    let height = u16::from_le_bytes([*keyframe.get(8)?, *keyframe.get(9)?]) & 0x3fff;
    (width > 0 && height > 0).then_some((u32::from(width), u32::from(height)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A VP8 keyframe header for 640x480, then filler.
    const KEYFRAME: [u8; 12] = [
        0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 7, 7,
    ];

    fn packet(seq: u16, ts: u32, marker: bool, descriptor: u8, body: &[u8]) -> rtp::Packet {
        let mut payload = vec![descriptor];
        payload.extend_from_slice(body);
        rtp::Packet {
            header: rtp::header::Header {
                sequence_number: seq,
                timestamp: ts,
                marker,
                ..Default::default()
            },
            payload: Bytes::from(payload),
        }
    }

    #[test]
    fn a_vp8_frame_split_over_packets_is_reassembled() {
        let mut a = FrameAssembler::new(Codec::Vp8);
        assert_eq!(a.push(&packet(1, 1000, false, 0x10, &KEYFRAME[..6])), None);
        let frame = a
            .push(&packet(2, 1000, true, 0x00, &KEYFRAME[6..]))
            .expect("frame complete at the marker");
        assert_eq!(&frame.data[..], &KEYFRAME[..]);
        assert!(frame.keyframe);
        assert_eq!(frame.timestamp_ns, 0);
        assert_eq!(vp8_dimensions(&frame.data), Some((640, 480)));
        let next = a
            .push(&packet(3, 4000, true, 0x10, &[0x51, 1, 2, 3]))
            .expect("delta frame");
        assert!(!next.keyframe);
        assert_eq!(next.timestamp_ns, 3000 * 1_000_000_000 / 90_000);
    }

    #[test]
    fn nothing_is_written_before_the_first_keyframe_and_a_lost_packet_drops_its_frame() {
        let mut a = FrameAssembler::new(Codec::Vp8);
        let delta = [0x51, 1, 2, 3];
        assert_eq!(
            a.push(&packet(1, 10, true, 0x10, &delta)),
            None,
            "delta before any keyframe"
        );
        assert!(a.push(&packet(2, 20, true, 0x10, &KEYFRAME)).is_some());
        assert!(a.push(&packet(3, 30, true, 0x10, &delta)).is_some());
        assert_eq!(a.push(&packet(4, 40, false, 0x10, &delta)), None);
        // Packet 5 is lost: the frame ending in 6 is incomplete, and the deltas after it refer
        // to it, until the next keyframe.
        assert_eq!(a.push(&packet(6, 40, true, 0x00, &delta)), None);
        assert_eq!(a.push(&packet(7, 50, true, 0x10, &delta)), None);
        let key = a
            .push(&packet(8, 60, true, 0x10, &KEYFRAME))
            .expect("the next keyframe is kept");
        assert!(key.keyframe);
        assert!(a.push(&packet(9, 70, true, 0x10, &delta)).is_some());
    }

    #[test]
    fn opus_packets_are_frames_timed_at_48_khz() {
        let mut a = FrameAssembler::new(Codec::Opus);
        let first = a.push(&packet(7, 960, true, 0xfc, &[1, 2])).expect("frame");
        assert_eq!(first.timestamp_ns, 0);
        let second = a.push(&packet(8, 1920, true, 0xfc, &[3])).expect("frame");
        assert_eq!(second.timestamp_ns, 20_000_000);
        assert!(second.keyframe);
    }
}
