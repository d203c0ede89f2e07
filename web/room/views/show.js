// Shared by the room views: put exactly these children in an element,
// without touching it when they are already there (so focus survives).

/** Makes `el`'s children `children` (nulls skipped), in order. */
export function showChildren(el, children) {
  const wanted = children.filter(Boolean);
  const same = wanted.length === el.children.length && wanted.every((c, i) => el.children[i] === c);
  if (!same) el.replaceChildren(...wanted);
}
