//! A real WebSocket client for the chat gateway, with helpers to wait for frames by type.

use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

/// How long to wait for an expected frame before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// One connected device.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Frames read while looking for another type, returned first by later reads.
    backlog: std::collections::VecDeque<Value>,
}

impl WsClient {
    /// Connects with a bearer token and waits for `ready`.
    pub async fn connect(addr: std::net::SocketAddr, token: &str) -> anyhow::Result<Self> {
        let mut request = format!("ws://{addr}/api/v1/ws").into_client_request()?;
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse()?);
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        let mut client = Self {
            stream,
            backlog: Default::default(),
        };
        client.next_of("ready").await?;
        Ok(client)
    }

    /// Tries to connect with extra headers; returns the HTTP status if the upgrade is refused.
    pub async fn try_connect(
        addr: std::net::SocketAddr,
        headers: &[(&str, &str)],
    ) -> Result<Self, u16> {
        let mut request = format!("ws://{addr}/api/v1/ws")
            .into_client_request()
            .map_err(|_| 0u16)?;
        for (name, value) in headers {
            let name =
                tungstenite::http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| 0u16)?;
            request
                .headers_mut()
                .insert(name, value.parse().map_err(|_| 0u16)?);
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((stream, _)) => Ok(Self {
                stream,
                backlog: Default::default(),
            }),
            Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
            Err(_) => Err(0),
        }
    }

    /// Sends a JSON frame.
    pub async fn send(&mut self, frame: Value) -> anyhow::Result<()> {
        self.stream
            .send(Message::Text(frame.to_string().into()))
            .await?;
        Ok(())
    }

    /// Sends raw text (for malformed-frame tests).
    pub async fn send_raw(&mut self, text: &str) -> anyhow::Result<()> {
        self.stream
            .send(Message::Text(text.to_owned().into()))
            .await?;
        Ok(())
    }

    /// Sends `sync` with the given cursors.
    pub async fn sync(&mut self, cursors: &[(Uuid, i64)]) -> anyhow::Result<()> {
        let cursors: serde_json::Map<String, Value> = cursors
            .iter()
            .map(|(c, s)| (c.to_string(), json!(s)))
            .collect();
        self.send(json!({ "type": "sync", "cursors": cursors }))
            .await
    }

    /// Sends a message.
    pub async fn send_message(
        &mut self,
        conversation: Uuid,
        client_id: &str,
        body: &str,
    ) -> anyhow::Result<()> {
        self.send(json!({ "type": "send", "conversation": conversation, "client_id": client_id, "body": body })).await
    }

    /// The next frame of any type.
    pub async fn next(&mut self) -> anyhow::Result<Value> {
        if let Some(frame) = self.backlog.pop_front() {
            return Ok(frame);
        }
        self.read(WAIT)
            .await?
            .ok_or_else(|| anyhow::anyhow!("connection closed"))
    }

    async fn read(&mut self, wait: Duration) -> anyhow::Result<Option<Value>> {
        loop {
            let message = tokio::time::timeout(wait, self.stream.next())
                .await
                .map_err(|_| anyhow::anyhow!("timed out"))?;
            match message {
                None => return Ok(None),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(Message::Text(text))) => {
                    return Ok(Some(serde_json::from_str(text.as_str())?));
                }
                Some(Ok(Message::Close(frame))) => {
                    let code = frame.map_or(0, |f| u16::from(f.code));
                    return Ok(Some(json!({ "type": "__closed", "code": code })));
                }
                Some(Ok(_)) => {}
            }
        }
    }

    /// The next frame of `kind`, keeping frames of other types for later reads.
    pub async fn next_of(&mut self, kind: &str) -> anyhow::Result<Value> {
        if let Some(pos) = self.backlog.iter().position(|f| f["type"] == kind) {
            return Ok(self.backlog.remove(pos).unwrap_or_default());
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self
                .read(left)
                .await
                .map_err(|e| anyhow::anyhow!("waiting for {kind}: {e}"))?;
            let frame = frame.ok_or_else(|| anyhow::anyhow!("closed while waiting for {kind}"))?;
            if frame["type"] == kind {
                return Ok(frame);
            }
            self.backlog.push_back(frame);
        }
    }

    /// Collects frames of `kind` for `wait`, dropping none of the others.
    pub async fn all_of_for(&mut self, kind: &str, wait: Duration) -> Vec<Value> {
        let mut found: Vec<Value> = Vec::new();
        let mut others = std::collections::VecDeque::new();
        for f in self.backlog.drain(..) {
            if f["type"] == kind {
                found.push(f)
            } else {
                others.push_back(f)
            }
        }
        self.backlog = others;
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(frame)) = self
            .read(deadline.saturating_duration_since(tokio::time::Instant::now()))
            .await
        {
            if frame["type"] == kind {
                found.push(frame);
            } else {
                self.backlog.push_back(frame);
            }
        }
        found
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
