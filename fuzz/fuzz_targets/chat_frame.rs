//! Chat socket client frames: `realtime::protocol::parse` on any text, then the checks a `send`
//! meets before it goes near the database (`models::message::validate`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use models::message::{MAX_BODY_CHARS, MAX_CLIENT_ID_CHARS, validate};
use realtime::protocol::{ClientFrame, parse};

fuzz_target!(|text: &str| {
    let Ok(frame) = parse(text) else { return };
    if let ClientFrame::Send {
        client_id, body, ..
    } = frame
        && validate(&client_id, &body).is_ok()
    {
        // What validation promises the storage layer.
        let id_chars = client_id.chars().count();
        assert!((1..=MAX_CLIENT_ID_CHARS).contains(&id_chars));
        assert!(!client_id.contains('\0') && !body.contains('\0'));
        assert!(!body.trim().is_empty());
        assert!(body.chars().count() <= MAX_BODY_CHARS);
    }
});
