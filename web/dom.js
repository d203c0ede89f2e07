// Tiny DOM helpers. Elements are built with createElement/textContent only,
// so user-provided text is never parsed as HTML.

const PROPERTY_KEYS = new Set(['value', 'checked', 'selected', 'disabled', 'hidden']);

function appendChildren(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) appendChildren(el, child);
    else if (child instanceof Node) el.append(child);
    else el.append(document.createTextNode(String(child)));
  }
}

/**
 * Creates an element: h('a', { href: '#/home', class: 'card' }, 'Home').
 * Props: class, text, dataset, style (object), onX (event listeners),
 * value/checked/selected/disabled/hidden (set as properties), others as attributes.
 * Children are appended before props so <select value> works.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  appendChildren(el, children);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (PROPERTY_KEYS.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  return el;
}

/** Returns a debounced version of fn that waits `ms` after the last call. */
export function debounce(fn, ms) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}

/** Builds a page heading that can receive focus after navigation. */
export function pageHeading(text, id) {
  return h('h1', { class: 'page-title', tabindex: '-1', id }, text);
}
