//! Writing a room's tracks to disk while the lecturer records: each forwarded track gets a
//! WebM file (VP8 video or Opus audio, playable in browsers), written by its own thread from a
//! bounded queue, so disk writes never hold up forwarding. Dropping a [`TrackRecorder`] ends its
//! file properly.

use std::fs::File;
use std::path::PathBuf;
use std::sync::mpsc;

use rtc::rtp;
use tokio::sync::broadcast;
use webm::mux::{AudioCodecId, SegmentBuilder, TrackNum, VideoCodecId, Writer};

use crate::room::frames::{Codec, Frame, FrameAssembler, vp8_dimensions};
use crate::room::outbox::TaskGuard;

/// Packets queued for a recorder thread before packets are dropped (the disk is too slow).
const PACKETS_QUEUED: usize = 2048;

/// The `OpusHead` codec-private block browsers need to play Opus in WebM (RFC 7845 §5.1):
/// version 1, 2 channels, 312 samples of pre-skip, 48 kHz, no gain, mapping family 0.
const OPUS_HEAD: [u8; 19] = [
    b'O', b'p', b'u', b's', b'H', b'e', b'a', b'd', 1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0,
];

/// Records one track until dropped.
pub struct TrackRecorder {
    _feed: TaskGuard,
}

impl TrackRecorder {
    /// Starts writing the packets of `packets` (a track of `codec`) to a new file at `path`.
    pub fn start(
        path: PathBuf,
        codec: Codec,
        mut packets: broadcast::Receiver<rtp::Packet>,
    ) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = File::create(&path)?;
        let (queue, queued) = mpsc::sync_channel(PACKETS_QUEUED);
        std::thread::Builder::new()
            .name("room-recorder".into())
            .spawn(move || write_file(file, path, codec, queued))?;
        let feed = tokio::spawn(async move {
            loop {
                match packets.recv().await {
                    Ok(packet) => match queue.try_send(packet) {
                        Ok(()) => {}
                        Err(mpsc::TrySendError::Full(_)) => {
                            metrics::counter!("room_recording_packets_dropped_total").increment(1);
                        }
                        Err(mpsc::TrySendError::Disconnected(_)) => return,
                    },
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        metrics::counter!("room_recording_packets_dropped_total")
                            .increment(skipped);
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Ok(Self {
            _feed: TaskGuard(feed),
        })
    }
}

/// The recorder thread: frames from packets, into a WebM segment made at the first frame (a
/// video's size is in its first keyframe), finalised when the queue closes.
fn write_file(file: File, path: PathBuf, codec: Codec, queued: mpsc::Receiver<rtp::Packet>) {
    let mut assembler = FrameAssembler::new(codec);
    let mut file = Some(file);
    let mut segment = None;
    let mut frames = 0u64;
    while let Ok(packet) = queued.recv() {
        let Some(frame) = assembler.push(&packet) else {
            continue;
        };
        if segment.is_none()
            && let Some(file) = file.take()
        {
            match new_segment(file, codec, &frame) {
                Ok(made) => segment = Some(made),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = ?e, "cannot start a recording file");
                    return;
                }
            }
        }
        if let Some((segment, track)) = &mut segment
            && segment
                .add_frame(*track, &frame.data, frame.timestamp_ns, frame.keyframe)
                .is_ok()
        {
            frames += 1;
        }
    }
    match segment {
        Some((segment, _)) => {
            if segment.finalize(None).is_err() {
                tracing::warn!(path = %path.display(), "could not finalise a recording file");
            }
            tracing::info!(path = %path.display(), frames, "recording file written");
        }
        // Nothing was ever received: no file to keep.
        None => {
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn new_segment(
    file: File,
    codec: Codec,
    first: &Frame,
) -> Result<(webm::mux::Segment<File>, u64), webm::mux::Error> {
    let builder = SegmentBuilder::new(Writer::new(file))?.set_writing_app("Chatterly")?;
    match codec {
        Codec::Vp8 => {
            let (width, height) = vp8_dimensions(&first.data).unwrap_or((640, 480));
            let (builder, track) =
                builder.add_video_track(width, height, VideoCodecId::VP8, None)?;
            Ok((builder.build(), TrackNum::from(track)))
        }
        Codec::Opus => {
            let (builder, track) = builder.add_audio_track(48_000, 2, AudioCodecId::Opus, None)?;
            let builder = builder.set_codec_private(track, &OPUS_HEAD)?;
            Ok((builder.build(), TrackNum::from(track)))
        }
    }
}
