//! [`TestApp`] helpers for conversations: create them, and open or join them with the consent
//! steps (requests and invitations the other person accepts) done.

use serde_json::{Value, json};

use crate::TestApp;

impl TestApp {
    /// Creates a conversation as the holder of `token`; returns its id (asserting success).
    pub async fn create_conversation(&self, token: &str, body: Value) -> uuid::Uuid {
        let response = reqwest::Client::new()
            .post(self.url("/api/v1/conversations"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("create conversation");
        assert!(
            response.status().is_success(),
            "create conversation: {}",
            response.status()
        );
        let view: Value = response.json().await.expect("conversation json");
        view["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("conversation id")
    }

    /// Opens (or finds) the direct conversation between the token's holder and `other`.
    pub async fn open_direct(&self, token: &str, other: uuid::Uuid) -> uuid::Uuid {
        self.create_conversation(token, json!({ "kind": "direct", "user_id": other }))
            .await
    }

    /// Creates a group owned by the token's holder with `members`.
    pub async fn create_group(
        &self,
        token: &str,
        name: &str,
        members: &[uuid::Uuid],
    ) -> uuid::Uuid {
        self.create_conversation(
            token,
            json!({ "kind": "group", "name": name, "member_ids": members }),
        )
        .await
    }

    /// Accepts, as the holder of `token`, the request or invitation to `conversation`.
    pub async fn accept(&self, token: &str, conversation: uuid::Uuid) {
        let response = reqwest::Client::new()
            .post(self.url(&format!("/api/v1/conversations/{conversation}/accept")))
            .bearer_auth(token)
            .send()
            .await
            .expect("accept");
        assert_eq!(response.status(), 200, "accept {conversation}");
    }

    /// Opens the direct conversation from the holder of `token` to `other`, who accepts it with
    /// `other_token`: the two are contacts afterwards.
    pub async fn open_accepted_direct(
        &self,
        token: &str,
        other: uuid::Uuid,
        other_token: &str,
    ) -> uuid::Uuid {
        let id = self.open_direct(token, other).await;
        self.accept(other_token, id).await;
        id
    }

    /// Creates a group owned by the holder of `token`; every invited member accepts with their
    /// own token.
    pub async fn create_accepted_group(
        &self,
        token: &str,
        name: &str,
        members: &[(uuid::Uuid, &str)],
    ) -> uuid::Uuid {
        let ids: Vec<uuid::Uuid> = members.iter().map(|(id, _)| *id).collect();
        let group = self.create_group(token, name, &ids).await;
        for (_, member_token) in members {
            self.accept(member_token, group).await;
        }
        group
    }
}
