// Keyed list rendering: reuses the element of each item between renders (so
// focus, hover and scroll position survive live updates) and only moves or
// creates what changed.

/**
 * Makes `container`'s children match `items`, in order. `key(item)` is a
 * stable string, `create(item)` builds a new element, `update(el, item)`
 * refreshes one. Children of items that disappeared are removed.
 */
export function reconcile(container, items, { key, create, update }) {
  const existing = new Map();
  for (const child of [...container.children]) {
    if (child.dataset.key != null) existing.set(child.dataset.key, child);
    else child.remove();
  }
  let previous = null;
  for (const item of items) {
    const k = key(item);
    let el = existing.get(k);
    if (el) existing.delete(k);
    else {
      el = create(item);
      el.dataset.key = k;
    }
    update(el, item);
    const expected = previous ? previous.nextElementSibling : container.firstElementChild;
    if (expected !== el) container.insertBefore(el, expected);
    previous = el;
  }
  for (const el of existing.values()) el.remove();
}
