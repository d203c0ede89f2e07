//! Rebuilds the crate when a migration is added: `sqlx::migrate!` embeds the files, and cargo
//! would not otherwise notice a new one (sqlx's documented remedy).
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
