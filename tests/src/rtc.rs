//! A real WebRTC participant for room tests and the SFU benchmark: a webrtc-rs peer that joins a
//! consultation room through the real signalling WebSocket, publishes a generated VP8 stream,
//! answers the server's subscriber offers and reports every RTP packet it receives.
//!
//! Generated packets carry a marker, a sequence number and the send time, so a receiver can
//! check it got the publisher's own packets and measure how long the server took to forward them.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::{BufMut as _, Bytes, BytesMut};
use futures::{SinkExt as _, StreamExt as _};
use rtc::media_stream::MediaStreamTrack;
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message};
use uuid::Uuid;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCConfigurationBuilder, RTCIceCandidateInit, RTCIceServer, RTCIceTransportPolicy,
    RTCPeerConnectionIceEvent, RTCSessionDescription, Registry, register_default_interceptors,
};
use webrtc::rtp_transceiver::RtpSender;

/// First bytes of every generated payload after the VP8 descriptor.
pub const MARKER: &[u8; 4] = b"CHTR";

/// How long to wait for an expected frame or packet before failing.
pub const WAIT: Duration = Duration::from_secs(15);

/// The clock send times are measured on (one per process: publisher and subscribers share it).
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// A generated packet as a subscriber received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The server's track id (the `msid` track of the subscriber offer).
    pub track_id: String,
    /// The publisher's sequence number of the generated frame.
    pub frame: u32,
    /// Microseconds from sending to receiving.
    pub latency_us: u64,
}

