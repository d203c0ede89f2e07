//! A peer's side of the room's signalling: its two peer connections (publisher and
//! subscriber), answers to the server's offers, and ICE candidates both ways.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCConfigurationBuilder, RTCIceCandidateInit, RTCIceServer, RTCIceTransportPolicy,
    RTCPeerConnectionIceEvent, RTCSessionDescription, Registry, register_default_interceptors,
};

use super::generated::parse_payload;
use super::{Received, epoch};

/// How a peer's connections gather candidates.
pub(super) struct IceSettings {
    pub(super) servers: Vec<RTCIceServer>,
    pub(super) relay_only: bool,
}

/// The ICE servers a `ready` frame names.
pub(super) fn ice_servers(ready: &Value) -> Vec<RTCIceServer> {
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

pub(super) struct Shared {
    pub(super) ice: IceSettings,
    pub(super) out: mpsc::UnboundedSender<Value>,
    pub(super) publisher: Arc<dyn PeerConnection>,
    pub(super) subscriber: Mutex<Option<Arc<dyn PeerConnection>>>,
    pub(super) pending_candidates: Mutex<HashMap<&'static str, Vec<RTCIceCandidateInit>>>,
    pub(super) packets: mpsc::UnboundedSender<Received>,
}

/// Acts on the server's signalling frames: answers, offers, candidates.
pub(super) async fn handle(shared: &Arc<Shared>, frame: &Value) {
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
        Some("subscribe_offer") => answer_subscriber_offer(shared, text("sdp")).await,
        Some("candidate") => add_candidate(shared, frame).await,
        _ => {}
    }
}

/// The subscriber connection, created on the server's first offer.
async fn subscriber(shared: &Arc<Shared>) -> Option<Arc<dyn PeerConnection>> {
    let mut slot = shared.subscriber.lock().await;
    match &*slot {
        Some(pc) => Some(pc.clone()),
        None => {
            let events = Arc::new(Events {
                out: shared.out.clone(),
                target: "subscriber",
                packets: Some(shared.packets.clone()),
            });
            let pc = new_peer(events, &shared.ice).await.ok()?;
            *slot = Some(pc.clone());
            Some(pc)
        }
    }
}

/// Answers a `subscribe_offer` whose SDP is `sdp`.
async fn answer_subscriber_offer(shared: &Arc<Shared>, sdp: String) {
    let Some(pc) = subscriber(shared).await else {
        return;
    };
    let answered = async {
        pc.set_remote_description(RTCSessionDescription::offer(sdp)?)
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

/// Adds the server's candidate of a `candidate` frame, or keeps it until its connection has
/// a remote description.
async fn add_candidate(shared: &Arc<Shared>, frame: &Value) {
    let Ok(candidate) = serde_json::from_value::<RTCIceCandidateInit>(frame["candidate"].clone())
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

pub(super) async fn new_peer(
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
pub(super) struct Events {
    pub(super) out: mpsc::UnboundedSender<Value>,
    pub(super) target: &'static str,
    pub(super) packets: Option<mpsc::UnboundedSender<Received>>,
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
