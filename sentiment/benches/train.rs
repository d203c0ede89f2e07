//! Trains both models on the shipped VADER data with the default config and prints wall time per
//! model and the full evaluation report.
//!
//! `cargo bench -p sentiment --bench train` prints; `-- --write sentiment/models/builtin.model` also
//! writes the model and its report (`builtin.report.json` beside it); `-- --tune` runs the
//! hyper-parameter search on a validation split carved out of the training part only.

use sentiment::{Example, TrainConfig, builtin_examples, stratified_split, train};
use std::time::Instant;

/// Name of the built-in model.
const BUILTIN_NAME: &str = "builtin-vader-2026.11";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let mut config = TrainConfig::default();
    if let Some(v) = value("--alpha") {
        config.emotion_alpha = v.parse().expect("--alpha takes a number");
        config.intensity_alpha = config.emotion_alpha;
    }
    if let Some(v) = value("--max-ngrams") {
        config.max_ngrams = v.parse().expect("--max-ngrams takes a number");
    }
    if let Some(v) = value("--min-df") {
        config.min_df = v.parse().expect("--min-df takes a number");
    }
    if let Some(v) = value("--direct") {
        config.direct_ngrams = v.parse().expect("--direct takes a number");
    }
    if let Some(v) = value("--nb-alpha") {
        config.nb_alpha = v.parse().expect("--nb-alpha takes a number");
    }
    if let Some(v) = value("--iterations") {
        config.max_iterations = v.parse().expect("--iterations takes a number");
    }
    let examples = builtin_examples();
    if args.iter().any(|a| a == "--tune") {
        tune(&examples, &config, &args);
        return;
    }
    let started = Instant::now();
    let trained = train(&examples, &config, BUILTIN_NAME, &mut |stage| {
        eprintln!("[{:>6.2} s] {stage:?}", started.elapsed().as_secs_f64());
    })
    .expect("the shipped data trains");
    let total = started.elapsed();
    let t = &trained.report.timings;
    println!(
        "machine: {} logical cores available",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "wall time: emotion model {:.2} s, intensity model {:.2} s (fitted concurrently, one thread each); \
         features {:.2} s; whole run {:.2} s",
        t.emotion_ms as f64 / 1e3,
        t.intensity_ms as f64 / 1e3,
        t.features_ms as f64 / 1e3,
        total.as_secs_f64()
    );
    println!("{}", trained.report);
    if let Some(path) = value("--write") {
        // Relative paths are taken from the workspace root (cargo runs benches in the package folder).
        let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let path = workspace.join(path).display().to_string();
        let bytes = trained.model.to_bytes();
        std::fs::write(&path, &bytes).expect("model file written");
        let report_path = std::path::Path::new(&path).with_file_name("builtin.report.json");
        let json = serde_json::to_string_pretty(&trained.report).expect("report serialises");
        std::fs::write(&report_path, json + "\n").expect("report written");
        println!(
            "wrote {path} ({} bytes) and {}",
            bytes.len(),
            report_path.display()
        );
    }
}

/// Grid search scored on a validation split of the training part (the held-out test split is never seen).
fn tune(examples: &[Example], base: &TrainConfig, args: &[String]) {
    let keys = sentiment::split_keys(examples);
    let (train_idx, _test_idx) = stratified_split(&keys, base.test_fraction, base.seed);
    let training: Vec<Example> = train_idx.iter().map(|&i| examples[i].clone()).collect();
    let list = |flag: &str, default: String| -> Vec<String> {
        let v = args
            .iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or(default);
        v.split(',').map(str::to_string).collect()
    };
    println!(
        "validation: 20% of the {} training examples (split seed {}), never the held-out test split",
        training.len(),
        base.seed + 1
    );
    println!(
        "{:>6} {:>6} {:>6} {:>6} {:>6} | {:>7} {:>7} | {:>7} {:>7} | {:>5} {:>5}",
        "alpha",
        "vocab",
        "min_df",
        "direct",
        "nb_a",
        "emo acc",
        "emo F1",
        "int acc",
        "int F1",
        "emo s",
        "int s"
    );
    // Without --alphas each scale keeps its own default alpha ("base"); with it both get each value.
    for alpha in list("--alphas", "base".to_string()) {
        for vocab in list("--vocabs", base.max_ngrams.to_string()) {
            for min_df in list("--min-dfs", base.min_df.to_string()) {
                for direct in list("--directs", base.direct_ngrams.to_string()) {
                    for nb_alpha in list("--nb-alphas", base.nb_alpha.to_string()) {
                        let config = TrainConfig {
                            seed: base.seed + 1,
                            evaluate_chat: false,
                            emotion_alpha: alpha.parse().unwrap_or(base.emotion_alpha),
                            intensity_alpha: alpha.parse().unwrap_or(base.intensity_alpha),
                            max_ngrams: vocab.parse().expect("vocab"),
                            min_df: min_df.parse().expect("min_df"),
                            direct_ngrams: direct.parse().expect("direct"),
                            nb_alpha: nb_alpha.parse().expect("nb_alpha"),
                            ..base.clone()
                        };
                        let r = train(&training, &config, "tuning", &mut |_| {})
                            .expect("trains")
                            .report;
                        println!(
                            "{alpha:>6} {vocab:>6} {min_df:>6} {direct:>6} {nb_alpha:>6} | {:>7.4} {:>7.4} | {:>7.4} {:>7.4} | {:>5.1} {:>5.1}",
                            r.emotion.model.accuracy,
                            r.emotion.model.macro_f1,
                            r.intensity.model.accuracy,
                            r.intensity.model.macro_f1,
                            r.timings.emotion_ms as f64 / 1e3,
                            r.timings.intensity_ms as f64 / 1e3
                        );
                    }
                }
            }
        }
    }
}
