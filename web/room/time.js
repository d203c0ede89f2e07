// Times on the room page, in the signed-in user's time zone, and whether a
// room's time is over: shared by the heading, the waiting card and the
// recordings list.

/** "Tue 1 Dec, 10:00" in time zone `tz`. */
export function timeText(iso, tz) {
  return new Intl.DateTimeFormat(undefined, {
    timeZone: tz, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
  }).format(new Date(iso));
}

/** True once the room's closing time has passed. */
export function isOver(room, now = Date.now()) {
  return new Date(room.closes_at) <= new Date(now);
}

/** How long to wait before looking again whether a waiting room has opened. */
export function pollDelay(room, now = Date.now()) {
  return Math.min(Math.max(new Date(room.opens_at) - now, 5000), 60000);
}
