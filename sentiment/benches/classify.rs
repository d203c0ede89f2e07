//! Classification speed of the built-in model on one thread over realistic short chat messages:
//! messages per second and the per-message latency distribution.
//!
//! `cargo bench -p sentiment --bench classify`

use sentiment::{Model, chat_eval_examples};
use std::hint::black_box;
use std::time::Instant;

/// Extra chat-style messages (the chat evaluation set supplies the rest).
const MESSAGES: &[&str] = &[
    "hey, are you coming to the lab?",
    "yes!! just finished, see you in 10",
    "can someone share the notes from monday pls",
    "omg the exam was sooo hard 😭",
    "thanks prof, that really helped :)",
    "lol same",
    "I'm stuck on question 3, any hints?",
    "the deadline got moved to next friday 🎉",
    "ugh my code won't compile again",
    "ok",
    "Good morning everyone, the slides for week 5 are now online.",
    "Please remember to book a consultation slot if you want feedback on your draft.",
    "not sure I understand the difference between the two methods tbh",
    "that's awesome, congrats!!!",
    "I'm really worried about the project, we're so behind",
    "where is room C204?",
];

fn main() {
    let model = Model::builtin();
    let chat: Vec<String> = chat_eval_examples().into_iter().map(|e| e.text).collect();
    let messages: Vec<&str> = chat
        .iter()
        .map(String::as_str)
        .chain(MESSAGES.iter().copied())
        .collect();
    let mean_chars =
        messages.iter().map(|m| m.chars().count()).sum::<usize>() as f64 / messages.len() as f64;
    println!(
        "model {} ({} inputs), {} distinct messages, mean length {mean_chars:.0} characters",
        model.name(),
        model.n_features(),
        messages.len()
    );

    // Warm up (lexicon, stemmer and model tables are built on first use).
    for m in &messages {
        black_box(model.classify(m));
    }

    let total = 300_000;
    let started = Instant::now();
    for i in 0..total {
        black_box(model.classify(black_box(messages[i % messages.len()])));
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "throughput: {total} messages in {elapsed:.3} s on one thread = {:.0} messages/s",
        total as f64 / elapsed
    );

    let mut latencies: Vec<f64> = (0..100_000)
        .map(|i| {
            let m = messages[i % messages.len()];
            let t = Instant::now();
            black_box(model.classify(black_box(m)));
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "latency per message: p50 {:.2} µs, p99 {:.2} µs, max {:.2} µs",
        at(0.5),
        at(0.99),
        at(1.0)
    );

    let windows = 30_000;
    let started = Instant::now();
    for i in 0..windows {
        let start = i % messages.len();
        let window = (0..10).map(|k| messages[(start + k) % messages.len()]);
        black_box(model.classify_many(window));
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "windows of 10 messages (classify_many): {:.0} windows/s, {:.2} µs per window",
        windows as f64 / elapsed,
        elapsed * 1e6 / windows as f64
    );
}
