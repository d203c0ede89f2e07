// The browser's own media: the local camera and microphone (with words a
// person can act on when they cannot be used) and a screen to share. Kept
// apart so the session only decides what to publish, not how to ask for it.

/** Why no camera or microphone could be used, in words a person can act on. */
export function mediaProblem(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera and microphone are blocked for this site. You can still see, hear and chat; allow them in your browser’s site settings and rejoin to be seen and heard.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera or microphone was found. You can still see, hear and chat.';
    case 'NotReadableError':
      return 'Your camera or microphone is in use by another program. Close it and rejoin.';
    default:
      return 'Camera and microphone are not available here. You can still see, hear and chat.';
  }
}

/** The local camera and microphone: both, else the microphone alone, else nothing. */
export async function localMedia() {
  if (!navigator.mediaDevices?.getUserMedia) {
    return { stream: null, problem: mediaProblem({ name: 'NotSupportedError' }) };
  }
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ audio: true, video: true }), problem: null };
  } catch (err) {
    if (err?.name === 'NotFoundError' || err?.name === 'OverconstrainedError') {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        return { stream, problem: 'No camera was found: others will hear you but not see you.' };
      } catch { /* fall through */ }
    }
    return { stream: null, problem: mediaProblem(err) };
  }
}

/** True when this browser can share its screen. */
export function canShareScreen() {
  return Boolean(navigator.mediaDevices?.getDisplayMedia);
}

/** Asks the user for a screen to share: its stream and video track. */
export async function pickScreen() {
  const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  return { stream, track: stream.getVideoTracks()[0] };
}

/** Stops every track of `stream` (camera light off). */
export function stopStream(stream) {
  stream?.getTracks().forEach((t) => t.stop());
}