/// Why a room peer could not connect or publish.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// The signalling upgrade was refused with this HTTP status.
    #[error("the room refused the connection with HTTP {0}")]
    Refused(u16),
    /// Signalling failed.
    #[error("signalling: {0}")]
    Signalling(#[from] tungstenite::Error),
    /// The WebRTC stack failed.
    #[error("webrtc: {0}")]
    WebRtc(#[from] webrtc::error::Error),
    /// No such frame came in time.
    #[error("no {0} frame within the wait")]
    Timeout(String),
    /// The connection closed.
    #[error("the signalling connection closed")]
    Closed,
}

/// How a peer's connections gather candidates.
struct IceSettings {
    servers: Vec<RTCIceServer>,
    relay_only: bool,
}

/// The ICE servers a `ready` frame names.
fn ice_servers(ready: &Value) -> Vec<RTCIceServer> {
    let Some(list) = ready["ice_servers"].as_array() else {
        return Vec::new();
    };
    list.iter()
        .map(|s| RTCIceServer {
            urls: s["urls"]
                .as_array()
                .map(|u| {
                    u.iter()
                        .filter_map(|u| u.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            username: s["username"].as_str().unwrap_or_default().to_owned(),
            credential: s["credential"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

struct Shared {
    ice: IceSettings,
    out: mpsc::UnboundedSender<Value>,
    publisher: Arc<dyn PeerConnection>,
    subscriber: Mutex<Option<Arc<dyn PeerConnection>>>,
    pending_candidates: Mutex<HashMap<&'static str, Vec<RTCIceCandidateInit>>>,
    packets: mpsc::UnboundedSender<Received>,
}

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

/// The signalling URL of a consultation's room.
pub fn room_url(addr: SocketAddr, consultation: Uuid) -> String {
    format!("ws://{addr}/api/v1/consultations/{consultation}/room/ws")
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
        let mut request = room_url(addr, consultation).into_client_request()?;
        if let Ok(value) = format!("Bearer {token}").parse() {
            request.headers_mut().insert("authorization", value);
        }
        let (mut stream, _) = match tokio_tungstenite::connect_async(request).await {
            Ok(ok) => ok,
            Err(tungstenite::Error::Http(response)) => {
                return Err(PeerError::Refused(response.status().as_u16()));
            }
            Err(e) => return Err(e.into()),
        };
        let ready = loop {
            match tokio::time::timeout(WAIT, stream.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                    if frame["type"] == "ready" {
                        break frame;
                    }
                    if frame["type"] == "error" {
                        return Err(PeerError::Timeout(format!("ready (got {frame})")));
                    }
                }
                Ok(Some(Ok(_))) => {}
                Ok(_) => return Err(PeerError::Closed),
                Err(_) => return Err(PeerError::Timeout("ready".into())),
            }
        };
        let participant_id = ready["you"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or(PeerError::Closed)?;
        let (out, mut out_rx) = mpsc::unbounded_channel::<Value>();
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
        let driver_shared = shared.clone();
        let driver = tokio::spawn(async move {
            loop {
                tokio::select! {
                    outgoing = out_rx.recv() => {
                        let Some(frame) = outgoing else { return };
                        if stream.send(Message::Text(frame.to_string().into())).await.is_err() { return; }
                    }
                    incoming = stream.next() => {
                        let Some(Ok(message)) = incoming else { return };
                        let Message::Text(text) = message else { continue };
                        let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                        handle(&driver_shared, &frame).await;
                        if frames_tx.send(frame).is_err() { return; }
                    }
                }
            }
        });
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

/// Acts on the server's signalling frames: answers, offers, candidates.
async fn handle(shared: &Arc<Shared>, frame: &Value) {
    let text = |key: &str| frame[key].as_str().unwrap_or_default().to_owned();
    match frame["type"].as_str() {
        Some("publish_answer") => {
            if let Ok(answer) = RTCSessionDescription::answer(text("sdp"))
                && shared
                    .publisher
                    .set_remote_description(answer)
                    .await
                    .is_ok()
            {
                flush_candidates(shared, "publisher", &shared.publisher).await;
            }
        }
        Some("subscribe_offer") => {
            let pc = {
                let mut slot = shared.subscriber.lock().await;
                match &*slot {
                    Some(pc) => pc.clone(),
                    None => {
                        let events = Arc::new(Events {
                            out: shared.out.clone(),
                            target: "subscriber",
                            packets: Some(shared.packets.clone()),
                        });
                        let Ok(pc) = new_peer(events, &shared.ice).await else {
                            return;
                        };
                        *slot = Some(pc.clone());
                        pc
                    }
                }
            };
            let answered = async {
                pc.set_remote_description(RTCSessionDescription::offer(text("sdp"))?)
                    .await?;
                let answer = pc.create_answer(None).await?;
                let sdp = answer.sdp.clone();
                pc.set_local_description(answer).await?;
                Ok::<_, webrtc::error::Error>(sdp)
            }
            .await;
            if let Ok(sdp) = answered {
                let _ = shared
                    .out
                    .send(json!({ "type": "subscribe_answer", "sdp": sdp }));
                flush_candidates(shared, "subscriber", &pc).await;
            }
        }
        Some("candidate") => {
            let Ok(candidate) =
                serde_json::from_value::<RTCIceCandidateInit>(frame["candidate"].clone())
            else {
                return;
            };
            let target = if frame["target"] == "publisher" {
                "publisher"
            } else {
                "subscriber"
            };
            let pc = if target == "publisher" {
                Some(shared.publisher.clone())
            } else {
                shared.subscriber.lock().await.clone()
            };
            match pc {
                Some(pc) if pc.remote_description().await.is_some() => {
                    let _ = pc.add_ice_candidate(candidate).await;
                }
                _ => shared
                    .pending_candidates
                    .lock()
                    .await
                    .entry(target)
                    .or_default()
                    .push(candidate),
            }
        }
        _ => {}
    }
}

async fn flush_candidates(shared: &Shared, target: &'static str, pc: &Arc<dyn PeerConnection>) {
    let pending = shared
        .pending_candidates
        .lock()
        .await
        .remove(target)
        .unwrap_or_default();
    for candidate in pending {
        let _ = pc.add_ice_candidate(candidate).await;
    }
}

async fn new_peer(
    handler: Arc<dyn PeerConnectionEventHandler>,
    ice: &IceSettings,
) -> Result<Arc<dyn PeerConnection>, webrtc::error::Error> {
    let mut media = MediaEngine::default();
    media.register_default_codecs()?;
    let registry = register_default_interceptors(Registry::new(), &mut media)?;
    let policy = if ice.relay_only {
        RTCIceTransportPolicy::Relay
    } else {
        RTCIceTransportPolicy::All
    };
    let configuration = RTCConfigurationBuilder::new()
        .with_ice_servers(ice.servers.clone())
        .with_ice_transport_policy(policy)
        .build();
    let pc = PeerConnectionBuilder::new()
        .with_configuration(configuration)
        .with_media_engine(media)
        .with_interceptor_registry(registry)
        .with_handler(handler)
        .with_udp_addrs(vec!["127.0.0.1:0".to_owned()])
        .build()
        .await?;
    Ok(Arc::new(pc))
}

/// Trickles candidates to the server and reads received tracks.
struct Events {
    out: mpsc::UnboundedSender<Value>,
    target: &'static str,
    packets: Option<mpsc::UnboundedSender<Received>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Events {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Ok(init) = event.candidate.to_json() {
            let _ = self
                .out
                .send(json!({ "type": "candidate", "target": self.target, "candidate": init }));
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let Some(packets) = self.packets.clone() else {
            return;
        };
        tokio::spawn(async move {
            let track_id = track.track_id().await;
            while let Some(event) = track.poll().await {
                if let TrackRemoteEvent::OnRtpPacket(packet) = event
                    && let Some((frame, sent_us)) = parse_payload(&packet.payload)
                {
                    let now_us = epoch().elapsed().as_micros() as u64;
                    let _ = packets.send(Received {
                        track_id: track_id.clone(),
                        frame,
                        latency_us: now_us.saturating_sub(sent_us),
                    });
                }
            }
        });
    }
}

/// Writes generated VP8 packets: one-byte VP8 descriptor, marker, frame number, send time.
async fn generate(
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
