//! One participant's subscriber connection: the server-offered peer connection that carries
//! everyone else's tracks to them. Tracks come and go as others publish and leave; each change
//! is one renegotiation, and only one offer is outstanding at a time (a change made while the
//! client is answering is offered right after the answer).

use std::collections::HashMap;
use std::sync::Arc;

use rtc::media_stream::MediaStreamTrack;
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::{RTCRtpCodingParameters, RTCRtpEncodingParameters};
use tokio::sync::broadcast;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionEventHandler, RTCPeerConnectionIceEvent, RTCSessionDescription,
};
use webrtc::rtp_transceiver::RtpSender;

use crate::room::nat::{announce_candidate, announce_sdp};
use crate::room::outbox::{Outbox, TaskGuard};
use crate::room::peer::{PeerError, PeerFactory};
use crate::room::protocol::{IceCandidate, ServerFrame, Target};
use crate::room::track::Published;

/// Why a subscriber change failed.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// Making or using the peer connection failed.
    #[error(transparent)]
    Peer(#[from] PeerError),
    /// The WebRTC stack refused.
    #[error("{0}")]
    WebRtc(#[from] webrtc::error::Error),
    /// An answer came with no offer outstanding.
    #[error("there is no subscribe_offer to answer")]
    NoOffer,
}

struct Forward {
    published: Arc<Published>,
    sender: Arc<dyn RtpSender>,
    _task: TaskGuard,
}

#[derive(Default)]
struct State {
    pc: Option<Arc<dyn PeerConnection>>,
    forwards: HashMap<String, Forward>,
    awaiting_answer: bool,
    offer_again: bool,
}

/// The connection carrying other participants' tracks to one participant.
pub struct Subscriber {
    factory: Arc<PeerFactory>,
    outbox: Outbox,
    state: tokio::sync::Mutex<State>,
}

impl Subscriber {
    /// A subscriber whose frames go to `outbox`; its peer connection is made with the first track.
    pub fn new(factory: Arc<PeerFactory>, outbox: Outbox) -> Self {
        Self {
            factory,
            outbox,
            state: tokio::sync::Mutex::new(State::default()),
        }
    }

    /// Starts forwarding `tracks` and offers them (one renegotiation for all).
    pub(crate) async fn add_all(&self, tracks: &[Arc<Published>]) -> Result<(), SubscribeError> {
        if tracks.is_empty() {
            return Ok(());
        }
        let mut state = self.state.lock().await;
        let pc = match &state.pc {
            Some(pc) => pc.clone(),
            None => {
                let events = Arc::new(SubscriberEvents {
                    outbox: self.outbox.clone(),
                    public_ip: self.factory.config().public_ip,
                });
                let pc = self.factory.build(events).await?;
                state.pc = Some(pc.clone());
                pc
            }
        };
        for published in tracks {
            if state.forwards.contains_key(&published.view.track_id) {
                continue;
            }
            let ssrc = rand::random::<u32>();
            let local = Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
                published.view.stream_id.clone(),
                published.view.track_id.clone(),
                published.view.track_id.clone(),
                published.kind,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters {
                        ssrc: Some(ssrc),
                        ..Default::default()
                    },
                    codec: published.codec.clone(),
                    ..Default::default()
                }],
            )));
            let sender = pc.add_track(local.clone() as Arc<dyn TrackLocal>).await?;
            let task = tokio::spawn(forward(
                published.packets.subscribe(),
                local,
                sender.clone(),
                ssrc,
                published.codec.mime_type.clone(),
            ));
            state.forwards.insert(
                published.view.track_id.clone(),
                Forward {
                    published: published.clone(),
                    sender,
                    _task: TaskGuard(task),
                },
            );
        }
        self.negotiate(&mut state).await
    }

    /// Stops forwarding `track_id` and offers the change.
    pub(crate) async fn remove(&self, track_id: &str) -> Result<(), SubscribeError> {
        let mut state = self.state.lock().await;
        let Some(forward) = state.forwards.remove(track_id) else {
            return Ok(());
        };
        if let Some(pc) = &state.pc {
            pc.remove_track(&forward.sender).await?;
        }
        self.negotiate(&mut state).await
    }

    /// Applies the client's answer; offers again if tracks changed meanwhile, and asks every
    /// forwarded video's publisher for a keyframe so the picture starts at once.
    pub async fn answer(&self, sdp: String) -> Result<(), SubscribeError> {
        let mut state = self.state.lock().await;
        let Some(pc) = state.pc.clone().filter(|_| state.awaiting_answer) else {
            return Err(SubscribeError::NoOffer);
        };
        pc.set_remote_description(RTCSessionDescription::answer(sdp)?)
            .await?;
        state.awaiting_answer = false;
        for forward in state.forwards.values() {
            forward.published.request_keyframe().await;
        }
        if std::mem::take(&mut state.offer_again) {
            self.negotiate(&mut state).await?;
        }
        Ok(())
    }

    /// Adds a client ICE candidate for this connection.
    pub async fn add_candidate(
        &self,
        candidate: webrtc::peer_connection::RTCIceCandidateInit,
    ) -> Result<(), SubscribeError> {
        let pc = self.state.lock().await.pc.clone();
        match pc {
            Some(pc) => Ok(pc.add_ice_candidate(candidate).await?),
            None => Err(SubscribeError::NoOffer),
        }
    }

    /// Closes the connection (the participant left).
    pub async fn close(&self) {
        let mut state = self.state.lock().await;
        state.forwards.clear();
        if let Some(pc) = state.pc.take()
            && let Err(e) = pc.close().await
        {
            tracing::debug!(error = %e, "closing a subscriber connection");
        }
    }

    async fn negotiate(&self, state: &mut State) -> Result<(), SubscribeError> {
        if state.awaiting_answer {
            state.offer_again = true;
            return Ok(());
        }
        let Some(pc) = state.pc.clone() else {
            return Ok(());
        };
        let offer = pc.create_offer(None).await?;
        let sdp = announce_sdp(&offer.sdp, self.factory.config().public_ip);
        pc.set_local_description(offer).await?;
        state.awaiting_answer = true;
        self.outbox.send(ServerFrame::SubscribeOffer { sdp });
        Ok(())
    }
}

