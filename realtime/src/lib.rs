//! Live chat: the WebSocket gateway that relays messages, receipts, presence and typing between
//! the devices of every member of a conversation. (Built in the live-chat issue.)
