//! Every integration test of Chatterly, one module per feature, in one test binary: thirty-odd
//! binaries each linking the whole stack made the suite slow to build and `target/` huge.
//! Run one feature with `cargo test -p tests --test suite chat_delivery::`.

mod accounts;
mod accounts_password;
mod accounts_reset;
mod admin_cli;
mod api_fuzzing;
mod authz_matrix;
mod browser_accounts;
mod browser_chat;
mod browser_consultations;
mod browser_mood;
mod browser_rooms;
mod chat_connection;
mod chat_consent;
mod chat_conversations;
mod chat_delivery;
mod chat_flood;
mod chat_history_and_search;
mod chat_limits;
mod chat_presence_and_typing;
mod chat_receipts;
mod chat_sequence_numbers;
mod chat_storage;
mod consultation_rules;
mod consultations_booking;
mod consultations_lecturer_created;
mod consultations_lifecycle;
mod input_and_limits;
mod mood_admin_refusals;
mod mood_corrections;
mod mood_job;
mod mood_models;
mod mood_sharing;
mod operations;
mod private_cluster;
mod reminders;
mod roles_and_directory;
mod rooms_admission;
mod rooms_conversation;
mod rooms_media;
mod rooms_network;
mod rooms_recording;
mod schema_limits;
mod web_security;