/// Copies one published track's packets onto one subscriber's track, rewritten for that leg:
/// its own SSRC, the payload type negotiated there, and no header extensions (their ids are the
/// publisher leg's).
async fn forward(
    mut packets: broadcast::Receiver<rtp::Packet>,
    local: Arc<TrackLocalStaticRTP>,
    sender: Arc<dyn RtpSender>,
    ssrc: u32,
    mime_type: String,
) {
    let mut payload_type = None;
    loop {
        let mut packet = match packets.recv().await {
            Ok(packet) => packet,
            Err(broadcast::error::RecvError::Lagged(skipped)) => {
                metrics::counter!("room_rtp_packets_skipped_total").increment(skipped);
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let pt = match payload_type {
            Some(pt) => pt,
            None => match negotiated_payload_type(&sender, &mime_type).await {
                Some(pt) => *payload_type.insert(pt),
                None => continue,
            },
        };
        packet.header.ssrc = ssrc;
        packet.header.payload_type = pt;
        packet.header.extension = false;
        packet.header.extension_profile = 0;
        packet.header.extensions.clear();
        // Fails only until the connection is negotiated; those packets are dropped.
        if local.write_rtp(packet).await.is_ok() {
            metrics::counter!("room_rtp_packets_forwarded_total").increment(1);
        }
    }
}

async fn negotiated_payload_type(sender: &Arc<dyn RtpSender>, mime_type: &str) -> Option<u8> {
    let parameters = sender.get_parameters().await.ok()?;
    parameters
        .rtp_parameters
        .codecs
        .iter()
        .find(|c| c.rtp_codec.mime_type.eq_ignore_ascii_case(mime_type))
        .map(|c| c.payload_type)
}

/// Trickles the server's candidates of a subscriber connection to the client.
struct SubscriberEvents {
    outbox: Outbox,
    public_ip: Option<std::net::IpAddr>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for SubscriberEvents {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        send_candidate(&self.outbox, Target::Subscriber, &event, self.public_ip);
    }
}

/// Sends a gathered server candidate to the client (with the public address behind NAT).
pub(crate) fn send_candidate(
    outbox: &Outbox,
    target: Target,
    event: &RTCPeerConnectionIceEvent,
    public_ip: Option<std::net::IpAddr>,
) {
    match event.candidate.to_json() {
        Ok(init) => outbox.send(ServerFrame::Candidate {
            target,
            candidate: IceCandidate {
                candidate: announce_candidate(&init.candidate, public_ip),
                sdp_mid: init.sdp_mid,
                sdp_mline_index: init.sdp_mline_index,
                username_fragment: init.username_fragment,
            },
        }),
        Err(e) => tracing::debug!(error = %e, "could not serialise a local candidate"),
    }
}
