//! [`RoomPeer`]: one participant joined over the real signalling WebSocket, publishing
//! generated video and receiving everyone else's.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use rtc::media_stream::MediaStreamTrack;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::rtp_transceiver::RtpSender;

use super::generated::generate;
use super::signalling::{Events, IceSettings, Shared, handle, ice_servers, new_peer};
use super::{PeerError, Received, WAIT, room_url};

/// The signalling WebSocket.
type Signalling = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One participant in a room.
pub struct RoomPeer {
    /// Their participant id.
    pub participant_id: Uuid,
    /// The `ready` frame.
    pub ready: Value,
    shared: Arc<Shared>,
    frames: mpsc::UnboundedReceiver<Value>,
    /// Generated packets received from others.
    pub packets: mpsc::UnboundedReceiver<Received>,
    driver: tokio::task::JoinHandle<()>,
}

/// A VP8 track being published, and the generator writing to it.
pub struct Publication {
    /// The track id the publisher gave it.
    pub track_id: String,
    sender: Arc<dyn RtpSender>,
    sent: Arc<AtomicU32>,
    generator: tokio::task::JoinHandle<()>,
}

impl Publication {
    /// The number of the last generated frame written (one packet each).
    pub fn frames_sent(&self) -> u32 {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Drop for Publication {
    fn drop(&mut self) {
        self.generator.abort();
    }
}

impl Drop for RoomPeer {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// Opens the room's signalling WebSocket with a bearer token.
async fn connect(
    addr: SocketAddr,
    consultation: Uuid,
    token: &str,
) -> Result<Signalling, PeerError> {
    let mut request = room_url(addr, consultation).into_client_request()?;
    if let Ok(value) = format!("Bearer {token}").parse() {
        request.headers_mut().insert("authorization", value);
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((stream, _)) => Ok(stream),
        Err(tungstenite::Error::Http(response)) => {
            Err(PeerError::Refused(response.status().as_u16()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Waits for the `ready` frame, skipping others.
async fn wait_for_ready(stream: &mut Signalling) -> Result<Value, PeerError> {
    loop {
        match tokio::time::timeout(WAIT, stream.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                if frame["type"] == "ready" {
                    return Ok(frame);
                }
                if frame["type"] == "error" {
                    return Err(PeerError::Timeout(format!("ready (got {frame})")));
                }
            }
            Ok(Some(Ok(_))) => {}
            Ok(_) => return Err(PeerError::Closed),
            Err(_) => return Err(PeerError::Timeout("ready".into())),
        }
    }
}

/// Sends the frames queued on `out` and acts on the incoming ones, passing them on to
/// `frames`, until either side closes.
async fn drive(
    mut stream: Signalling,
    mut out: mpsc::UnboundedReceiver<Value>,
    shared: Arc<Shared>,
    frames: mpsc::UnboundedSender<Value>,
) {
    loop {
        tokio::select! {
            outgoing = out.recv() => {
                let Some(frame) = outgoing else { return };
                if stream.send(Message::Text(frame.to_string().into())).await.is_err() { return; }
            }
            incoming = stream.next() => {
                let Some(Ok(message)) = incoming else { return };
                let Message::Text(text) = message else { continue };
                let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                handle(&shared, &frame).await;
                if frames.send(frame).is_err() { return; }
            }
        }
    }
}

impl RoomPeer {
    /// Joins the room with a bearer token and waits for `ready`; its connections use the ICE
    /// servers `ready` names, like a browser's.
    pub async fn join(
        addr: SocketAddr,
        consultation: Uuid,
        token: &str,
    ) -> Result<Self, PeerError> {
        Self::join_with(addr, consultation, token, false).await
    }

    /// Joins like [`RoomPeer::join`]; with `relay_only` its connections use only TURN relay
    /// candidates (the `relay` ICE transport policy), so all its media crosses the TURN server.
    pub async fn join_with(
        addr: SocketAddr,
        consultation: Uuid,
        token: &str,
        relay_only: bool,
    ) -> Result<Self, PeerError> {
        let mut stream = connect(addr, consultation, token).await?;
        let ready = wait_for_ready(&mut stream).await?;
        let participant_id = ready["you"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or(PeerError::Closed)?;
        let (out, out_rx) = mpsc::unbounded_channel::<Value>();
        let (packets_tx, packets) = mpsc::unbounded_channel();
        let ice = IceSettings {
            servers: ice_servers(&ready),
            relay_only,
        };
        let publisher = new_peer(
            Arc::new(Events {
                out: out.clone(),
                target: "publisher",
                packets: None,
            }),
            &ice,
        )
        .await?;
        let shared = Arc::new(Shared {
            ice,
            out,
            publisher,
            subscriber: Mutex::new(None),
            pending_candidates: Mutex::new(HashMap::new()),
            packets: packets_tx,
        });
        let (frames_tx, frames) = mpsc::unbounded_channel();
        let driver = tokio::spawn(drive(stream, out_rx, shared.clone(), frames_tx));
        Ok(Self {
            participant_id,
            ready,
            shared,
            frames,
            packets,
            driver,
        })
    }

    /// Sends a raw frame.
    pub fn send(&self, frame: Value) {
        let _ = self.shared.out.send(frame);
    }

    /// Waits for the next frame of type `kind`, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> Result<Value, PeerError> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.frames.recv()).await {
                Ok(Some(frame)) if frame["type"] == kind => return Ok(frame),
                Ok(Some(_)) => {}
                Ok(None) => return Err(PeerError::Closed),
                Err(_) => return Err(PeerError::Timeout(kind.to_owned())),
            }
        }
    }

    /// Publishes a generated VP8 stream labelled `source`, one packet every `interval`.
    pub async fn publish_video(
        &self,
        source: &str,
        interval: Duration,
    ) -> Result<Publication, PeerError> {
        let ssrc = rand::random::<u32>();
        let track_id = format!("{source}-{}", Uuid::new_v4().simple());
        let track = Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
            format!("stream-{}", self.participant_id),
            track_id.clone(),
            track_id.clone(),
            RtpCodecKind::Video,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(ssrc),
                    ..Default::default()
                },
                codec: RTCRtpCodec {
                    mime_type: "video/VP8".to_owned(),
                    clock_rate: 90_000,
                    channels: 0,
                    sdp_fmtp_line: String::new(),
                    rtcp_feedback: vec![],
                },
                ..Default::default()
            }],
        )));
        let publisher = &self.shared.publisher;
        let sender = publisher
            .add_track(track.clone() as Arc<dyn TrackLocal>)
            .await?;
        let offer = publisher.create_offer(None).await?;
        let sdp = offer.sdp.clone();
        publisher.set_local_description(offer).await?;
        self.send(json!({ "type": "publish", "sdp": sdp, "tracks": { track_id.clone(): source } }));
        let sent = Arc::new(AtomicU32::new(0));
        let generator = tokio::spawn(generate(
            track,
            sender.clone(),
            ssrc,
            interval,
            sent.clone(),
        ));
        Ok(Publication {
            track_id,
            sender,
            sent,
            generator,
        })
    }

    /// Stops sending a publication and renegotiates, as a browser does when a screen share ends.
    pub async fn unpublish(&self, publication: Publication) -> Result<(), PeerError> {
        let publisher = &self.shared.publisher;
        publisher.remove_track(&publication.sender).await?;
        drop(publication);
        let offer = publisher.create_offer(None).await?;
        let sdp = offer.sdp.clone();
        publisher.set_local_description(offer).await?;
        self.send(json!({ "type": "publish", "sdp": sdp, "tracks": {} }));
        Ok(())
    }

    /// Waits until `count` generated packets of `track_id` arrived; returns them.
    pub async fn receive(
        &mut self,
        track_id: &str,
        count: usize,
    ) -> Result<Vec<Received>, PeerError> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut got = Vec::new();
        while got.len() < count {
            match tokio::time::timeout_at(deadline, self.packets.recv()).await {
                Ok(Some(packet)) if packet.track_id == track_id => got.push(packet),
                Ok(Some(_)) => {}
                Ok(None) => return Err(PeerError::Closed),
                Err(_) => {
                    return Err(PeerError::Timeout(format!(
                        "{count} packets of {track_id} (got {})",
                        got.len()
                    )));
                }
            }
        }
        Ok(got)
    }

    /// Takes the stream of received packets (for a collector task); later calls get nothing.
    pub fn take_packets(&mut self) -> mpsc::UnboundedReceiver<Received> {
        let (_, closed) = mpsc::unbounded_channel();
        std::mem::replace(&mut self.packets, closed)
    }

    /// Drops packets received so far.
    pub fn drain_packets(&mut self) -> usize {
        let mut n = 0;
        while self.packets.try_recv().is_ok() {
            n += 1;
        }
        n
    }

    /// Leaves the room and closes both connections.
    pub async fn leave(self) {
        self.send(json!({ "type": "leave" }));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = self.shared.publisher.close().await;
        if let Some(sub) = self.shared.subscriber.lock().await.take() {
            let _ = sub.close().await;
        }
    }
}
