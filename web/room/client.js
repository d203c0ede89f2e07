// The browser side of a consultation room: the signalling WebSocket
// (/api/v1/consultations/{id}/room/ws, see docs/protocol.md "Rooms") and the
// two peer connections with the server's forwarding unit:
//   - publisher: we offer our camera, microphone and screen (sendonly);
//   - subscriber: the server offers everyone else's tracks; we answer.
// Candidates are trickled both ways; ones that arrive before the remote
// description are held until it is set.

const HEARTBEAT_MS = 20000;

/** Connects to the room of `consultationId`; `handlers` receive its events. */
export function createRoomClient(consultationId, handlers) {
  const url = new URL(`/api/v1/consultations/${encodeURIComponent(consultationId)}/room/ws`, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(url);
  const pending = { publisher: [], subscriber: [] };
  const sources = new Map(); // local track id -> source
  let iceServers = [];
  let publisher = null;
  let subscriber = null;
  let heartbeat = null;
  let closed = false;

  function send(frame) {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function newPeer(target) {
    const pc = new RTCPeerConnection({ iceServers });
    pc.addEventListener('icecandidate', (event) => {
      if (event.candidate) send({ type: 'candidate', target, candidate: event.candidate.toJSON() });
    });
    pc.addEventListener('connectionstatechange', () => handlers.onConnection?.(target, pc.connectionState));
    return pc;
  }

  async function flushCandidates(target, pc) {
    const held = pending[target].splice(0);
    for (const candidate of held) {
      try { await pc.addIceCandidate(candidate); } catch (err) { console.warn('candidate refused', err); }
    }
  }

  async function renegotiatePublisher() {
    if (!publisher) return;
    const offer = await publisher.createOffer();
    await publisher.setLocalDescription(offer);
    const tracks = {};
    for (const transceiver of publisher.getTransceivers()) {
      const track = transceiver.sender.track;
      if (track && sources.has(track.id)) tracks[track.id] = sources.get(track.id);
    }
    send({ type: 'publish', sdp: offer.sdp, tracks });
  }

  async function onSubscribeOffer(sdp) {
    if (!subscriber) {
      subscriber = newPeer('subscriber');
      subscriber.addEventListener('track', (event) => {
        const stream = event.streams[0];
        handlers.onRemoteTrack?.({ participantId: stream?.id, track: event.track, stream });
      });
    }
    await subscriber.setRemoteDescription({ type: 'offer', sdp });
    const answer = await subscriber.createAnswer();
    await subscriber.setLocalDescription(answer);
    send({ type: 'subscribe_answer', sdp: answer.sdp });
    await flushCandidates('subscriber', subscriber);
  }

  async function onCandidate(target, candidate) {
    const pc = target === 'publisher' ? publisher : subscriber;
    if (pc?.remoteDescription) {
      try { await pc.addIceCandidate(candidate); } catch (err) { console.warn('candidate refused', err); }
    } else {
      pending[target].push(candidate);
    }
  }

  async function onFrame(frame) {
    switch (frame.type) {
      case 'ready':
        iceServers = frame.ice_servers || [];
        heartbeat = setInterval(() => send({ type: 'ping' }), HEARTBEAT_MS);
        handlers.onReady?.(frame);
        break;
      case 'publish_answer':
        await publisher?.setRemoteDescription({ type: 'answer', sdp: frame.sdp });
        if (publisher) await flushCandidates('publisher', publisher);
        break;
      case 'subscribe_offer':
        await onSubscribeOffer(frame.sdp);
        break;
      case 'candidate':
        await onCandidate(frame.target, frame.candidate);
        break;
      case 'error':
        handlers.onError?.(frame);
        break;
      case 'pong':
        break;
      default:
        handlers.onFrame?.(frame);
    }
  }

  // Frames are handled one at a time, in order: an answer must be applied
  // before the candidates that follow it.
  let queue = Promise.resolve();
  socket.addEventListener('message', (event) => {
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    queue = queue.then(() => onFrame(frame)).catch((err) => console.error('room frame failed', frame.type, err));
  });
  // The close is handled after the frames that came before it: `ended` is
  // followed by the server's close, and must be read as the reason.
  socket.addEventListener('close', (event) => {
    clearInterval(heartbeat);
    queue = queue.then(() => {
      if (!closed) handlers.onClose?.(event);
      closed = true;
    });
  });

  return {
    /** Sends `track` (from `stream`) labelled camera, microphone or screen. */
    async publish(track, stream, source) {
      if (!publisher) publisher = newPeer('publisher');
      sources.set(track.id, source);
      const transceiver = publisher.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      await renegotiatePublisher();
      return transceiver.sender;
    },
    /** Stops sending a track published before (e.g. the screen share ended). */
    async unpublish(sender) {
      if (!publisher) return;
      if (sender.track) sources.delete(sender.track.id);
      publisher.removeTrack(sender);
      await renegotiatePublisher();
    },
    /** Tells the others a source is muted (the caller stops the track's output). */
    mute(source, muted) {
      send({ type: 'mute', source, muted });
    },
    /** Ends the room for everyone (the lecturer). */
    end() {
      send({ type: 'end' });
    },
    /** Leaves: closes the socket and both connections. */
    leave() {
      closed = true;
      send({ type: 'leave' });
      clearInterval(heartbeat);
      publisher?.close();
      subscriber?.close();
      socket.close(1000, 'left');
    },
  };
}
