//! The `chatterly model train|eval` commands, run as a user would run them.

use std::path::PathBuf;
use std::process::{Command, Output};

fn chatterly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chatterly"))
        .args(args)
        .output()
        .expect("run chatterly")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chatterly-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

/// An invented language: one word decides the emotion, another the intensity.
fn invented_csv() -> String {
    let emotions = ["very_sad", "sad", "neutral", "happy", "very_happy"];
    let intensities = ["very_muted", "muted", "neutral", "excited", "very_excited"];
    let mut csv = String::from("text,emotion,intensity\n");
    for (e, emotion) in emotions.iter().enumerate() {
        for (i, intensity) in intensities.iter().enumerate() {
            for k in 0..8 {
                csv.push_str(&format!("emo{e} int{i} filler{k},{emotion},{intensity}\n"));
            }
        }
    }
    csv
}

#[test]
fn eval_reports_the_builtin_model_on_the_chat_set_against_baselines() {
    let out = chatterly(&["model", "eval"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("150 examples"), "{text}");
    for needle in ["ccuracy", "acro", "ajority", "exicon"] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

#[test]
fn train_writes_a_model_that_eval_loads() {
    let data = scratch("invented.csv");
    let model = scratch("invented.model");
    let report = scratch("invented.json");
    std::fs::write(&data, invented_csv()).expect("write data");
    let out = chatterly(&[
        "model",
        "train",
        "--no-builtin",
        "--name",
        "invented",
        "--data",
        data.to_str().expect("utf-8 path"),
        "--out",
        model.to_str().expect("utf-8 path"),
        "--report",
        report.to_str().expect("utf-8 path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("trained 200 examples"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("report written"))
            .expect("JSON report");
    assert_eq!(json["name"], "invented");

    let out = chatterly(&[
        "model",
        "eval",
        "--model",
        model.to_str().expect("utf-8 path"),
        "--data",
        data.to_str().expect("utf-8 path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("model invented: 200 examples"), "{text}");
}

#[test]
fn bad_input_is_named_and_fails() {
    let data = scratch("bad.csv");
    std::fs::write(
        &data,
        "text,emotion,intensity\nfine,happy,\nhello,gloomy,\n",
    )
    .expect("write");
    let out = chatterly(&[
        "model",
        "eval",
        "--data",
        data.to_str().expect("utf-8 path"),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gloomy") && err.contains("bad.csv"), "{err}");

    let garbage = scratch("garbage.model");
    std::fs::write(&garbage, b"not a model").expect("write");
    let out = chatterly(&[
        "model",
        "eval",
        "--model",
        garbage.to_str().expect("utf-8 path"),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("garbage.model"));

    let out = chatterly(&["model", "train", "--no-builtin"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no training data"));
}
