//! Trains both models on the shipped VADER sentences (emotion) and EmoBank (intensity, read from
//! `$EMOBANK_CSV` or `../shared/data/emobank/emobank.csv` beside the workspace) with the default config
//! and prints wall time per model and the full evaluation report.
//!
//! `cargo bench -p sentiment --bench train` prints; `-- --write sentiment/models/builtin.model` also
//! writes the model and its report (`builtin.report.json` beside it); `-- --tune` runs the
//! hyper-parameter search on validation data only (VADER: a split of the training part; EmoBank: dev);
//! `-- --summary` prints one line per setting with the validation, held-out and chat figures.

use sentiment::{
    Example, Part, RatedSentence, Source, TrainConfig, TrainingReport, builtin_examples,
    parse_emobank, standard_sources, stratified_split, train, train_sources,
};
use std::time::Instant;

/// Name of the built-in model.
const BUILTIN_NAME: &str = "builtin-vader-emobank-2026.12";

/// Reads EmoBank from `$EMOBANK_CSV` or `<workspace>/../shared/data/emobank/emobank.csv`.
fn emobank() -> Vec<RatedSentence> {
    let path = std::env::var("EMOBANK_CSV").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/emobank/emobank.csv"
        )
        .to_string()
    });
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("EmoBank not readable at {path} ({e}); set EMOBANK_CSV"));
    parse_emobank(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
}

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
    if let Some(v) = value("--intensity-alpha") {
        config.intensity_alpha = v.parse().expect("--intensity-alpha takes a number");
    }
    if let Some(v) = value("--validation") {
        config.validation_fraction = v.parse().expect("--validation takes a number");
    }
    if args.iter().any(|a| a == "--emobank-emotion") {
        config.emobank_emotion = true;
    }
    if args.iter().any(|a| a == "--logistic-intensity") {
        config.intensity_regression = false;
    }
    let rated = emobank();
    if args.iter().any(|a| a == "--summary") {
        summary(&rated, &config);
        return;
    }
    if args.iter().any(|a| a == "--tune") {
        tune(&rated, &config, &args);
        return;
    }
    let sources = standard_sources(&config, &rated);
    let started = Instant::now();
    let trained = train_sources(&sources, &config, BUILTIN_NAME, &mut |stage| {
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

/// The validation setting: VADER's training part without intensity labels (its validation split is
/// carved out by the seed + 1 stratified split) and EmoBank with its dev split as the test part.
fn validation_data(
    rated: &[RatedSentence],
    base: &TrainConfig,
) -> (Vec<Example>, Vec<RatedSentence>) {
    let examples: Vec<Example> = builtin_examples();
    let keys = sentiment::split_keys(&examples);
    let (train_idx, _test_idx) = stratified_split(&keys, base.test_fraction, base.seed);
    let training: Vec<Example> = train_idx
        .iter()
        .map(|&i| Example {
            intensity: None,
            ..examples[i].clone()
        })
        .collect();
    let emobank_parts: Vec<RatedSentence> = rated
        .iter()
        .filter(|s| s.part != Part::Test)
        .map(|s| RatedSentence {
            part: if s.part == Part::Validation {
                Part::Test
            } else {
                Part::Train
            },
            ..s.clone()
        })
        .collect();
    (training, emobank_parts)
}

/// Trains in the validation setting with `config` (as `--tune` does for one grid point).
fn validation_report(
    training: &[Example],
    emobank_parts: &[RatedSentence],
    config: &TrainConfig,
) -> TrainingReport {
    let config = TrainConfig {
        seed: config.seed + 1,
        evaluate_chat: false,
        validation_fraction: 0.0,
        ..config.clone()
    };
    let vader = Source::new("vader", "", training.to_vec());
    let emobank = sentiment::emobank_source(emobank_parts, config.emobank_emotion).0;
    train_sources(&[vader, emobank], &config, "tuning", &mut |_| {})
        .expect("trains")
        .report
}

/// One line per setting: validation figures (VADER validation split, EmoBank dev), then held-out
/// figures (VADER test split, EmoBank test) and the chat set, for comparing feature variants.
fn summary(rated: &[RatedSentence], config: &TrainConfig) {
    let (training, emobank_parts) = validation_data(rated, config);
    let v = validation_report(&training, &emobank_parts, config);
    let sources = standard_sources(config, rated);
    let t = train_sources(&sources, config, BUILTIN_NAME, &mut |_| {})
        .expect("the shipped data trains")
        .report;
    let r = |s: &sentiment::ScaleReport| s.arousal.as_ref().map_or(f64::NAN, |a| a.model_r);
    let chat = |m: &Option<sentiment::Metrics>| {
        m.as_ref()
            .map_or((f64::NAN, f64::NAN), |m| (m.accuracy, m.macro_f1))
    };
    let uncertain = t.intensity.calibration.as_ref().map_or(f64::NAN, |c| {
        let n: usize = c.reliability.iter().map(|b| b.count).sum();
        let low: usize = c
            .reliability
            .iter()
            .filter(|b| b.high <= 0.5 + 1e-9)
            .map(|b| b.count)
            .sum();
        low as f64 / n.max(1) as f64
    });
    let (ce, ci) = (chat(&t.emotion.chat_eval), chat(&t.intensity.chat_eval));
    println!(
        "dev emotion {:.3}/{:.3} intensity {:.3}/{:.3} r {:.3} | test emotion {:.3}/{:.3} intensity {:.3}/{:.3} r {:.3} \
         uncertain {:.3} ece {:.4} T {:.3} | chat emotion {:.3}/{:.3} intensity {:.3}/{:.3}",
        v.emotion.model.accuracy,
        v.emotion.model.macro_f1,
        v.intensity.model.accuracy,
        v.intensity.model.macro_f1,
        r(&v.intensity),
        t.emotion.model.accuracy,
        t.emotion.model.macro_f1,
        t.intensity.model.accuracy,
        t.intensity.model.macro_f1,
        r(&t.intensity),
        uncertain,
        t.intensity.calibration.as_ref().map_or(f64::NAN, |c| c.ece),
        t.intensity
            .calibration
            .as_ref()
            .map_or(f64::NAN, |c| c.temperature),
        ce.0,
        ce.1,
        ci.0,
        ci.1
    );
}

/// Grid search scored on validation data only: a split of VADER's training part, and EmoBank's dev
/// split standing in for its test split (the held-out test splits are never seen).
fn tune(rated: &[RatedSentence], base: &TrainConfig, args: &[String]) {
    let (training, emobank_parts) = validation_data(rated, base);
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
        "validation: 20% of the {} VADER training examples (split seed {}) and EmoBank's dev split; \
         never a held-out test split",
        training.len(),
        base.seed + 1
    );
    let _ = train;
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
                            emotion_alpha: alpha.parse().unwrap_or(base.emotion_alpha),
                            intensity_alpha: alpha.parse().unwrap_or(base.intensity_alpha),
                            max_ngrams: vocab.parse().expect("vocab"),
                            min_df: min_df.parse().expect("min_df"),
                            direct_ngrams: direct.parse().expect("direct"),
                            nb_alpha: nb_alpha.parse().expect("nb_alpha"),
                            ..base.clone()
                        };
                        let r = validation_report(&training, &emobank_parts, &config);
                        // Emotion is scored on the VADER validation sentences only, so adding
                        // EmoBank's valence as a second emotion source stays comparable.
                        let emotion = r
                            .emotion
                            .by_source
                            .iter()
                            .find(|s| s.source == "vader")
                            .map_or(&r.emotion.model, |s| &s.model);
                        println!(
                            "{alpha:>6} {vocab:>6} {min_df:>6} {direct:>6} {nb_alpha:>6} | {:>7.4} {:>7.4} | {:>7.4} {:>7.4} | {:>5.1} {:>5.1}",
                            emotion.accuracy,
                            emotion.macro_f1,
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
