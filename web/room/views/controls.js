// The call controls toolbar: #mic-button, #camera-button, #share-button,
// #record-button (the lecturer), #leave-button and #end-button (the
// lecturer). Each shows its state from the store; clicks go to `on`.

import { h } from '../../dom.js';

// A toggle button: aria-pressed says whether its state is on.
function toggleButton(id, text, onclick, disabled = false) {
  return h('button', { type: 'button', id, class: 'button button-ghost', 'aria-pressed': 'false', disabled, onclick }, text);
}

function actionButton(id, text, onclick) {
  return h('button', { type: 'button', id, class: 'button button-danger-ghost', onclick }, text);
}

function setPressed(el, pressed, text) {
  el.textContent = text;
  el.setAttribute('aria-pressed', String(Boolean(pressed)));
}

/** The toolbar; `canManage` adds the lecturer's record and end buttons. */
export function createControls({ canManage, on }) {
  const mic = toggleButton('mic-button', 'Mute', on.mic, true);
  const camera = toggleButton('camera-button', 'Camera off', on.camera, true);
  const share = toggleButton('share-button', 'Share screen', on.share);
  const record = canManage ? toggleButton('record-button', 'Record', on.record) : null;
  const leave = actionButton('leave-button', 'Leave', on.leave);
  const end = canManage ? actionButton('end-button', 'End for everyone', on.end) : null;
  const element = h('div', { class: 'room-controls', role: 'toolbar', 'aria-label': 'Call controls' },
    mic, camera, share, record, leave, end);

  function render(state) {
    const { local } = state;
    mic.disabled = !local.audio;
    setPressed(mic, local.micMuted, local.micMuted ? 'Unmute' : 'Mute');
    camera.disabled = !local.video;
    setPressed(camera, local.cameraOff, local.cameraOff ? 'Camera on' : 'Camera off');
    setPressed(share, local.sharing, local.sharing ? 'Stop sharing' : 'Share screen');
    if (record) {
      setPressed(record, state.recording, state.recording ? 'Stop recording' : 'Record');
      record.disabled = state.recordingBusy;
    }
  }

  return { element, render };
}
