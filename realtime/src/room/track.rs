//! A published track: one publisher's RTP stream, read once into a broadcast channel that every
//! subscriber's forwarding task (and a recorder) reads from. Its own module because both sides
//! use it: the rooms ([`crate::room::sfu`]) publish tracks and the subscriber connections
//! ([`crate::room::subscriber`]) forward them, so neither has to import the other for it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::{RTCRtpCodec, RtpCodecKind};
use tokio::sync::broadcast;
use uuid::Uuid;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use crate::room::outbox::TaskGuard;
use crate::room::protocol::{Source, TrackView};

/// RTP packets buffered per published track; a subscriber further behind skips ahead (and
/// recovers at the next keyframe) instead of holding the others back.
const PACKETS_BUFFERED: usize = 1024;

/// A track received from a publisher and forwarded to the others.
pub(crate) struct Published {
    /// How subscribers see it.
    pub view: TrackView,
    /// The id the publisher gave it (its `msid` track id).
    pub publisher_track_id: String,
    /// Its codec, for the subscribers' tracks.
    pub codec: RTCRtpCodec,
    /// Audio or video.
    pub kind: RtpCodecKind,
    /// Every packet, for each subscriber's forwarding task.
    pub packets: broadcast::Sender<rtp::Packet>,
    remote: Arc<dyn TrackRemote>,
    media_ssrc: u32,
    _tasks: Vec<TaskGuard>,
}

impl Published {
    /// Starts reading `participant_id`'s newly arrived `track` (and, for video, asking for a
    /// keyframe every `keyframe_interval`); `None` if it has no SSRC or codec. `ended` runs with
    /// the track's id once the publisher stops sending it, so the room can stop forwarding it.
    pub(crate) async fn start<F, Fut>(
        participant_id: Uuid,
        track: Arc<dyn TrackRemote>,
        source: Option<Source>,
        keyframe_interval: Duration,
        ended: F,
    ) -> Option<Self>
    where
        F: FnOnce(String) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let media_ssrc = track.ssrcs().await.first().copied()?;
        let codec = track.codec(media_ssrc).await?;
        let kind = track.kind().await;
        let source = source.unwrap_or(match kind {
            RtpCodecKind::Audio => Source::Microphone,
            _ => Source::Camera,
        });
        let track_id = format!("{}-{}", source.as_str(), Uuid::new_v4().simple());
        let (packets, _) = broadcast::channel(PACKETS_BUFFERED);
        let reader = tokio::spawn(read_packets(
            track.clone(),
            packets.clone(),
            track_id.clone(),
            ended,
        ));
        let mut tasks = vec![TaskGuard(reader)];
        if kind == RtpCodecKind::Video {
            tasks.push(TaskGuard(tokio::spawn(request_keyframes(
                track.clone(),
                media_ssrc,
                keyframe_interval,
            ))));
        }
        Some(Self {
            view: TrackView {
                track_id,
                stream_id: participant_id.to_string(),
                participant_id,
                source,
                kind: if kind == RtpCodecKind::Audio {
                    "audio"
                } else {
                    "video"
                },
            },
            publisher_track_id: track.track_id().await,
            codec,
            kind,
            packets,
            remote: track,
            media_ssrc,
            _tasks: tasks,
        })
    }

    /// Asks the publisher for a keyframe, so a new subscriber's picture starts at once.
    pub async fn request_keyframe(&self) {
        if self.kind != RtpCodecKind::Video {
            return;
        }
        let pli = PictureLossIndication {
            sender_ssrc: 0,
            media_ssrc: self.media_ssrc,
        };
        if self.remote.write_rtcp(vec![Box::new(pli)]).await.is_ok() {
            metrics::counter!("room_keyframe_requests_total").increment(1);
        }
    }
}

/// Copies a publisher's packets into the broadcast channel until the track ends, then runs
/// `ended` with its id.
async fn read_packets<F, Fut>(
    track: Arc<dyn TrackRemote>,
    packets: broadcast::Sender<rtp::Packet>,
    track_id: String,
    ended: F,
) where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    while let Some(event) = track.poll().await {
        match event {
            TrackRemoteEvent::OnRtpPacket(packet) => {
                metrics::counter!("room_rtp_packets_received_total").increment(1);
                // No subscriber yet is fine: nothing to forward to.
                let _ = packets.send(packet);
            }
            TrackRemoteEvent::OnEnded => break,
            _ => {}
        }
    }
    ended(track_id).await;
}

/// Asks for a keyframe every `interval`, so a subscriber that lost packets recovers.
async fn request_keyframes(track: Arc<dyn TrackRemote>, media_ssrc: u32, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        let pli = PictureLossIndication {
            sender_ssrc: 0,
            media_ssrc,
        };
        if track.write_rtcp(vec![Box::new(pli)]).await.is_err() {
            return;
        }
    }
}
